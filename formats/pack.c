/*
 * pack.c: validation of and zero-copy access to a compiled survey pack
 * (formats/SPEC.md section 1).
 *
 * Owns: the reader half of the pack format. cnd_pack_open() checks every
 * byte an accessor can later touch, so accessors need no error paths beyond
 * an index check and never read outside the buffer.
 * Never: allocates, recurses, or writes to the pack buffer.
 * RAM: cnd_pack_t; cnd_pack_open() uses about 300 bytes of C stack at its
 * deepest (per-item kind and choice-count tables, 128 bytes, plus the
 * relevance validator's stack).
 */
#include "pack.h"

#include <string.h>
#include <zlib.h>

#include "relevance.h"

static const char empty_text[1] = {0};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static cnd_str_t empty_str(void)
{
    cnd_str_t s;
    s.ptr = empty_text;
    s.len = 0;
    return s;
}

/* Which strings an sref counts from: the common ones (names, tags, rule
 * sources) from the string section's start, a language's texts from its
 * range (version 4; version 3 has one range for all). */
#define COMMON 0xFF

static uint32_t lang_at(const cnd_pack_t *pk, uint8_t lang)
{
    return pk->off_langs + (uint32_t)lang * pk->lang_size;
}

static void str_range(const cnd_pack_t *pk, uint8_t lang, uint32_t *base, uint32_t *len)
{
    if (lang == COMMON || pk->version < 4) {
        *base = 0;
        *len = pk->len_strings;
        return;
    }
    *base = rd32(pk->buf + lang_at(pk, lang) + CND_PACK_LANG_STR_OFF);
    *len = rd32(pk->buf + lang_at(pk, lang) + CND_PACK_LANG_STR_LEN);
}

/* Resolves a string reference that cnd_pack_open() has already checked. */
static cnd_str_t sref_in(const cnd_pack_t *pk, uint32_t at, uint8_t lang)
{
    cnd_str_t s;
    uint32_t base, len;
    str_range(pk, lang, &base, &len);
    s.ptr = (const char *)pk->buf + pk->off_strings + base + rd16(pk->buf + at);
    s.len = rd16(pk->buf + at + 2);
    return s;
}

static cnd_str_t sref_at(const cnd_pack_t *pk, uint32_t at)
{
    return sref_in(pk, at, COMMON);
}

static int is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
    return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z');
}

/* BCP 47-ish: 2-3 lower-case letters, then "-subtag" groups of 1-8 alnum. */
static int lang_code_ok(const char *s, size_t len)
{
    size_t i = 0, run = 0;
    if (len < 2 || len >= CND_LANG_CODE_LEN)
        return 0;
    while (i < len && is_lower(s[i]))
        i++;
    if (i < 2 || i > 3)
        return 0;
    for (; i < len; i++) {
        if (s[i] == '-') {
            if (i + 1 == len || s[i + 1] == '-')
                return 0;
            run = 0;
        } else if (!is_alnum(s[i]) || ++run > 8) {
            return 0;
        }
    }
    return 1;
}

