/* keys.c: key debounce and events (see keys.h). */
#include "keys.h"

#include <string.h>

#define ALL_KEYS ((uint8_t)((1u << CND_KEYS_COUNT) - 1u))

void cnd_keys_init(cnd_keys_t *k, uint8_t repeat_mask)
{
    memset(k, 0, sizeof *k);
    k->repeat_mask = (uint8_t)(repeat_mask & ALL_KEYS);
}

/* Sampler side only. EXIT is not queued: it is counted and remembers where
 * the queue stood, so the consumer can drop what was pressed before it. */
static void push(cnd_keys_t *k, int key)
{
    uint8_t head = k->head;
    if (key == CND_KEY_EXIT) {
        k->exit_head = head;
        k->exit_count = (uint8_t)(k->exit_count + 1u);
        return;
    }
    if ((uint8_t)(head - k->tail) >= CND_KEYS_QUEUE)
        return; /* full: the user is far ahead of the screen; drop */
    k->queue[head & (CND_KEYS_QUEUE - 1)] = (uint8_t)key;
    k->head = (uint8_t)(head + 1u);
}

void cnd_keys_sample(cnd_keys_t *k, uint8_t raw, uint32_t now_ms)
{
    uint8_t diff;
    int i;
    raw &= ALL_KEYS;
    if (!k->started) {
        k->started = 1;
        k->raw = (uint8_t)~raw; /* every key "just changed": all settle first */
    }
    diff = (uint8_t)(raw ^ k->raw);
    k->raw = raw;
    for (i = 0; i < CND_KEYS_COUNT; i++) {
        uint8_t bit = (uint8_t)(1u << i);
        if (diff & bit) {
            k->since[i] = now_ms; /* a bounce restarts the settling time */
            continue;
        }
        if (((raw ^ k->stable) & bit) && now_ms - k->since[i] >= CND_KEYS_DEBOUNCE_MS) {
            k->stable ^= bit;
            if (k->stable & bit) {
                push(k, i + 1);
                k->repeat_at[i] = now_ms + CND_KEYS_REPEAT_DELAY_MS;
            }
        } else if ((k->stable & raw & k->repeat_mask & bit) &&
                   (int32_t)(now_ms - k->repeat_at[i]) >= 0) {
            push(k, i + 1);
            /* from now, not from the missed time: a late sample gives one
             * repeat, never a burst */
            k->repeat_at[i] = now_ms + CND_KEYS_REPEAT_MS;
        }
    }
}

int cnd_keys_next(cnd_keys_t *k)
{
    uint8_t tail = k->tail;
    int key;
    if (k->exit_count != k->exit_taken) {
        uint8_t exit_head = k->exit_head;
        k->exit_taken = k->exit_count;
        /* drop what was queued before the exit, never step backwards */
        if ((uint8_t)(exit_head - tail) <= CND_KEYS_QUEUE)
            k->tail = exit_head;
        return CND_KEY_EXIT;
    }
    if (tail == k->head)
        return 0;
    key = k->queue[tail & (CND_KEYS_QUEUE - 1)];
    k->tail = (uint8_t)(tail + 1u);
    return key;
}

int cnd_keys_active(const cnd_keys_t *k)
{
    return (k->raw | k->stable) != 0;
}
