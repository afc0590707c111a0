/*
 * fuzz_pack.c: survey pack loading (formats/pack.c cnd_pack_open) and,
 * for every pack it accepts, every accessor (the office keys of the
 * signature block included: the store seals every response to the X25519
 * one, read from the pack's last bytes), relevance evaluation over
 * answers, cnd_response_check, and an interview driven by keys through the
 * real engine (firmware/core/engine.c) on that pack.
 *
 * A pack is untrusted: it arrives by PUSH from any host, and the host
 * fetches packs from devices. cnd_pack_open() promises that after it
 * succeeds every accessor is total and stays inside the buffer, so the
 * harness hands it an exact-size heap copy: one byte past the end is an
 * ASan report.
 *
 * Input: [flags u8][n_keys u8][keys...][pack bytes]. flags bit 0: before
 * opening, write the real length at header offset 16 and the real CRC-32
 * in the trailer, so mutations reach the structure checks instead of
 * stopping at the envelope.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "engine.h"
#include "fuzz_common.h"
#include "pack.h"
#include "packsig.h"
#include "record.h"
#include "relevance.h"

static const uint8_t *pk_lo, *pk_hi;

/* A string from an accessor lies inside the pack (or is empty) and the
 * bytes are readable: sum them so ASan sees every one. */
static unsigned touch(cnd_str_t s)
{
    unsigned sum = 0;
    uint16_t i;
    FZ_CHECK(s.ptr != NULL);
    if (s.len == 0)
        return 0;
    FZ_CHECK((const uint8_t *)s.ptr >= pk_lo && (const uint8_t *)s.ptr + s.len <= pk_hi);
    for (i = 0; i < s.len; i++)
        sum += (uint8_t)s.ptr[i];
    return sum;
}

static unsigned touch_screen_str(cnd_str_t s)
{
    /* Engine strings may also be its own composed text or constants. */
    unsigned sum = 0;
    uint16_t i;
    FZ_CHECK(s.ptr != NULL || s.len == 0);
    for (i = 0; i < s.len; i++)
        sum += (uint8_t)s.ptr[i];
    return sum;
}

/* A fixed-size part of the pack (signature block, keys) lies inside it. */
static unsigned touch_block(const uint8_t *p, uint32_t n)
{
    unsigned sum = 0;
    uint32_t i;
    FZ_CHECK(p >= pk_lo && p + n <= pk_hi);
    for (i = 0; i < n; i++)
        sum += p[i];
    return sum;
}