int cnd_pack_name_ok(cnd_name_kind_t kind, const char *s, size_t len)
{
    size_t i;
    if (s == NULL || len == 0 || len > CND_MAX_NAME_LEN)
        return 0;
    if (kind == CND_NAME_LANG)
        return lang_code_ok(s, len);
    if (kind == CND_NAME_TAG ? !is_alnum(s[0]) : !is_lower(s[0]))
        return 0;
    for (i = 1; i < len; i++) {
        char c = s[i];
        int ok = is_lower(c) || is_digit(c) || c == '_';
        if (kind == CND_NAME_SURVEY_ID)
            ok = ok || c == '-';
        else if (kind == CND_NAME_TAG)
            ok = is_alnum(c) || c == '_' || c == '.' || c == ':' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

int cnd_pack_text_ok(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    if (len > CND_MAX_TEXT_LEN || (len > 0 && s == NULL))
        return 0;
    while (i < len) {
        uint8_t c = p[i];
        size_t n, k;
        uint32_t cp;
        if (c < 0x80) {
            /* Control characters could move the device's cursor or hide
             * text; only the paragraph break is allowed. */
            if ((c < 0x20 && c != '\n') || c == 0x7F)
                return 0;
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        /* Overlong forms, surrogates and values past U+10FFFF. */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* Checks the string reference at buf[at] against the range of `lang`
 * (COMMON: the whole section); required ones may not be empty.
 * name_kind < 0 means free text. */
static cnd_status_t check_sref_in(const cnd_pack_t *pk, uint32_t at, uint8_t lang, int required,
                                  int name_kind)
{
    uint32_t off = rd16(pk->buf + at), len = rd16(pk->buf + at + 2), base, range;
    const char *s;
    str_range(pk, lang, &base, &range);
    s = (const char *)pk->buf + pk->off_strings + base + off;
    if (off + len > range)
        return CND_E_RANGE;
    if (len == 0)
        return required ? CND_E_INVALID : CND_OK;
    if (name_kind >= 0)
        return cnd_pack_name_ok((cnd_name_kind_t)name_kind, s, len) ? CND_OK : CND_E_INVALID;
    return cnd_pack_text_ok(s, len) ? CND_OK : CND_E_INVALID;
}

static cnd_status_t check_sref(const cnd_pack_t *pk, uint32_t at, int required, int name_kind)
{
    return check_sref_in(pk, at, COMMON, required, name_kind);
}

static int sref_equal(const cnd_pack_t *pk, uint32_t a, uint32_t b)
{
    cnd_str_t x = sref_at(pk, a), y = sref_at(pk, b);
    return x.len == y.len && memcmp(x.ptr, y.ptr, x.len) == 0;
}

/* Entry index of a table (first entry's sref at `first`, entries `stride`
 * bytes apart) must hold a valid name unlike those of the entries before. */
static cnd_status_t check_unique_name(const cnd_pack_t *pk, uint32_t first, uint32_t stride,
                                      uint32_t index, cnd_name_kind_t kind)
{
    uint32_t at = first + index * stride, j;
    cnd_status_t st = check_sref(pk, at, 1, (int)kind);
    if (st != CND_OK)
        return st;
    for (j = 0; j < index; j++)
        if (sref_equal(pk, at, first + j * stride))
            return CND_E_INVALID;
    return CND_OK;
}

static uint32_t item_at(const cnd_pack_t *pk, uint16_t item)
{
    return pk->off_items + (uint32_t)item * CND_PACK_ITEM_SIZE(pk->n_langs);
}

static uint32_t choice_at(const cnd_pack_t *pk, uint32_t index)
{
    return pk->off_choices + index * CND_PACK_CHOICE_SIZE(pk->n_langs);
}

/* Magic, version, length and CRC: everything before the structure. */
static cnd_status_t check_envelope(const uint8_t *buf, uint32_t len)
{
    uint32_t stored;
    if (buf == NULL || len < 4)
        return CND_E_TRUNCATED;
    if (memcmp(buf, CND_PACK_MAGIC, 4) != 0)
        return CND_E_MAGIC;
    /* The version comes before any other rule: another version may have
     * another header size, and the user must hear "version", not "short". */
    if (len <= CND_PACK_HDR_VERSION)
        return CND_E_TRUNCATED;
    if (buf[CND_PACK_HDR_VERSION] < CND_PACK_VERSION_MIN ||
        buf[CND_PACK_HDR_VERSION] > CND_PACK_VERSION)
        return CND_E_VERSION;
    if (len < (buf[CND_PACK_HDR_VERSION] < 4 ? CND_PACK_HEADER_SIZE_V3 : CND_PACK_HEADER_SIZE) +
                  CND_PACK_SIG_TAIL)
        return CND_E_TRUNCATED;
    if (len > CND_MAX_PACK_SIZE)
        return CND_E_RANGE;
    stored = rd32(buf + CND_PACK_HDR_TOTAL_LEN);
    if (stored > len)
        return CND_E_TRUNCATED;
    if (stored != len)
        return CND_E_INVALID;
    if ((uint32_t)crc32(0L, buf, (uInt)(len - CND_PACK_TRAILER_SIZE)) !=
        rd32(buf + len - CND_PACK_TRAILER_SIZE))
        return CND_E_CRC;
    return CND_OK;
}

/* Sections must follow each other in the order of SPEC.md, with no gap and
 * no overlap, ending exactly at the signature block. */
static cnd_status_t check_sections(cnd_pack_t *pk, uint16_t *n_choices, uint16_t *n_tags)
{
    const uint8_t *b = pk->buf;
    uint32_t len_code = rd32(b + CND_PACK_HDR_LEN_CODE);
    uint32_t expect;

    *n_choices = rd16(b + CND_PACK_HDR_N_CHOICES);
    *n_tags = rd16(b + CND_PACK_HDR_N_TAGS);
    if (pk->n_langs == 0 ||
        pk->n_langs > (pk->version < 4 ? CND_PACK_V3_MAX_LANGS : CND_MAX_LANGS) ||
        pk->n_items == 0 ||
        pk->n_items > CND_MAX_ITEMS || *n_choices > CND_MAX_ITEMS * CND_MAX_CHOICES ||
        *n_tags > CND_MAX_ITEMS * CND_MAX_TAGS ||
        (rd16(b + CND_PACK_HDR_ADMIN_LEN) != 0 &&
         rd16(b + CND_PACK_HDR_ADMIN_LEN) != CND_PACK_ADMIN_LEN))
        return CND_E_RANGE;
    if ((rd16(b + CND_PACK_HDR_FLAGS) & ~CND_PACK_F_DRAFT) != 0)
        return CND_E_INVALID;

    pk->off_langs = rd32(b + CND_PACK_HDR_OFF_LANGS);
    pk->off_items = rd32(b + CND_PACK_HDR_OFF_ITEMS);
    pk->off_choices = rd32(b + CND_PACK_HDR_OFF_CHOICES);
    pk->off_tags = rd32(b + CND_PACK_HDR_OFF_TAGS);
    pk->off_code = rd32(b + CND_PACK_HDR_OFF_CODE);
    pk->off_strings = rd32(b + CND_PACK_HDR_OFF_STRINGS);
    pk->len_strings = rd32(b + CND_PACK_HDR_LEN_STRINGS);

    /* Every term is bounded by the checks above, so no sum can wrap. */
    expect = pk->version < 4 ? CND_PACK_HEADER_SIZE_V3 : CND_PACK_HEADER_SIZE;
    if (pk->off_langs != expect)
        return CND_E_RANGE;
    expect += (uint32_t)pk->n_langs * pk->lang_size;
    if (pk->off_items != expect)
        return CND_E_RANGE;
    expect += (uint32_t)pk->n_items * CND_PACK_ITEM_SIZE(pk->n_langs);
    if (pk->off_choices != expect)
        return CND_E_RANGE;
    expect += (uint32_t)*n_choices * CND_PACK_CHOICE_SIZE(pk->n_langs);
    if (pk->off_tags != expect)
        return CND_E_RANGE;
    expect += (uint32_t)*n_tags * CND_PACK_TAG_SIZE;
    if (pk->off_code != expect || len_code > pk->len)
        return CND_E_RANGE;
    expect += len_code;
    if (pk->version >= 4) {
        pk->off_render = rd32(b + CND_PACK_HDR_OFF_RENDER);
        pk->len_render = rd32(b + CND_PACK_HDR_LEN_RENDER);
        if (pk->off_render != expect || pk->len_render > pk->len ||
            pk->len_render < (uint32_t)pk->n_langs * CND_PACK_RDIR_SIZE)
            return CND_E_RANGE;
        expect += pk->len_render;
    }
    if (pk->off_strings != expect || pk->len_strings > pk->len ||
        expect + pk->len_strings + rd16(b + CND_PACK_HDR_ADMIN_LEN) !=
            pk->len - CND_PACK_SIG_TAIL)
        return CND_E_RANGE;
    return CND_OK;
}

static cnd_status_t check_langs(const cnd_pack_t *pk)
{
    uint8_t l, u;
    cnd_status_t st;
    for (l = 0; l < pk->n_langs; l++) {
        uint32_t at = lang_at(pk, l), base, len;
        uint8_t j;
        cnd_str_t code;
        if (pk->version >= 4) {
            /* the language's range: inside the strings, and small enough
             * for 16-bit references */
            str_range(pk, l, &base, &len);
            if (base > pk->len_strings || len > pk->len_strings - base || len > 0xFFFFu)
                return CND_E_RANGE;
        }
        if ((st = check_sref_in(pk, at + CND_PACK_LANG_CODE, l, 1, CND_NAME_LANG)) != CND_OK)
            return st;
        code = sref_in(pk, at + CND_PACK_LANG_CODE, l);
        for (j = 0; j < l; j++) {
            cnd_str_t o = sref_in(pk, lang_at(pk, j) + CND_PACK_LANG_CODE, j);
            if (o.len == code.len && memcmp(o.ptr, code.ptr, code.len) == 0)
                return CND_E_INVALID;
        }
        for (u = 0; u < CND_PACK_LANG_SIZE_V3 / CND_PACK_SREF_SIZE - 1; u++) {
            st = check_sref_in(pk, at + CND_PACK_LANG_NAME + (uint32_t)u * CND_PACK_SREF_SIZE, l,
                               1, -1);
            if (st != CND_OK)
                return st;
        }
    }
    return CND_OK;
}

/* Fixed-field rules per kind (SPEC.md section 1, item entry). */
static cnd_status_t check_item_shape(const uint8_t *e)
{
    uint8_t kind = e[CND_PACK_ITEM_KIND], flags = e[CND_PACK_ITEM_FLAGS];
    uint8_t nc = e[CND_PACK_ITEM_N_CHOICES];
    int32_t min = (int32_t)rd32(e + CND_PACK_ITEM_MIN), max = (int32_t)rd32(e + CND_PACK_ITEM_MAX);
    uint32_t excl = rd32(e + CND_PACK_ITEM_EXCLUSIVE);

    /* Exclusive choices exist only on MULTI items, and only as choices. */
    if (excl != 0 && (kind != CND_ITEM_MULTI ||
                      (nc < 32 && (excl >> nc) != 0)))
        return CND_E_INVALID;
    if ((flags & ~(CND_ITEM_F_PNA | CND_ITEM_F_PRIVATE)) != 0 ||
        e[CND_PACK_ITEM_N_TAGS] > CND_MAX_TAGS)
        return CND_E_INVALID;
    switch (kind) {
    case CND_ITEM_SINGLE:
    case CND_ITEM_MULTI:
        if (nc < 1 || nc > CND_MAX_CHOICES)
            return CND_E_RANGE;
        break;
    case CND_ITEM_YESNO:
        if (nc != 2)
            return CND_E_RANGE;
        break;
    case CND_ITEM_INTEGER:
        if (nc != 0 || min > max)
            return CND_E_RANGE;
        return CND_OK;
    case CND_ITEM_INFO:
        if (nc != 0 || (flags & CND_ITEM_F_PNA) != 0)
            return CND_E_INVALID;
        break;
    default:
        return CND_E_INVALID;
    }
    return (min == 0 && max == 0) ? CND_OK : CND_E_INVALID;
}

static cnd_status_t check_choices(const cnd_pack_t *pk, uint32_t first, uint8_t n)
{
    uint8_t c, l;
    cnd_status_t st;
    for (c = 0; c < n; c++) {
        uint32_t at = choice_at(pk, first + c);
        st = check_unique_name(pk, choice_at(pk, first), CND_PACK_CHOICE_SIZE(pk->n_langs), c,
                               CND_NAME_IDENT);
        if (st != CND_OK)
            return st;
        for (l = 0; l < pk->n_langs; l++)
            if ((st = check_sref_in(pk, at + CND_PACK_SREF_SIZE * (1u + l), l, 1, -1)) != CND_OK)
                return st;
    }
    return CND_OK;
}

static cnd_status_t check_item_strings(const cnd_pack_t *pk, uint16_t i, uint32_t first_tag)
{
    uint32_t at = item_at(pk, i);
    const uint8_t *e = pk->buf + at;
    uint8_t l, t;
    cnd_status_t st;

    st = check_unique_name(pk, pk->off_items + CND_PACK_ITEM_NAME, CND_PACK_ITEM_SIZE(pk->n_langs),
                           i, CND_NAME_IDENT);
    if (st != CND_OK)
        return st;
    for (l = 0; l < 2 * pk->n_langs; l++) {
        /* labels are required, hints (the second half) optional */
        st = check_sref_in(pk, at + CND_PACK_ITEM_LABELS + (uint32_t)l * CND_PACK_SREF_SIZE,
                           (uint8_t)(l % pk->n_langs), l < pk->n_langs, -1);
        if (st != CND_OK)
            return st;
    }
    for (t = 0; t < e[CND_PACK_ITEM_N_TAGS]; t++) {
        st = check_sref(pk, pk->off_tags + (first_tag + t) * CND_PACK_TAG_SIZE, 1, CND_NAME_TAG);
        if (st != CND_OK)
            return st;
    }
    return check_sref(pk, at + CND_PACK_ITEM_REL_SRC, 0, -1);
}

static cnd_status_t check_items(const cnd_pack_t *pk, uint16_t n_choices, uint16_t n_tags)
{
    uint8_t kinds[CND_MAX_ITEMS], counts[CND_MAX_ITEMS];
    uint32_t next_choice = 0, next_tag = 0;
    uint32_t len_code = rd32(pk->buf + CND_PACK_HDR_LEN_CODE);
    uint16_t i;
    cnd_status_t st;

    for (i = 0; i < pk->n_items; i++) {
        const uint8_t *e = pk->buf + item_at(pk, i);
        uint16_t code_off = rd16(e + CND_PACK_ITEM_CODE_OFF);
        uint16_t code_len = rd16(e + CND_PACK_ITEM_CODE_LEN);
        const uint8_t *code = pk->buf + pk->off_code + code_off;

        if ((st = check_item_shape(e)) != CND_OK)
            return st;
        /* Choices and tags are stored in item order, each item's run
         * directly after the previous one's. */
        if (rd16(e + CND_PACK_ITEM_FIRST_CHOICE) != next_choice ||
            rd16(e + CND_PACK_ITEM_FIRST_TAG) != next_tag)
            return CND_E_RANGE;
        next_choice += e[CND_PACK_ITEM_N_CHOICES];
        next_tag += e[CND_PACK_ITEM_N_TAGS];
        if (next_choice > n_choices || next_tag > n_tags)
            return CND_E_RANGE;
        if ((st = check_choices(pk, next_choice - e[CND_PACK_ITEM_N_CHOICES],
                                e[CND_PACK_ITEM_N_CHOICES])) != CND_OK)
            return st;
        if ((st = check_item_strings(pk, i, next_tag - e[CND_PACK_ITEM_N_TAGS])) != CND_OK)
            return st;

        if ((uint32_t)code_off + code_len > len_code || code_len > CND_MAX_RELEVANCE_LEN)
            return CND_E_RANGE;
        /* A program without its source (or the reverse) would make the
         * codebook lie about when an item is asked. */
        if ((code_len == 0) != (rd16(e + CND_PACK_ITEM_REL_SRC + 2) == 0))
            return CND_E_INVALID;
        if ((st = cnd_relevance_validate(code, code_len, i, counts, i)) != CND_OK)
            return st;
        if ((st = cnd_relevance_check_kinds(code, code_len, kinds, i)) != CND_OK)
            return st;
        kinds[i] = e[CND_PACK_ITEM_KIND];
        counts[i] = e[CND_PACK_ITEM_N_CHOICES];
    }
    return (next_choice == n_choices && next_tag == n_tags) ? CND_OK : CND_E_RANGE;
}

/* The distances from the end in pack.h follow from the block layout. */
typedef char cnd_pack_x25519_from_end_ok
    [CND_PACK_SIG_TAIL - CND_PACK_SIG_OFFICE - CND_OFFICE_PUB_X25519 ==
             CND_PACK_OFFICE_X25519_FROM_END
         ? 1
         : -1];
typedef char cnd_pack_p256_from_end_ok
    [CND_PACK_SIG_TAIL - CND_PACK_SIG_OFFICE - CND_OFFICE_PUB_P256 == CND_PACK_OFFICE_P256_FROM_END
         ? 1
         : -1];
typedef char cnd_pack_sig_block_len_ok
    [CND_PACK_SIG_SIGNATURE + CND_P256_SIG_LEN == CND_PACK_SIG_BLOCK_LEN ? 1 : -1];

static int all_zero(const uint8_t *p, uint32_t n)
{
    uint32_t i;
    uint8_t acc = 0;
    for (i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* An uncompressed P-256 point: 0x04 then X and Y, not both zero. Whether it
 * is on the curve is the signature check's business (packsig.c). */
static int p256_pub_ok(const uint8_t *p)
{
    return p[0] == 0x04 && !all_zero(p + 1, CND_P256_PUB_LEN - 1);
}

cnd_status_t cnd_pack_sig_block_check(const uint8_t block[CND_PACK_SIG_BLOCK_LEN])
{
    const uint8_t *office;
    if (block == NULL || memcmp(block, CND_PACK_SIG_MAGIC, 4) != 0)
        return CND_E_INVALID;
    office = block + CND_PACK_SIG_OFFICE;
    if (memcmp(office, CND_OFFICE_PUB_MAGIC, 4) != 0)
        return CND_E_INVALID;
    /* A newer key block may carry other keys: "version", not "invalid". */
    if (office[4] != CND_OFFICE_PUB_VERSION)
        return CND_E_VERSION;
    if (!all_zero(office + 5, CND_OFFICE_PUB_X25519 - 5) ||
        all_zero(office + CND_OFFICE_PUB_X25519, CND_X25519_PUB_LEN) ||
        !p256_pub_ok(office + CND_OFFICE_PUB_P256) || !p256_pub_ok(block + CND_PACK_SIG_SIGNER) ||
        all_zero(block + CND_PACK_SIG_SIGNATURE, CND_P256_SIG_LEN))
        return CND_E_INVALID;
    return CND_OK;
}

/* The optional admin PIN block (SPEC.md 1.10) after the strings. */
static cnd_status_t check_admin(const cnd_pack_t *pk)
{
    const uint8_t *a = pk->buf + pk->off_strings + pk->len_strings;
    uint32_t iter;
    if (rd16(pk->buf + CND_PACK_HDR_ADMIN_LEN) == 0)
        return CND_OK;
    iter = rd32(a + CND_PACK_ADMIN_ITER);
    if (memcmp(a, CND_PACK_ADMIN_MAGIC, 4) != 0 || a[5] != 0 || rd16(a + 6) != 0 ||
        a[CND_PACK_ADMIN_DIGITS] < CND_ADMIN_PIN_MIN_DIGITS ||
        a[CND_PACK_ADMIN_DIGITS] > CND_ADMIN_PIN_MAX_DIGITS || iter < CND_ADMIN_ITER_MIN ||
        iter > CND_ADMIN_ITER_MAX)
        return CND_E_INVALID;
    return CND_OK;
}

/* The eligibility rule (SPEC.md 1.2): inside the code section, source and
 * program present together, reading only items up to elig_item. */
static cnd_status_t check_eligibility(const cnd_pack_t *pk)
{
    uint8_t kinds[CND_MAX_ITEMS], counts[CND_MAX_ITEMS];
    const uint8_t *b = pk->buf;
    uint16_t after = rd16(b + CND_PACK_HDR_ELIG_ITEM), off = rd16(b + CND_PACK_HDR_ELIG_CODE_OFF);
    uint16_t len = rd16(b + CND_PACK_HDR_ELIG_CODE_LEN), i;
    cnd_status_t st;

    if ((st = check_sref(pk, CND_PACK_HDR_ELIG_SRC, 0, -1)) != CND_OK)
        return st;
    if ((len == 0) != (rd16(b + CND_PACK_HDR_ELIG_SRC + 2) == 0))
        return CND_E_INVALID;
    if (len == 0)
        return (after == 0 && off == 0) ? CND_OK : CND_E_INVALID;
    if (after >= pk->n_items || len > CND_MAX_RELEVANCE_LEN ||
        (uint32_t)off + len > rd32(b + CND_PACK_HDR_LEN_CODE))
        return CND_E_RANGE;
    for (i = 0; i <= after; i++) {
        const uint8_t *e = b + item_at(pk, i);
        kinds[i] = e[CND_PACK_ITEM_KIND];
        counts[i] = e[CND_PACK_ITEM_N_CHOICES];
    }
    if ((st = cnd_relevance_validate(b + pk->off_code + off, len, (uint16_t)(after + 1), counts,
                                     (uint16_t)(after + 1))) != CND_OK)
        return st;
    return cnd_relevance_check_kinds(b + pk->off_code + off, len, kinds, (uint16_t)(after + 1));
}

static cnd_status_t check_render(const cnd_pack_t *pk);

cnd_status_t cnd_pack_open(cnd_pack_t *pk, const uint8_t *buf, uint32_t len)
{
    cnd_pack_t v;
    uint16_t n_choices = 0, n_tags = 0;
    cnd_status_t st;

    if (pk == NULL)
        return CND_E_INVALID;
    memset(pk, 0, sizeof *pk);
    if ((st = check_envelope(buf, len)) != CND_OK)
        return st;
    if ((st = cnd_pack_sig_block_check(buf + len - CND_PACK_SIG_TAIL)) != CND_OK)
        return st;
    memset(&v, 0, sizeof v);
    v.buf = buf;
    v.len = len;
    v.fingerprint = rd32(buf + len - CND_PACK_TRAILER_SIZE);
    v.n_langs = buf[CND_PACK_HDR_N_LANGS];
    v.version = buf[CND_PACK_HDR_VERSION];
    v.lang_size = v.version < 4 ? CND_PACK_LANG_SIZE_V3 : CND_PACK_LANG_SIZE;
    v.n_items = rd16(buf + CND_PACK_HDR_N_ITEMS);
    if ((st = check_sections(&v, &n_choices, &n_tags)) != CND_OK)
        return st;
    if ((st = check_sref(&v, CND_PACK_HDR_SURVEY_ID, 1, CND_NAME_SURVEY_ID)) != CND_OK)
        return st;
    if ((st = check_langs(&v)) != CND_OK)
        return st;
    if ((st = check_items(&v, n_choices, n_tags)) != CND_OK)
        return st;
    if ((st = check_eligibility(&v)) != CND_OK)
        return st;
    if ((st = check_admin(&v)) != CND_OK)
        return st;
    if (v.version >= 4 && (st = check_render(&v)) != CND_OK)
        return st;
    *pk = v;
    return CND_OK;
}

cnd_status_t cnd_pack_admin(const cnd_pack_t *pk, cnd_pack_admin_t *out)
{
    const uint8_t *a;
    memset(out, 0, sizeof *out);
    if (pk == NULL || pk->buf == NULL || rd16(pk->buf + CND_PACK_HDR_ADMIN_LEN) == 0)
        return CND_E_NOT_FOUND;
    a = pk->buf + pk->off_strings + pk->len_strings;
    out->digits = a[CND_PACK_ADMIN_DIGITS];
    out->iterations = rd32(a + CND_PACK_ADMIN_ITER);
    out->salt = a + CND_PACK_ADMIN_SALT;
    out->hash = a + CND_PACK_ADMIN_HASH;
    return CND_OK;
}

const uint8_t *cnd_pack_sig_block(const cnd_pack_t *pk)
{
    return pk->buf + pk->len - CND_PACK_SIG_TAIL;
}

const uint8_t *cnd_pack_office_pub(const cnd_pack_t *pk)
{
    return cnd_pack_sig_block(pk) + CND_PACK_SIG_OFFICE;
}

const uint8_t *cnd_pack_office_x25519(const cnd_pack_t *pk)
{
    return pk->buf + pk->len - CND_PACK_OFFICE_X25519_FROM_END;
}

const uint8_t *cnd_pack_office_p256(const cnd_pack_t *pk)
{
    return pk->buf + pk->len - CND_PACK_OFFICE_P256_FROM_END;
}

const uint8_t *cnd_pack_signer_pub(const cnd_pack_t *pk)
{
    return cnd_pack_sig_block(pk) + CND_PACK_SIG_SIGNER;
}

cnd_str_t cnd_pack_survey_id(const cnd_pack_t *pk)
{
    return sref_at(pk, CND_PACK_HDR_SURVEY_ID);
}

uint16_t cnd_pack_survey_version(const cnd_pack_t *pk)
{
    return rd16(pk->buf + CND_PACK_HDR_SURVEY_VERSION);
}

uint8_t cnd_pack_lang_count(const cnd_pack_t *pk)
{
    return pk->n_langs;
}

static cnd_str_t lang_field(const cnd_pack_t *pk, uint8_t lang, uint32_t field)
{
    if (lang >= pk->n_langs)
        return empty_str();
    return sref_in(pk, lang_at(pk, lang) + field, lang);
}

cnd_str_t cnd_pack_lang_code(const cnd_pack_t *pk, uint8_t lang)
{
    return lang_field(pk, lang, CND_PACK_LANG_CODE);
}

cnd_str_t cnd_pack_lang_name(const cnd_pack_t *pk, uint8_t lang)
{
    return lang_field(pk, lang, CND_PACK_LANG_NAME);
}

cnd_str_t cnd_pack_title(const cnd_pack_t *pk, uint8_t lang)
{
    return lang_field(pk, lang, CND_PACK_LANG_TITLE);
}

cnd_str_t cnd_pack_consent(const cnd_pack_t *pk, uint8_t lang)
{
    return lang_field(pk, lang, CND_PACK_LANG_CONSENT);
}

cnd_str_t cnd_pack_referral(const cnd_pack_t *pk, uint8_t lang)
{
    return lang_field(pk, lang, CND_PACK_LANG_REFERRAL);
}

cnd_str_t cnd_pack_ui(const cnd_pack_t *pk, uint8_t lang, cnd_ui_string_t which)
{
    if ((unsigned)which >= CND_UI_COUNT)
        return empty_str();
    return lang_field(pk, lang, CND_PACK_LANG_UI + (uint32_t)which * CND_PACK_SREF_SIZE);
}

uint16_t cnd_pack_item_count(const cnd_pack_t *pk)
{
    return pk->n_items;
}

cnd_status_t cnd_pack_item(const cnd_pack_t *pk, uint16_t item, cnd_item_t *out)
{
    const uint8_t *e;
    if (out == NULL)
        return CND_E_INVALID;
    memset(out, 0, sizeof *out);
    if (item >= pk->n_items)
        return CND_E_RANGE;
    e = pk->buf + item_at(pk, item);
    out->name = sref_at(pk, item_at(pk, item) + CND_PACK_ITEM_NAME);
    out->kind = e[CND_PACK_ITEM_KIND];
    out->flags = e[CND_PACK_ITEM_FLAGS];
    out->n_choices = e[CND_PACK_ITEM_N_CHOICES];
    out->n_tags = e[CND_PACK_ITEM_N_TAGS];
    out->min = (int32_t)rd32(e + CND_PACK_ITEM_MIN);
    out->max = (int32_t)rd32(e + CND_PACK_ITEM_MAX);
    out->exclusive = rd32(e + CND_PACK_ITEM_EXCLUSIVE);
    out->relevance_len = rd16(e + CND_PACK_ITEM_CODE_LEN);
    out->relevance =
        out->relevance_len == 0 ? NULL : pk->buf + pk->off_code + rd16(e + CND_PACK_ITEM_CODE_OFF);
    return CND_OK;
}

cnd_str_t cnd_pack_item_label(const cnd_pack_t *pk, uint16_t item, uint8_t lang)
{
    if (item >= pk->n_items || lang >= pk->n_langs)
        return empty_str();
    return sref_in(pk, item_at(pk, item) + CND_PACK_ITEM_LABELS + (uint32_t)lang * CND_PACK_SREF_SIZE,
                   lang);
}

cnd_str_t cnd_pack_item_hint(const cnd_pack_t *pk, uint16_t item, uint8_t lang)
{
    if (item >= pk->n_items || lang >= pk->n_langs)
        return empty_str();
    return sref_in(pk, item_at(pk, item) + CND_PACK_ITEM_LABELS +
                           ((uint32_t)pk->n_langs + lang) * CND_PACK_SREF_SIZE,
                   lang);
}

cnd_str_t cnd_pack_item_tag(const cnd_pack_t *pk, uint16_t item, uint8_t tag)
{
    const uint8_t *e;
    if (item >= pk->n_items)
        return empty_str();
    e = pk->buf + item_at(pk, item);
    if (tag >= e[CND_PACK_ITEM_N_TAGS])
        return empty_str();
    return sref_at(pk, pk->off_tags +
                           ((uint32_t)rd16(e + CND_PACK_ITEM_FIRST_TAG) + tag) * CND_PACK_TAG_SIZE);
}

cnd_str_t cnd_pack_item_relevance_src(const cnd_pack_t *pk, uint16_t item)
{
    if (item >= pk->n_items)
        return empty_str();
    return sref_at(pk, item_at(pk, item) + CND_PACK_ITEM_REL_SRC);
}

/* Offset of a choice entry, or 0 when item/choice is out of range. */
static uint32_t choice_entry(const cnd_pack_t *pk, uint16_t item, uint8_t choice)
{
    const uint8_t *e;
    if (item >= pk->n_items)
        return 0;
    e = pk->buf + item_at(pk, item);
    if (choice >= e[CND_PACK_ITEM_N_CHOICES])
        return 0;
    return choice_at(pk, (uint32_t)rd16(e + CND_PACK_ITEM_FIRST_CHOICE) + choice);
}

cnd_str_t cnd_pack_choice_name(const cnd_pack_t *pk, uint16_t item, uint8_t choice)
{
    uint32_t at = choice_entry(pk, item, choice);
    return at == 0 ? empty_str() : sref_at(pk, at);
}

cnd_str_t cnd_pack_choice_label(const cnd_pack_t *pk, uint16_t item, uint8_t choice, uint8_t lang)
{
    uint32_t at = choice_entry(pk, item, choice);
    if (at == 0 || lang >= pk->n_langs)
        return empty_str();
    return sref_in(pk, at + CND_PACK_SREF_SIZE * (1u + lang), lang);
}

int cnd_pack_is_draft(const cnd_pack_t *pk)
{
    return pk != NULL && pk->buf != NULL &&
           (rd16(pk->buf + CND_PACK_HDR_FLAGS) & CND_PACK_F_DRAFT) != 0;
}

void cnd_pack_eligibility(const cnd_pack_t *pk, const uint8_t **code, uint16_t *len,
                          uint16_t *after)
{
    *code = NULL;
    *len = 0;
    *after = 0;
    if (pk == NULL || pk->buf == NULL)
        return;
    *len = rd16(pk->buf + CND_PACK_HDR_ELIG_CODE_LEN);
    *after = rd16(pk->buf + CND_PACK_HDR_ELIG_ITEM);
    if (*len != 0)
        *code = pk->buf + pk->off_code + rd16(pk->buf + CND_PACK_HDR_ELIG_CODE_OFF);
}

cnd_str_t cnd_pack_eligibility_src(const cnd_pack_t *pk)
{
    if (pk == NULL || pk->buf == NULL)
        return empty_str();
    return sref_at(pk, CND_PACK_HDR_ELIG_SRC);
}

int cnd_pack_breaks_exclusive(const cnd_item_t *it, uint32_t mask)
{
    if (it == NULL || it->kind != CND_ITEM_MULTI || (mask & it->exclusive) == 0)
        return 0;
    /* more than one bit set, one of them exclusive */
    return (mask & (mask - 1u)) != 0;
}

int cnd_pack_find_item(const cnd_pack_t *pk, const char *name, size_t name_len)
{
    uint16_t i;
    if (name == NULL)
        return -1;
    for (i = 0; i < pk->n_items; i++) {
        cnd_str_t s = sref_at(pk, item_at(pk, i) + CND_PACK_ITEM_NAME);
        if (s.len == name_len && memcmp(s.ptr, name, name_len) == 0)
            return (int)i;
    }
    return -1;
}

/* ------------------------------------------------------ pre-rendered text */

int cnd_pack_has_ptext(const cnd_pack_t *pk)
{
    return pk != NULL && pk->version >= 4 && pk->len_render != 0;
}

static const uint8_t *rdir(const cnd_pack_t *pk, uint8_t lang)
{
    return pk->buf + pk->off_render + (uint32_t)lang * CND_PACK_RDIR_SIZE;
}

cnd_status_t cnd_pack_atlas(const cnd_pack_t *pk, uint8_t lang, cnd_patlas_t *a)
{
    const uint8_t *d;
    if (!cnd_pack_has_ptext(pk) || lang >= pk->n_langs)
        return CND_E_NOT_FOUND;
    d = rdir(pk, lang);
    return cnd_patlas_open(a, pk->buf + pk->off_render + rd32(d + CND_PACK_RDIR_ATLAS_OFF),
                           rd32(d + CND_PACK_RDIR_ATLAS_LEN));
}

/* The index entry of text [s_off, s_off + s_len) of language lang (a
 * binary search: entries are sorted by offset, then length), or NULL. */
static const uint8_t *ridx_find(const cnd_pack_t *pk, uint8_t lang, uint32_t s_off, uint32_t s_len)
{
    const uint8_t *d = rdir(pk, lang), *idx;
    uint32_t lo = 0, hi = rd32(d + CND_PACK_RDIR_INDEX_N), key = (s_off << 16) | s_len;
    idx = pk->buf + pk->off_render + rd32(d + CND_PACK_RDIR_INDEX_OFF);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const uint8_t *e = idx + mid * CND_PACK_RIDX_SIZE;
        uint32_t k = ((uint32_t)rd16(e + CND_PACK_RIDX_S_OFF) << 16) | rd16(e + CND_PACK_RIDX_S_LEN);
        if (k == key)
            return e;
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static cnd_status_t open_block(const cnd_pack_t *pk, const uint8_t *e, const cnd_patlas_t *a,
                               cnd_ptext_t *t, cnd_pnum_slot_t *num)
{
    uint32_t off = rd32(e + CND_PACK_RIDX_B_OFF), len = rd16(e + CND_PACK_RIDX_B_LEN);
    cnd_status_t st;
    if (off > pk->len_render || len > pk->len_render - off)
        return CND_E_RANGE;
    if ((st = cnd_ptext_open(t, pk->buf + pk->off_render + off, len, a)) != CND_OK)
        return st;
    if (num != NULL) {
        num->line = e[CND_PACK_RIDX_NUM];
        num->x = e[CND_PACK_RIDX_NUM + 1];
        num->w = e[CND_PACK_RIDX_NUM + 2];
    }
    return CND_OK;
}

cnd_status_t cnd_pack_ptext(const cnd_pack_t *pk, uint8_t lang, cnd_str_t s,
                            const cnd_patlas_t *a, cnd_ptext_t *t, cnd_pnum_slot_t *num)
{
    const char *first;
    uint32_t base, range, off;
    const uint8_t *e;
    if (num != NULL)
        num->line = num->x = num->w = 0;
    if (!cnd_pack_has_ptext(pk) || lang >= pk->n_langs || s.ptr == NULL || s.len == 0 ||
        a == NULL || t == NULL)
        return CND_E_NOT_FOUND;
    str_range(pk, lang, &base, &range);
    first = (const char *)pk->buf + pk->off_strings + base;
    /* a view into this language's range, or composed text elsewhere */
    if (s.ptr < first || s.ptr >= first + range || (uint32_t)(s.ptr - first) + s.len > range)
        return CND_E_NOT_FOUND;
    off = (uint32_t)(s.ptr - first);
    if ((e = ridx_find(pk, lang, off, s.len)) == NULL)
        return CND_E_NOT_FOUND;
    return open_block(pk, e, a, t, num);
}

/* The text whose sref (in language l's range) is at `at` has a block. */
static int has_block(const cnd_pack_t *pk, uint8_t l, uint32_t at)
{
    return ridx_find(pk, l, rd16(pk->buf + at), rd16(pk->buf + at + 2)) != NULL;
}

/* Every text of language l that a screen shows has its block. */
static cnd_status_t check_render_complete(const cnd_pack_t *pk, uint8_t l)
{
    uint16_t i;
    uint8_t u;
    /* the entry's texts: all but its code (1.3) */
    for (u = 1; u < CND_PACK_LANG_SIZE_V3 / CND_PACK_SREF_SIZE; u++)
        if (!has_block(pk, l, lang_at(pk, l) + (uint32_t)u * CND_PACK_SREF_SIZE))
            return CND_E_INVALID;
    for (i = 0; i < pk->n_items; i++) {
        uint32_t it = item_at(pk, i), c;
        uint32_t hint = it + CND_PACK_ITEM_LABELS + ((uint32_t)pk->n_langs + l) * CND_PACK_SREF_SIZE;
        const uint8_t *e = pk->buf + it;
        if (!has_block(pk, l, it + CND_PACK_ITEM_LABELS + (uint32_t)l * CND_PACK_SREF_SIZE) ||
            (rd16(pk->buf + hint + 2) != 0 && !has_block(pk, l, hint)))
            return CND_E_INVALID;
        for (c = 0; c < e[CND_PACK_ITEM_N_CHOICES]; c++)
            if (!has_block(pk, l, choice_at(pk, rd16(e + CND_PACK_ITEM_FIRST_CHOICE) + c) +
                                      CND_PACK_SREF_SIZE * (1u + l)))
                return CND_E_INVALID;
    }
    return CND_OK;
}

/* The pre-rendered text section (SPEC 1.12): every atlas and block opens,
 * index entries sorted and inside their language's range, number slots
 * on the screen, and every shown text of every language has its block:
 * a device that accepts the pack can draw all of it. */
static cnd_status_t check_render(const cnd_pack_t *pk)
{
    uint8_t l;
    cnd_status_t st;
    for (l = 0; l < pk->n_langs; l++) {
        const uint8_t *d = rdir(pk, l);
        uint32_t a_off = rd32(d + CND_PACK_RDIR_ATLAS_OFF), a_len = rd32(d + CND_PACK_RDIR_ATLAS_LEN);
        uint32_t i_off = rd32(d + CND_PACK_RDIR_INDEX_OFF), n = rd32(d + CND_PACK_RDIR_INDEX_N);
        uint32_t base, range, k, prev = 0;
        cnd_patlas_t a;
        str_range(pk, l, &base, &range);
        (void)base;
        if (a_off > pk->len_render || a_len > pk->len_render - a_off || i_off > pk->len_render ||
            n > (pk->len_render - i_off) / CND_PACK_RIDX_SIZE)
            return CND_E_RANGE;
        if ((st = cnd_patlas_open(&a, pk->buf + pk->off_render + a_off, a_len)) != CND_OK)
            return st;
        for (k = 0; k < n; k++) {
            const uint8_t *e = pk->buf + pk->off_render + i_off + k * CND_PACK_RIDX_SIZE;
            uint32_t so = rd16(e + CND_PACK_RIDX_S_OFF), sl = rd16(e + CND_PACK_RIDX_S_LEN);
            uint32_t key = (so << 16) | sl;
            cnd_ptext_t t;
            cnd_pnum_slot_t num;
            if (sl == 0 || so + sl > range)
                return CND_E_RANGE;
            if (k > 0 && key <= prev)
                return CND_E_INVALID;
            prev = key;
            if (e[CND_PACK_RIDX_RESERVED] != 0 || e[CND_PACK_RIDX_RESERVED + 1] != 0 ||
                e[CND_PACK_RIDX_RESERVED + 2] != 0)
                return CND_E_INVALID;
            if ((st = open_block(pk, e, &a, &t, &num)) != CND_OK)
                return st;
            if (num.w == 0 ? (num.line != 0 || num.x != 0)
                           : (num.line >= t.n_lines || (uint32_t)num.x + num.w > CND_PTEXT_SCREEN_W))
                return CND_E_INVALID;
        }
        if ((st = check_render_complete(pk, l)) != CND_OK)
            return st;
    }
    return CND_OK;
}
