/* sim_window.c: the framebuffer in an SDL2 window (see sim_window.h). */
#include "sim_window.h"

#include <SDL.h>
#include <stdlib.h>

#include "engine.h"
#include "ptext.h"

#define SCALE 2

static SDL_Window *g_win;
static SDL_Renderer *g_ren;
static SDL_Texture *g_tex;
static int g_inited;

int cnd_sim_window_open(void)
{
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    if ((x == NULL || x[0] == '\0') && (w == NULL || w[0] == '\0'))
        return 0;
    if (SDL_Init(SDL_INIT_VIDEO) != 0)
        return 0;
    g_inited = 1;
    g_win = SDL_CreateWindow("Candor handheld (simulator)", SDL_WINDOWPOS_UNDEFINED,
                             SDL_WINDOWPOS_UNDEFINED, CND_PTEXT_SCREEN_W * SCALE,
                             CND_PTEXT_SCREEN_H * SCALE, 0);
    g_ren = g_win != NULL ? SDL_CreateRenderer(g_win, -1, 0) : NULL;
    g_tex = g_ren != NULL ? SDL_CreateTexture(g_ren, SDL_PIXELFORMAT_RGB565,
                                              SDL_TEXTUREACCESS_STREAMING, CND_PTEXT_SCREEN_W,
                                              CND_PTEXT_SCREEN_H)
                          : NULL;
    if (g_tex == NULL) {
        cnd_sim_window_close();
        return 0;
    }
    return 1;
}

int cnd_sim_window_is_open(void)
{
    return g_tex != NULL;
}

void cnd_sim_window_show(const uint16_t *fb)
{
    if (g_tex == NULL)
        return;
    SDL_UpdateTexture(g_tex, NULL, fb, CND_PTEXT_SCREEN_W * 2);
    SDL_RenderClear(g_ren);
    SDL_RenderCopy(g_ren, g_tex, NULL, NULL);
    SDL_RenderPresent(g_ren);
}

size_t cnd_sim_window_keys(uint8_t *keys, size_t max, int *quit)
{
    SDL_Event e;
    size_t n = 0;
    *quit = 0;
    while (g_win != NULL && SDL_PollEvent(&e)) {
        uint8_t k = 0;
        if (e.type == SDL_QUIT) {
            *quit = 1;
            continue;
        }
        if (e.type != SDL_KEYDOWN)
            continue;
        switch (e.key.keysym.sym) {
        case SDLK_UP: k = CND_KEY_UP; break;
        case SDLK_DOWN: k = CND_KEY_DOWN; break;
        case SDLK_RETURN: k = CND_KEY_OK; break;
        case SDLK_BACKSPACE: k = CND_KEY_BACK; break;
        case SDLK_l: k = CND_KEY_LANG; break;
        case SDLK_x:
        case SDLK_ESCAPE: k = CND_KEY_EXIT; break;
        default: break;
        }
        if (k != 0 && n < max)
            keys[n++] = k;
    }
    return n;
}

void cnd_sim_window_close(void)
{
    if (g_tex != NULL)
        SDL_DestroyTexture(g_tex);
    if (g_ren != NULL)
        SDL_DestroyRenderer(g_ren);
    if (g_win != NULL)
        SDL_DestroyWindow(g_win);
    g_tex = NULL;
    g_ren = NULL;
    g_win = NULL;
    if (g_inited)
        SDL_Quit();
    g_inited = 0;
}
