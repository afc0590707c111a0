/* coding.c: see coding.h. */
#include "coding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *shortname, *title;
} codes[CND_CODE_COUNT] = {
    {"abuse_of_vulnerability", "I01", "Abuse of vulnerability"},
    {"deception", "I02", "Deception"},
    {"restriction_of_movement", "I03", "Restriction of movement"},
    {"isolation", "I04", "Isolation"},
    {"physical_and_sexual_violence", "I05", "Physical and sexual violence"},
    {"intimidation_and_threats", "I06", "Intimidation and threats"},
    {"retention_of_identity_documents", "I07", "Retention of identity documents"},
    {"withholding_of_wages", "I08", "Withholding of wages"},
    {"debt_bondage", "I09", "Debt bondage"},
    {"abusive_working_and_living_conditions", "I10", "Abusive working and living conditions"},
    {"excessive_overtime", "I11", "Excessive overtime"},
    {"INV", "INV", "Involuntary work (ICLS 2018)"},
    {"COE", "COE", "Threat or menace of penalty (ICLS 2018)"},
};

const char *cnd_code_name(int c)
{
    return c >= 0 && c < CND_CODE_COUNT ? codes[c].name : "";
}

const char *cnd_code_short(int c)
{
    return c >= 0 && c < CND_CODE_COUNT ? codes[c].shortname : "";
}

const char *cnd_code_title(int c)
{
    return c >= 0 && c < CND_CODE_COUNT ? codes[c].title : "";
}

int cnd_code_from_name(const char *name)
{
    for (int c = 0; c < CND_CODE_COUNT; c++)
        if (strcmp(codes[c].name, name) == 0)
            return c;
    return -1;
}

int cnd_coding_is_tag(const char *s, size_t len)
{
    size_t p = sizeof CND_CODING_TAG_PREFIX - 1;
    return len >= p && memcmp(s, CND_CODING_TAG_PREFIX, p) == 0;
}

int cnd_coding_tag_write(const cnd_coding_rule_t *r, char *out, size_t cap)
{
    int n = r->is_range ? snprintf(out, cap, "%s%s:%ld..%ld", CND_CODING_TAG_PREFIX,
                                   cnd_code_short(r->code), (long)r->lo, (long)r->hi)
                        : snprintf(out, cap, "%s%s:%lx", CND_CODING_TAG_PREFIX,
                                   cnd_code_short(r->code), (unsigned long)r->mask);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* A decimal int32 in s[0..len), nothing else. */
static int parse_i32(const char *s, size_t len, int32_t *out)
{
    char buf[16], *end;
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    long v = strtol(buf, &end, 10);
    if (*end != '\0' || v < INT32_MIN || v > INT32_MAX || !(buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')))
        return -1;
    *out = (int32_t)v;
    return 0;
}

int cnd_coding_tag_parse(const char *s, size_t len, cnd_coding_rule_t *out)
{
    size_t p = sizeof CND_CODING_TAG_PREFIX - 1;
    if (!cnd_coding_is_tag(s, len) || len < p + 5 || s[p + 3] != ':')
        return -1;
    memset(out, 0, sizeof *out);
    int code = -1;
    for (int c = 0; c < CND_CODE_COUNT; c++)
        if (memcmp(s + p, codes[c].shortname, 3) == 0)
            code = c;
    if (code < 0)
        return -1;
    out->code = (uint8_t)code;
    const char *v = s + p + 4;
    size_t vl = len - p - 4;
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < vl; i++)
        if (v[i] == '.' && v[i + 1] == '.')
            dots = v + i;
    if (dots != NULL) {
        out->is_range = 1;
        return parse_i32(v, (size_t)(dots - v), &out->lo) == 0 &&
                       parse_i32(dots + 2, vl - (size_t)(dots - v) - 2, &out->hi) == 0 &&
                       out->lo <= out->hi
                   ? 0
                   : -1;
    }
    if (vl > 8)
        return -1;
    uint32_t m = 0;
    for (size_t i = 0; i < vl; i++) {
        char ch = v[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        m = m << 4 | (uint32_t)d;
    }
    out->mask = m;
    return m != 0 ? 0 : -1;
}

void cnd_coding_of_pack(const cnd_pack_t *pk, cnd_coding_t *out)
{
    memset(out, 0, sizeof *out);
    for (uint16_t i = 0; i < cnd_pack_item_count(pk) && i < CND_MAX_ITEMS; i++) {
        cnd_item_t it;
        if (cnd_pack_item(pk, i, &it) != CND_OK)
            continue;
        for (uint8_t t = 0; t < it.n_tags && out->n[i] < CND_CODING_MAX_RULES; t++) {
            cnd_str_t tag = cnd_pack_item_tag(pk, i, t);
            cnd_coding_rule_t r;
            if (cnd_coding_tag_parse(tag.ptr, tag.len, &r) == 0 &&
                r.is_range == (it.kind == CND_ITEM_INTEGER))
                out->rule[i][out->n[i]++] = r;
        }
    }
}

uint16_t cnd_coding_signals(const cnd_coding_t *cd, const cnd_pack_t *pk, uint16_t item,
                            const cnd_answer_t *a)
{
    cnd_item_t it;
    uint16_t s = 0;
    if (item >= CND_MAX_ITEMS || a->state != CND_ANS_VALUE || cnd_pack_item(pk, item, &it) != CND_OK)
        return 0;
    for (uint8_t k = 0; k < cd->n[item]; k++) {
        const cnd_coding_rule_t *r = &cd->rule[item][k];
        int hit;
        if (r->is_range)
            hit = a->value >= r->lo && a->value <= r->hi;
        else if (it.kind == CND_ITEM_MULTI)
            hit = ((uint32_t)a->value & r->mask) != 0;
        else
            hit = a->value >= 0 && a->value < 32 && (r->mask >> a->value & 1u);
        if (hit)
            s |= (uint16_t)(1u << r->code);
    }
    return s;
}

int cnd_coding_forced_labour(const uint16_t *sig, size_t n_items)
{
    size_t inv = 0, coe = 0, any = 0;
    for (size_t i = 0; i < n_items; i++) {
        int v = sig[i] >> CND_CODE_INV & 1, c = sig[i] >> CND_CODE_COE & 1;
        inv += (size_t)v;
        coe += (size_t)c;
        any += (size_t)(v | c);
    }
    /* Some item signals INV, some item COE, and they are not one answer:
     * with both sets non-empty that fails only when a single item is the
     * whole of both. */
    return inv > 0 && coe > 0 && any >= 2;
}