static void walk_accessors(const cnd_pack_t *pk)
{
    uint8_t n_langs = cnd_pack_lang_count(pk), l, c, t;
    uint16_t n_items = cnd_pack_item_count(pk), i;
    volatile unsigned sink = 0;
    cnd_str_t id = cnd_pack_survey_id(pk);

    FZ_CHECK(n_langs >= 1 && n_langs <= CND_MAX_LANGS);
    FZ_CHECK(n_items >= 1 && n_items <= CND_MAX_ITEMS);
    FZ_CHECK(cnd_pack_name_ok(CND_NAME_SURVEY_ID, id.ptr, id.len));
    sink += touch(id) + cnd_pack_survey_version(pk);
    sink += touch_block(cnd_pack_sig_block(pk), CND_PACK_SIG_BLOCK_LEN) +
            touch_block(cnd_pack_office_pub(pk), CND_OFFICE_PUB_LEN) +
            touch_block(cnd_pack_office_x25519(pk), CND_X25519_PUB_LEN) +
            touch_block(cnd_pack_office_p256(pk), CND_P256_PUB_LEN) +
            touch_block(cnd_pack_signer_pub(pk), CND_P256_PUB_LEN);
    {
        /* Any well-formed block gets an answer, never a crash (a signer
         * off the curve, r or s out of range). */
        cnd_status_t st = cnd_pack_sig_verify(pk->buf, pk->len, NULL);
        FZ_CHECK(st == CND_OK || st == CND_E_SIGNATURE || st == CND_E_NOSPACE);
    }
    {
        /* The key the store seals to, and the office block it sits in. */
        const uint8_t *x = cnd_pack_office_x25519(pk), *o = cnd_pack_office_pub(pk);
        uint8_t k;
        FZ_CHECK(o >= pk_lo && o + CND_OFFICE_PUB_LEN <= pk_hi);
        FZ_CHECK(x == o + CND_OFFICE_PUB_X25519);
        FZ_CHECK(cnd_pack_office_p256(pk) == o + CND_OFFICE_PUB_P256);
        for (k = 0; k < CND_X25519_PUB_LEN; k++)
            sink += x[k];
    }
    for (l = 0; l <= n_langs; l++) {
        cnd_str_t code = cnd_pack_lang_code(pk, l);
        unsigned u;
        if (l < n_langs)
            FZ_CHECK(cnd_pack_name_ok(CND_NAME_LANG, code.ptr, code.len));
        else
            FZ_CHECK(code.len == 0);
        sink += touch(code) + touch(cnd_pack_lang_name(pk, l)) + touch(cnd_pack_title(pk, l));
        sink += touch(cnd_pack_consent(pk, l)) + touch(cnd_pack_referral(pk, l));
        for (u = 0; u <= CND_UI_COUNT; u++)
            sink += touch(cnd_pack_ui(pk, l, (cnd_ui_string_t)u));
    }
    for (i = 0; i <= n_items; i++) {
        cnd_item_t it;
        cnd_status_t st = cnd_pack_item(pk, i, &it);
        if (i == n_items) {
            FZ_CHECK(st == CND_E_RANGE);
        } else {
            FZ_CHECK(st == CND_OK);
            FZ_CHECK(cnd_pack_name_ok(CND_NAME_IDENT, it.name.ptr, it.name.len));
            FZ_CHECK(cnd_pack_find_item(pk, it.name.ptr, it.name.len) == (int)i);
            FZ_CHECK(it.kind >= CND_ITEM_SINGLE && it.kind <= CND_ITEM_INFO);
            FZ_CHECK(it.n_choices <= CND_MAX_CHOICES && it.n_tags <= CND_MAX_TAGS);
            if (it.kind == CND_ITEM_INTEGER)
                FZ_CHECK(it.min <= it.max);
            FZ_CHECK(it.relevance_len <= CND_MAX_RELEVANCE_LEN);
            if (it.relevance_len > 0)
                FZ_CHECK(it.relevance >= pk_lo && it.relevance + it.relevance_len <= pk_hi);
            sink += touch(it.name);
        }
        sink += touch(cnd_pack_item_relevance_src(pk, i));
        for (t = 0; t <= CND_MAX_TAGS; t++)
            sink += touch(cnd_pack_item_tag(pk, i, t));
        for (l = 0; l <= n_langs; l++) {
            sink += touch(cnd_pack_item_label(pk, i, l)) + touch(cnd_pack_item_hint(pk, i, l));
            for (c = 0; c <= CND_MAX_CHOICES; c++)
                sink += touch(cnd_pack_choice_label(pk, i, c, l));
        }
        for (c = 0; c <= CND_MAX_CHOICES; c++)
            sink += touch(cnd_pack_choice_name(pk, i, c));
    }
    (void)sink;
}

/* Answers built from x: valid ones (kind-shaped) when `valid`, else any
 * state and value. Relevance evaluation must cope with both. */
static void answers_and_relevance(const cnd_pack_t *pk, uint32_t x, int valid)
{
    cnd_response_t r;
    uint16_t n = cnd_pack_item_count(pk), i;
    memset(&r, 0, sizeof r);
    r.pack_fp = pk->fingerprint;
    r.n_answers = (uint8_t)n;
    r.lang = (uint8_t)(x % cnd_pack_lang_count(pk));
    for (i = 0; i < n; i++) {
        cnd_item_t it;
        cnd_answer_t *a = &r.answers[i];
        int rel;
        x = x * 1103515245u + 12345u;
        FZ_CHECK(cnd_pack_item(pk, i, &it) == CND_OK);
        rel = cnd_relevance_eval(it.relevance, it.relevance_len, r.answers, r.n_answers);
        FZ_CHECK(rel == 0 || rel == 1);
        if (!valid) {
            a->state = (uint8_t)((x >> 8) % 3);
            a->value = (int32_t)(x * 2654435761u);
            continue;
        }
        if (!rel || it.kind == CND_ITEM_INFO || (x >> 20) % 5 == 0)
            continue;
        if ((it.flags & CND_ITEM_F_PNA) && (x >> 20) % 5 == 1) {
            a->state = CND_ANS_PNA;
            continue;
        }
        a->state = CND_ANS_VALUE;
        switch (it.kind) {
        case CND_ITEM_SINGLE: a->value = (int32_t)((x >> 4) % it.n_choices); break;
        case CND_ITEM_MULTI: a->value = (int32_t)(1u << ((x >> 4) % it.n_choices)); break;
        case CND_ITEM_YESNO: a->value = (int32_t)((x >> 4) & 1); break;
        default:
            a->value = (int32_t)((int64_t)it.min +
                                 (int64_t)((x >> 4) % ((uint64_t)((int64_t)it.max - it.min) + 1)));
            break;
        }
    }
    if (valid)
        FZ_CHECK(cnd_response_check(&r, pk) == CND_OK);
    else
        (void)cnd_response_check(&r, pk);
}

