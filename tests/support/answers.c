/* answers.c: see answers.h. */
#include "answers.h"

#include <string.h>

#include "relevance.h"

void cnd_test_clear_irrelevant(const cnd_pack_t *pk, cnd_response_t *r)
{
    uint16_t i, n = cnd_pack_item_count(pk);
    for (i = 0; i < n && i < CND_MAX_ITEMS; i++) {
        cnd_item_t it;
        if (cnd_pack_item(pk, i, &it) != CND_OK || it.kind == CND_ITEM_INFO ||
            !cnd_relevance_eval(it.relevance, it.relevance_len, r->answers, n))
            memset(&r->answers[i], 0, sizeof r->answers[i]);
    }
}

uint32_t cnd_test_keep_exclusive(const cnd_item_t *it, uint32_t mask)
{
    if (!cnd_pack_breaks_exclusive(it, mask))
        return mask;
    if ((mask & ~it->exclusive) != 0)
        return mask & ~it->exclusive;
    return mask & (~mask + 1u); /* several exclusive ones: the lowest */
}

/* splitmix64: a full-period generator, so every seed gives its own set. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int32_t draw_value(const cnd_item_t *it, uint64_t x)
{
    uint64_t span;
    switch (it->kind) {
    case CND_ITEM_SINGLE:
        return (int32_t)(x % it->n_choices);
    case CND_ITEM_YESNO:
        return (int32_t)(x % 2u);
    case CND_ITEM_MULTI: {
        uint64_t all = ((uint64_t)1 << it->n_choices) - 1u;
        /* any non-empty mask the engine can build */
        return (int32_t)cnd_test_keep_exclusive(it, (uint32_t)(x % all + 1u));
    }
    default:
        span = (uint64_t)((int64_t)it->max - (int64_t)it->min) + 1u;
        /* Ends of the range half the time: they are where codes overflow. */
        if ((x >> 40) % 4u == 0)
            return it->min;
        if ((x >> 40) % 4u == 1)
            return it->max;
        return (int32_t)((int64_t)it->min + (int64_t)(x % span));
    }
}

void cnd_test_random_response(const cnd_pack_t *pk, uint64_t seed, unsigned none_per_256,
                              cnd_response_t *r)
{
    uint64_t s = seed;
    uint64_t x = next(&s);
    uint16_t i, n = cnd_pack_item_count(pk);
    memset(r, 0, sizeof *r);
    memcpy(r->id, &x, sizeof r->id < sizeof x ? sizeof r->id : sizeof x);
    x = next(&s);
    r->pack_fp = pk->fingerprint;
    r->day = (uint16_t)x;
    r->lang = (uint8_t)((x >> 16) % cnd_pack_lang_count(pk));
    r->n_answers = (uint8_t)n;
    for (i = 0; i < n && i < CND_MAX_ITEMS; i++) {
        cnd_item_t it;
        cnd_answer_t *a = &r->answers[i];
        x = next(&s);
        if (cnd_pack_item(pk, i, &it) != CND_OK || it.kind == CND_ITEM_INFO ||
            !cnd_relevance_eval(it.relevance, it.relevance_len, r->answers, n))
            continue;
        if ((x & 0xFFu) < none_per_256)
            continue;
        if ((it.flags & CND_ITEM_F_PNA) && ((x >> 8) & 0xFu) == 0) {
            a->state = CND_ANS_PNA;
            continue;
        }
        a->state = CND_ANS_VALUE;
        a->value = draw_value(&it, x >> 12);
    }
}
