/*
 * fb_png.h: the simulator's framebuffer as PNG (libpng), and PNG files read
 * back as grey levels for the rendering tests.
 *
 * Owns: RGB565 -> 8-bit RGB conversion and the PNG encoding of a whole
 * framebuffer; reading any PNG libpng understands as 8-bit luminance.
 * Never: draws (firmware/drivers/ptext_draw.c and pscreen.c do) or leaves
 * a partial file under the final name (it writes NAME.tmp and renames; no
 * fsync: pictures are made again at will, and the simulator must not stall
 * on the disk).
 * RAM: host/simulator only; one row of 720 bytes while writing.
 */
#ifndef CND_FB_PNG_H
#define CND_FB_PNG_H

#include <stdint.h>

/* Writes w x h RGB565 pixels to path as an 8-bit RGB PNG. 0 on success. */
int cnd_fb_write_png(const char *path, const uint16_t *px, int w, int h);

/* Reads path as grey (0 black .. 255 white) into *out (malloc'd). 0 on
 * success. */
int cnd_png_read_grey(const char *path, uint8_t **out, int *w, int *h);

#endif
