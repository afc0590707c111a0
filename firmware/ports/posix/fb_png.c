/* fb_png.c: framebuffer <-> PNG (see fb_png.h). */
#include "fb_png.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cnd_fb_write_png(const char *path, const uint16_t *px, int w, int h)
{
    char tmp[4096];
    FILE *f;
    png_structp p;
    png_infop info;
    uint8_t *row;
    int y, x;
    volatile int ok = 0;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return -1;
    row = malloc((size_t)w * 3);
    f = fopen(tmp, "wb");
    p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    info = p != NULL ? png_create_info_struct(p) : NULL;
    if (row != NULL && f != NULL && info != NULL && setjmp(png_jmpbuf(p)) == 0) {
        png_init_io(p, f);
        /* fast deflate: files about 1.5 times larger than at the default
         * level (143 preview screens: 740 KB against 477 KB), for less time
         * in the simulator's loop */
        png_set_compression_level(p, 1);
        png_set_IHDR(p, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(p, info);
        for (y = 0; y < h; y++) {
            for (x = 0; x < w; x++) {
                uint16_t c = px[(size_t)y * w + x];
                unsigned r = c >> 11, g = (c >> 5) & 63u, b = c & 31u;
                row[x * 3] = (uint8_t)((r * 255u + 15u) / 31u);
                row[x * 3 + 1] = (uint8_t)((g * 255u + 31u) / 63u);
                row[x * 3 + 2] = (uint8_t)((b * 255u + 15u) / 31u);
            }
            png_write_row(p, row);
        }
        png_write_end(p, info);
        ok = 1;
    }
    png_destroy_write_struct(p != NULL ? &p : NULL, info != NULL ? &info : NULL);
    free(row);
    /* no fsync: a screenshot or a preview is made again in a moment, and
     * the simulator's loop must not stall on the disk while a host waits
     * for a reply */
    if (f != NULL)
        ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        return 0;
    remove(tmp);
    return -1;
}

int cnd_png_read_grey(const char *path, uint8_t **out, int *w, int *h)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    *out = NULL;
    if (!png_image_begin_read_from_file(&img, path))
        return -1;
    img.format = PNG_FORMAT_GRAY;
    *out = malloc(PNG_IMAGE_SIZE(img));
    if (*out == NULL || !png_image_finish_read(&img, NULL, *out, 0, NULL)) {
        free(*out);
        *out = NULL;
        png_image_free(&img);
        return -1;
    }
    *w = (int)img.width;
    *h = (int)img.height;
    return 0;
}
