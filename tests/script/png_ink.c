/*
 * png_ink: prints how many pixels of a PNG differ from its most common
 * grey level (the background), and how many grey levels it has; exits 1
 * when the image cannot be read. The preview test uses it to tell a
 * rendered contact sheet from a blank one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fb_png.h"

int main(int argc, char **argv)
{
    uint8_t *g;
    int w, h, i;
    long hist[256] = {0}, ink = 0, levels = 0, bg = 0;
    if (argc != 2 || cnd_png_read_grey(argv[1], &g, &w, &h) != 0) {
        fprintf(stderr, "png_ink: cannot read %s\n", argc > 1 ? argv[1] : "(none)");
        return 1;
    }
    for (i = 0; i < w * h; i++)
        hist[g[i]]++;
    for (i = 0; i < 256; i++) {
        if (hist[i] > hist[bg])
            bg = i;
        levels += hist[i] > 0;
    }
    ink = (long)w * h - hist[bg];
    printf("%ld %ld %dx%d\n", ink, levels, w, h);
    free(g);
    return 0;
}
