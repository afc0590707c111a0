/*
 * console.h: the QEMU board's keys and screen, as text lines on a USART.
 *
 * Owns: the console's text form. Out: every screen as a block
 *   SCREEN <KIND> [item=N name=NAME] lang=CODE cursor=N pending=N
 *   T <title>          B <body, first 120 bytes>
 *   O> <option> (the highlighted one; others "O  ")
 *   R <review label> = <answer>
 *   END
 * (the header line matches the simulator's screen log, so the same key
 * scripts and checks work on both). In: one word per line, the engine's
 * six keys: up, down, ok, back, lang, exit. Control characters in survey
 * text are printed as '?', so a pack cannot forge console lines.
 *
 * Never: decides anything about the interview (the engine does).
 * RAM: none beyond the caller's USART.
 */
#ifndef CND_CONSOLE_H
#define CND_CONSOLE_H

#include <stdint.h>

#include "engine.h"
#include "usart.h"

void cnd_console_init(cnd_usart_t *u);
void cnd_console_puts(const char *s);
void cnd_console_u32(uint32_t v);
void cnd_console_hex32(uint32_t v);
/* Survey text, at most max bytes, control characters replaced. */
void cnd_console_text(cnd_str_t s, uint32_t max);
void cnd_console_screen(const cnd_screen_t *s, const cnd_pack_t *pack);
/* The key named by word[0..len), or 0 if it names none. */
cnd_key_t cnd_console_key(const char *word, uint32_t len);

#endif
