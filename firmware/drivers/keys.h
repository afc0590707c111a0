/*
 * keys.h: the six keys of the handheld, debounced into engine key events.
 *
 * Owns: turning raw key levels, sampled every 1-5 ms (from SysTick or the
 * main loop), into clean press events (engine.h cnd_key_t):
 * - a key counts as pressed once its line has read "pressed" without a
 *   change for CND_KEYS_DEBOUNCE_MS (20 ms), and as released after the same
 *   time released, so contact bounce at either edge gives no extra press;
 * - one event per press edge; UP and DOWN (the repeat mask) repeat while
 *   held: first after CND_KEYS_REPEAT_DELAY_MS, then every
 *   CND_KEYS_REPEAT_MS, so a number can be scrolled;
 * - quick exit (CND_KEY_EXIT) jumps the queue: keys pressed before it and
 *   not yet handled are dropped, so nothing typed in a hurry acts on the
 *   screen that replaces the survey.
 * Sample and consumer may run in different contexts (SysTick interrupt and
 * main loop): the queue is single-producer single-consumer with byte-sized
 * indices, each written by one side only.
 *
 * Raw input: bit (k - 1) set = key k (cnd_key_t) is down. The port maps its
 * GPIO pins (active low with pull-ups on the reference board) to these bits.
 *
 * Never: touches hardware; knows screens; blocks.
 * RAM: sizeof(cnd_keys_t) = 68 bytes on Cortex-M4.
 */
#ifndef CND_KEYS_H
#define CND_KEYS_H

#include <stdint.h>

#include "engine.h"

#define CND_KEYS_COUNT 6
#define CND_KEYS_BIT(key) (1u << ((unsigned)(key) - 1u))
#define CND_KEYS_DEBOUNCE_MS 20u
#define CND_KEYS_REPEAT_DELAY_MS 500u
#define CND_KEYS_REPEAT_MS 150u
#define CND_KEYS_QUEUE 8 /* power of two; a full queue drops new presses */
#define CND_KEYS_DEFAULT_REPEAT (CND_KEYS_BIT(CND_KEY_UP) | CND_KEYS_BIT(CND_KEY_DOWN))

typedef struct {
    /* sampling side */
    uint32_t since[CND_KEYS_COUNT];     /* time of each key's last raw change */
    uint32_t repeat_at[CND_KEYS_COUNT]; /* next auto-repeat of a held key */
    uint8_t raw;         /* last raw sample */
    uint8_t stable;      /* debounced state */
    uint8_t repeat_mask; /* keys that auto-repeat */
    uint8_t started;
    /* queue: head and exit_* written by the sampler, tail by the consumer */
    volatile uint8_t head;
    volatile uint8_t tail;
    volatile uint8_t exit_count; /* EXIT presses seen */
    volatile uint8_t exit_head;  /* head when the last EXIT was pressed */
    uint8_t exit_taken;          /* consumer: EXIT presses delivered */
    volatile uint8_t queue[CND_KEYS_QUEUE];
} cnd_keys_t;

/* repeat_mask: CND_KEYS_DEFAULT_REPEAT or 0 for no auto-repeat. */
void cnd_keys_init(cnd_keys_t *k, uint8_t repeat_mask);
/* One sample of the raw key bits at time now_ms (wrapping milliseconds). */
void cnd_keys_sample(cnd_keys_t *k, uint8_t raw, uint32_t now_ms);
/* The next key event (a cnd_key_t), or 0 when none is waiting. */
int cnd_keys_next(cnd_keys_t *k);
/* 1 while a key is down or settling (keep sampling), 0 when all are up and
 * stable: the port may stop the sample tick and sleep until a key edge. */
int cnd_keys_active(const cnd_keys_t *k);

#endif
