/*
 * sim_window.h: the simulator's 240x320 framebuffer in a window (SDL2),
 * when there is a display.
 *
 * Owns: the window (the panel at twice its size), uploading the RGB565
 * framebuffer the handheld's drivers drew (ptext_draw.h) and turning the
 * window's key presses into handheld keys (arrows, Enter = OK, Backspace =
 * back, l = language, x or Esc = quick exit; closing the window stops the
 * simulator).
 *
 * Never: lays out or draws a screen itself, opens a window without a
 * display (DISPLAY or WAYLAND_DISPLAY) or when the simulator is not in a
 * terminal's foreground (tests and scripts run headless). RAM: SDL's.
 */
#ifndef CND_SIM_WINDOW_H
#define CND_SIM_WINDOW_H

#include <stddef.h>
#include <stdint.h>

/* Opens the window if a display is there. 1 open, 0 not (headless). */
int cnd_sim_window_open(void);
int cnd_sim_window_is_open(void);
/* Shows a CND_PTEXT_SCREEN_W x CND_PTEXT_SCREEN_H RGB565 framebuffer. */
void cnd_sim_window_show(const uint16_t *fb);
/* Keys pressed in the window since the last call (cnd_key_t values), at
 * most max; *quit set when the window was closed. */
size_t cnd_sim_window_keys(uint8_t *keys, size_t max, int *quit);
void cnd_sim_window_close(void);

#endif