/* The engine on this pack. Its store has no pack installed, so a save is
 * refused (CND_E_NO_SURVEY) and nothing persists between runs. */
static void interview(const cnd_pack_t *pk, const uint8_t *keys, size_t n_keys)
{
    static fz_device_t dev;
    static int mounted;
    static cnd_engine_t e;
    size_t k;
    if (!mounted) {
        fz_device_init(&dev, 5);
        FZ_CHECK(fz_device_mount(&dev) == CND_OK);
        mounted = 1;
    }
    cnd_engine_init(&e, &dev.store, &dev.hal, pk);
    for (k = 0; k <= n_keys; k++) {
        const cnd_screen_t *s = cnd_engine_screen(&e);
        volatile unsigned sink = 0;
        uint8_t o;
        FZ_CHECK(s->n_options <= CND_SCREEN_MAX_OPTIONS);
        FZ_CHECK(s->n_options == 0 || s->cursor < s->n_options || s->cursor == CND_CURSOR_NONE);
        FZ_CHECK(s->lang < cnd_pack_lang_count(pk));
        FZ_CHECK(s->n_visible <= CND_SCREEN_REVIEW_ROWS);
        sink += touch_screen_str(s->title) + touch_screen_str(s->body);
        for (o = 0; o < s->n_options; o++)
            sink += touch_screen_str(s->options[o]);
        for (o = 0; o < s->n_visible; o++)
            sink += touch_screen_str(s->rows[o].label) + touch_screen_str(s->rows[o].answer);
        if (s->kind == CND_SCREEN_ITEM) {
            FZ_CHECK(s->item < cnd_pack_item_count(pk));
            if (s->has_number)
                FZ_CHECK(s->number >= s->number_min && s->number <= s->number_max);
        }
        (void)sink;
        if (k < n_keys)
            cnd_engine_key(&e, (cnd_key_t)(keys[k] % 6 + 1));
    }
    FZ_CHECK(cnd_store_pending_count(&dev.store) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t in;
    uint8_t flags, n_keys;
    const uint8_t *keys, *bytes;
    size_t got_keys, len;
    uint8_t *buf;
    cnd_pack_t pk;

    fz_in_init(&in, data, size);
    flags = fz_u8(&in);
    n_keys = fz_u8(&in);
    got_keys = fz_take(&in, n_keys, &keys);
    len = fz_take(&in, fz_left(&in), &bytes);
    buf = malloc(len ? len : 1);
    FZ_CHECK(buf != NULL);
    memcpy(buf, bytes, len);
    if ((flags & 1) && len >= CND_PACK_HEADER_SIZE + CND_PACK_TRAILER_SIZE) {
        uint32_t crc;
        buf[CND_PACK_HDR_TOTAL_LEN] = (uint8_t)len;
        buf[CND_PACK_HDR_TOTAL_LEN + 1] = (uint8_t)(len >> 8);
        buf[CND_PACK_HDR_TOTAL_LEN + 2] = (uint8_t)(len >> 16);
        buf[CND_PACK_HDR_TOTAL_LEN + 3] = (uint8_t)(len >> 24);
        crc = (uint32_t)crc32(0L, buf, (uInt)(len - CND_PACK_TRAILER_SIZE));
        memcpy(buf + len - 4, (uint8_t[4]){(uint8_t)crc, (uint8_t)(crc >> 8),
                                           (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)},
               4);
    }
    pk_lo = buf;
    pk_hi = buf + len;
    if (cnd_pack_open(&pk, buf, (uint32_t)len) == CND_OK) {
        uint32_t x;
        FZ_CHECK(pk.len == len && pk.buf == buf);
        walk_accessors(&pk);
        for (x = 0; x < 8; x++)
            answers_and_relevance(&pk, x * 977u + (uint32_t)size, (int)(x & 1));
        interview(&pk, keys, got_keys);
    } else {
        FZ_CHECK(pk.len == 0 && pk.buf == NULL);
    }
    free(buf);
    return 0;
}
