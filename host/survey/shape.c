/*
 * shape.c: HarfBuzz + FreeType + ICU layout of survey texts into
 * pre-rendered text (see shape.h, formats/ptext.h, SPEC 1.12).
 *
 * A line is laid out the way a text engine does it: the paragraph's bidi
 * levels (ICU), the line's visual runs, each run cut where the face
 * changes, each piece shaped by HarfBuzz in its direction and placed left
 * to right. Wrapping is greedy over ICU's line-break opportunities,
 * measuring each candidate line by shaping it (Arabic joining and Indic
 * reordering change widths, so widths of parts do not add up); a word
 * wider than the line breaks at grapheme cluster boundaries, never inside
 * a cluster.
 */
#include "shape.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-ft.h>
#include <hb.h>
#include <unicode/ubidi.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>

#include "ptext.h"

#define MAX_FACES 4   /* the language's face and the fallbacks its texts needed */
#define FONT_DIRS_DEPTH 4

typedef struct {
    FT_Face ft;
    hb_font_t *hb;
    char name[128]; /* file name, for messages */
    char file[1024];
    int asc, desc;  /* pixels above / below the baseline, from the face's metrics */
} face_t;

typedef struct {
    uint32_t key;       /* face << 24 | glyph id */
    uint8_t w, h;
    int16_t left, top;  /* FreeType bitmap_left / bitmap_top */
    uint32_t bits_at;   /* into bits */
} aglyph_t;

struct cnd_shaper {
    char lang[32];
    int rtl;
    FT_Library lib;
    face_t face[MAX_FACES];
    int n_faces;
    hb_language_t hb_lang;
    const char *const *shapers;
    aglyph_t *glyphs;
    size_t n_glyphs, cap_glyphs;
    uint8_t *bits; /* 2-bit pixels, packed per glyph */
    size_t n_bits_bytes, cap_bits;
    cnd_shape_stats_t stats;
    int slot_line, slot_x, slot_w; /* the last text's figure-space run (slot_w 0: none) */
};

/* One placed glyph while a line is being built: y relative to the baseline. */
typedef struct {
    uint16_t atlas;
    int x, y_top, bottom, right; /* bitmap top-left (x from line start), ink bottom, right */
} placed_t;

typedef struct {
    placed_t *p;
    size_t n, cap;
    int width;
    int32_t start; /* UTF-16 offset of the line's first code unit */
    int slot_x0, slot_x1; /* pixels the line's figure spaces (U+2007) span; x1 < 0: none */
} line_t;

static const char *font_root(void)
{
    const char *d = getenv("CANDOR_FONT_DIR");
    return d != NULL && d[0] != '\0' ? d : "/usr/share/fonts";
}

/* Finds file `want` (exact basename) under dir; writes its path. */
static int find_file(const char *dir, const char *want, int depth, char *out, size_t cap)
{
    DIR *d;
    struct dirent *e;
    int found = 0;
    if (depth > FONT_DIRS_DEPTH || (d = opendir(dir)) == NULL)
        return 0;
    while (!found && (e = readdir(d)) != NULL) {
        char p[1024];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            found = find_file(p, want, depth + 1, out, cap);
        else if (strcmp(e->d_name, want) == 0) {
            snprintf(out, cap, "%s", p);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

/* An installed font by name: NAME, NAME.ttf, NAME.otf, NAME-Regular.ttf. */
static int find_font(const char *name, char *out, size_t cap)
{
    static const char *const suffix[] = {"", ".ttf", ".otf", "-Regular.ttf", "-Regular.otf"};
    size_t i;
    struct stat st;
    if (strchr(name, '/') != NULL) {
        snprintf(out, cap, "%s", name);
        return stat(name, &st) == 0 && S_ISREG(st.st_mode);
    }
    for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char want[256];
        snprintf(want, sizeof want, "%s%s", name, suffix[i]);
        if (find_file(font_root(), want, 0, out, cap))
            return 1;
    }
    return 0;
}

/* The Noto face of a script: NotoSans<Name>-Regular, Latin-like scripts
 * and symbols in NotoSans-Regular itself. */
static void noto_name(UScriptCode sc, char *out, size_t cap)
{
    const char *n = uscript_getName(sc);
    size_t o = 0;
    if (sc == USCRIPT_LATIN || sc == USCRIPT_GREEK || sc == USCRIPT_CYRILLIC ||
        sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED || n == NULL) {
        snprintf(out, cap, "NotoSans-Regular.ttf");
        return;
    }
    o = (size_t)snprintf(out, cap, "NotoSans");
    for (; *n != '\0' && o + 1 < cap; n++)
        if (*n != '_' && *n != ' ')
            out[o++] = *n;
    out[o] = '\0';
    snprintf(out + o, cap - o, "-Regular.ttf");
}

static int open_face(cnd_shaper_t *sh, const char *file, face_t *f)
{
    const char *base = strrchr(file, '/');
    if (FT_New_Face(sh->lib, file, 0, &f->ft) != 0)
        return 0;
    if (FT_Set_Pixel_Sizes(f->ft, 0, CND_SHAPE_PX) != 0) {
        FT_Done_Face(f->ft);
        return 0;
    }
    f->hb = hb_ft_font_create_referenced(f->ft);
    hb_ft_font_set_load_flags(f->hb, FT_LOAD_NO_HINTING);
    snprintf(f->name, sizeof f->name, "%s", base != NULL ? base + 1 : file);
    snprintf(f->file, sizeof f->file, "%s", file);
    f->asc = (int)((f->ft->size->metrics.ascender + 63) / 64);
    f->desc = (int)((-f->ft->size->metrics.descender + 63) / 64);
    return 1;
}

static int valid_lang_code(const char *c)
{
    /* BCP 47 as the compiler accepts it: 2-3 letter language, then
     * subtags of 2-8 letters or digits */
    size_t i = 0, n = 0;
    while (c[i] >= 'a' && c[i] <= 'z')
        i++;
    if (i < 2 || i > 3)
        return 0;
    while (c[i] == '-') {
        i++;
        n = 0;
        while ((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= 'A' && c[i] <= 'Z') ||
               (c[i] >= '0' && c[i] <= '9')) {
            i++;
            n++;
        }
        if (n < 2 || n > 8)
            return 0;
    }
    return c[i] == '\0';
}

cnd_shaper_t *cnd_shaper_new(const char *lang, const char *font, const char *path,
                             cnd_err_t *err)
{
    cnd_shaper_t *sh;
    char full[ULOC_FULLNAME_CAPACITY], script[16], file[1024], want[160];
    UErrorCode ue = U_ZERO_ERROR;
    UScriptCode sc = USCRIPT_INVALID_CODE;
    if (lang == NULL || !valid_lang_code(lang) || strlen(lang) >= 32) {
        cnd_err_set(err, "%s.code: '%s' is not a language code like 'am' or 'pt-BR'", path,
                    lang != NULL ? lang : "");
        return NULL;
    }
    uloc_addLikelySubtags(lang, full, sizeof full, &ue);
    if (U_SUCCESS(ue))
        uloc_getScript(full, script, sizeof script, &ue);
    if (U_SUCCESS(ue) && script[0] != '\0')
        sc = (UScriptCode)u_getPropertyValueEnum(UCHAR_SCRIPT, script);
    if (font == NULL && (U_FAILURE(ue) || sc == USCRIPT_INVALID_CODE || sc == USCRIPT_UNKNOWN)) {
        cnd_err_set(err, "%s.code: no script is known for language '%s'; name one in the code "
                    "('%s-Latn') or give the language a \"font\"", path, lang, lang);
        return NULL;
    }
    if (font != NULL)
        snprintf(want, sizeof want, "%s", font);
    else
        noto_name(sc, want, sizeof want);
    if (!find_font(want, file, sizeof file)) {
        cnd_err_set(err, "%s.%s: font '%s' not found (looked under %s; install "
                    "fonts-noto-core or name a font file)", path, font != NULL ? "font" : "code",
                    want, font_root());
        return NULL;
    }
    sh = calloc(1, sizeof *sh);
    if (sh == NULL || FT_Init_FreeType(&sh->lib) != 0) {
        free(sh);
        cnd_err_set(err, "%s: out of memory", path);
        return NULL;
    }
    snprintf(sh->lang, sizeof sh->lang, "%s", lang);
    sh->rtl = uloc_isRightToLeft(full) ? 1 : 0;
    sh->hb_lang = hb_language_from_string(lang, -1);
    if (!open_face(sh, file, &sh->face[0])) {
        cnd_err_set(err, "%s.%s: font file %s cannot be read as a font", path,
                    font != NULL ? "font" : "code", file);
        cnd_shaper_free(sh);
        return NULL;
    }
    sh->n_faces = 1;
    return sh;
}

void cnd_shaper_free(cnd_shaper_t *sh)
{
    int i;
    if (sh == NULL)
        return;
    for (i = 0; i < sh->n_faces; i++)
        hb_font_destroy(sh->face[i].hb); /* releases the FT_Face too */
    if (sh->lib != NULL)
        FT_Done_FreeType(sh->lib);
    free(sh->glyphs);
    free(sh->bits);
    free(sh);
}

const char *cnd_shaper_font(const cnd_shaper_t *sh)
{
    return sh->face[0].name;
}

const char *cnd_shaper_font_file(const cnd_shaper_t *sh)
{
    return sh->face[0].file;
}

void cnd_shaper_set_shapers(cnd_shaper_t *sh, const char *const *shapers)
{
    sh->shapers = shapers;
}

void cnd_shape_slot(const cnd_shaper_t *sh, int *line, int *x, int *w)
{
    *line = sh->slot_line;
    *x = sh->slot_x;
    *w = sh->slot_w;
}

int cnd_shaper_rtl(const cnd_shaper_t *sh)
{
    return sh->rtl;
}

const cnd_shape_stats_t *cnd_shaper_stats(const cnd_shaper_t *sh)
{
    return &sh->stats;
}

/* ---- faces per code point ---- */

static int default_ignorable(UChar32 c)
{
    return u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) || c == 0x20 || c == 0xA0;
}

/* The face for code point c: the language's face when it has the glyph,
 * else its script's Noto face (loaded once). -1 when none has it. */
static int face_for(cnd_shaper_t *sh, UChar32 c)
{
    UErrorCode ue = U_ZERO_ERROR;
    UScriptCode sc;
    char want[160], file[1024];
    int i;
    for (i = 0; i < sh->n_faces; i++)
        if (FT_Get_Char_Index(sh->face[i].ft, (FT_ULong)c) != 0)
            return i;
    if (default_ignorable(c))
        return 0; /* HarfBuzz handles joiners and spaces itself */
    sc = uscript_getScript(c, &ue);
    if (U_FAILURE(ue) || sh->n_faces >= MAX_FACES)
        return -1;
    noto_name(sc, want, sizeof want);
    for (i = 0; i < sh->n_faces; i++)
        if (strcmp(sh->face[i].name, want) == 0)
            return -1; /* already loaded and it lacks c */
    if (!find_font(want, file, sizeof file) || !open_face(sh, file, &sh->face[sh->n_faces]))
        return -1;
    sh->n_faces++;
    return FT_Get_Char_Index(sh->face[sh->n_faces - 1].ft, (FT_ULong)c) != 0 ? sh->n_faces - 1
                                                                              : -1;
}

/* Makes room for `need` elements of `size` bytes in *p (capacity *cap,
 * doubling). 0 when out of memory (*p unchanged). */
static int grow(void *p, size_t *cap, size_t need, size_t size)
{
    void **pp = (void **)p, *n;
    size_t c = *cap ? *cap : 32;
    if (need <= *cap)
        return 1;
    while (c < need)
        c *= 2;
    if ((n = realloc(*pp, c * size)) == NULL)
        return 0;
    *pp = n;
    *cap = c;
    return 1;
}

/* ---- the atlas ---- */

static int atlas_glyph(cnd_shaper_t *sh, int face, hb_codepoint_t gid, size_t *out)
{
    uint32_t key = ((uint32_t)face << 24) | (gid & 0xFFFFFFu);
    FT_Face ft = sh->face[face].ft;
    FT_Bitmap *bm;
    aglyph_t *g;
    size_t i, px, bytes;
    unsigned x, y;
    for (i = 0; i < sh->n_glyphs; i++)
        if (sh->glyphs[i].key == key) {
            *out = i;
            return 1;
        }
    if (sh->n_glyphs >= CND_PATLAS_MAX_GLYPHS)
        return 0;
    if (FT_Load_Glyph(ft, gid, FT_LOAD_NO_HINTING) != 0 ||
        FT_Render_Glyph(ft->glyph, FT_RENDER_MODE_NORMAL) != 0)
        return 0;
    bm = &ft->glyph->bitmap;
    if (bm->width > 255 || bm->rows > 255)
        return 0;
    if (!grow(&sh->glyphs, &sh->cap_glyphs, sh->n_glyphs + 1, sizeof *sh->glyphs))
        return 0;
    px = (size_t)bm->width * bm->rows;
    bytes = (px * 2 + 7) / 8;
    if (!grow(&sh->bits, &sh->cap_bits, sh->n_bits_bytes + bytes, 1))
        return 0;
    g = &sh->glyphs[sh->n_glyphs];
    g->key = key;
    g->w = (uint8_t)bm->width;
    g->h = (uint8_t)bm->rows;
    g->left = (int16_t)ft->glyph->bitmap_left;
    g->top = (int16_t)ft->glyph->bitmap_top;
    g->bits_at = (uint32_t)sh->n_bits_bytes;
    memset(sh->bits + sh->n_bits_bytes, 0, bytes);
    for (y = 0; y < bm->rows; y++)
        for (x = 0; x < bm->width; x++) {
            unsigned v = bm->buffer[(long)y * bm->pitch + x];
            unsigned q = (v * 3u + 127u) / 255u; /* 0..3 */
            size_t k = (size_t)y * bm->width + x;
            sh->bits[sh->n_bits_bytes + k / 4] |= (uint8_t)(q << (6u - 2u * (k % 4)));
        }
    sh->n_bits_bytes += bytes;
    *out = sh->n_glyphs++;
    return 1;
}

int cnd_shape_atlas(const cnd_shaper_t *sh, cnd_shape_bytes_t *out, cnd_err_t *err)
{
    size_t head = CND_PATLAS_HDR + sh->n_glyphs * CND_PATLAS_ENTRY, i;
    out->len = head + sh->n_bits_bytes;
    out->buf = malloc(out->len ? out->len : 1);
    if (out->buf == NULL || sh->n_bits_bytes > 0xFFFF) {
        free(out->buf);
        out->buf = NULL;
        cnd_err_set(err, "language '%s': its glyphs need %zu bytes of bitmaps, more than the "
                    "64 KB a language's atlas may hold", sh->lang, sh->n_bits_bytes);
        return 0;
    }
    out->buf[0] = (uint8_t)(sh->n_glyphs & 0xFF);
    out->buf[1] = (uint8_t)(sh->n_glyphs >> 8);
    for (i = 0; i < sh->n_glyphs; i++) {
        uint8_t *e = out->buf + CND_PATLAS_HDR + i * CND_PATLAS_ENTRY;
        e[0] = sh->glyphs[i].w;
        e[1] = sh->glyphs[i].h;
        e[2] = (uint8_t)(sh->glyphs[i].bits_at & 0xFF);
        e[3] = (uint8_t)(sh->glyphs[i].bits_at >> 8);
    }
    memcpy(out->buf + head, sh->bits, sh->n_bits_bytes);
    return 1;
}

/* ---- one line ---- */

static int line_push(line_t *l, placed_t p)
{
    if (!grow(&l->p, &l->cap, l->n + 1, sizeof *l->p))
        return 0;
    l->p[l->n++] = p;
    return 1;
}

typedef struct {
    cnd_shaper_t *sh;
    const UChar *u;
    int32_t ulen;
    UBiDi *para;
    const char *path;
    cnd_err_t *err;
} ctx_t;

/* Shapes u[start, start + len) in face f and direction rtl, appending the
 * glyphs at pen x (pixels, 26.6). */
static int shape_piece(ctx_t *c, int f, int32_t start, int32_t len, int rtl, hb_position_t *pen,
                       line_t *out)
{
    hb_buffer_t *b = hb_buffer_create();
    unsigned n, i;
    hb_glyph_info_t *info;
    hb_glyph_position_t *pos;
    int ok = 1;
    hb_buffer_add_utf16(b, (const uint16_t *)c->u, c->ulen, (unsigned)start, len);
    hb_buffer_set_direction(b, rtl ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
    hb_buffer_set_language(b, c->sh->hb_lang);
    hb_buffer_set_flags(b, HB_BUFFER_FLAG_REMOVE_DEFAULT_IGNORABLES);
    hb_buffer_guess_segment_properties(b);
    hb_shape_full(c->sh->face[f].hb, b, NULL, 0, c->sh->shapers);
    info = hb_buffer_get_glyph_infos(b, &n);
    pos = hb_buffer_get_glyph_positions(b, &n);
    for (i = 0; i < n && ok; i++) {
        size_t a;
        placed_t p;
        const aglyph_t *g;
        if (info[i].codepoint == 0) {
            UChar32 cp;
            int32_t k = (int32_t)info[i].cluster;
            U16_GET(c->u, 0, k, c->ulen, cp);
            cnd_err_set(c->err, "%s: U+%04X is not in font %s", c->path, (unsigned)cp,
                        c->sh->face[0].name);
            ok = 0;
            break;
        }
        if (!atlas_glyph(c->sh, f, info[i].codepoint, &a)) {
            cnd_err_set(c->err, "%s: a glyph of font %s cannot be rendered", c->path,
                        c->sh->face[f].name);
            ok = 0;
            break;
        }
        g = &c->sh->glyphs[a];
        if (c->u[info[i].cluster] == 0x2007) {
            /* a number's gap (cnd_shape_slot): where its advance lies */
            int x0 = (int)(*pen / 64), x1 = (int)((*pen + pos[i].x_advance + 63) / 64);
            if (out->slot_x1 < 0 || x0 < out->slot_x0)
                out->slot_x0 = x0;
            if (x1 > out->slot_x1)
                out->slot_x1 = x1;
        }
        p.atlas = (uint16_t)a;
        p.x = (int)lround((double)(*pen + pos[i].x_offset) / 64.0) + g->left;
        p.y_top = -((int)lround((double)pos[i].y_offset / 64.0) + g->top);
        p.bottom = p.y_top + g->h;
        p.right = p.x + g->w;
        if (g->w > 0 && g->h > 0 && !line_push(out, p)) {
            cnd_err_set(c->err, "%s: out of memory", c->path);
            ok = 0;
        }
        *pen += pos[i].x_advance;
    }
    hb_buffer_destroy(b);
    return ok;
}

/* Lays out logical u[start, end) as one visual line. */
static int layout_line(ctx_t *c, int32_t start, int32_t end, line_t *out)
{
    UErrorCode ue = U_ZERO_ERROR;
    UBiDi *line;
    int32_t runs, r;
    hb_position_t pen = 0;
    int ok = 1;
    out->n = 0;
    out->width = 0;
    out->slot_x0 = 0;
    out->slot_x1 = -1;
    while (end > start && u_isWhitespace(c->u[end - 1]))
        end--;
    if (end <= start)
        return 1;
    line = ubidi_openSized(end - start, 0, &ue);
    ubidi_setLine(c->para, start, end, line, &ue);
    runs = U_SUCCESS(ue) ? ubidi_countRuns(line, &ue) : 0;
    if (U_FAILURE(ue)) {
        ubidi_close(line);
        cnd_err_set(c->err, "%s: the bidirectional algorithm failed (%s)", c->path,
                    u_errorName(ue));
        return 0;
    }
    for (r = 0; r < runs && ok; r++) {
        int32_t ls, len, k, piece_s;
        UBiDiDirection d = ubidi_getVisualRun(line, r, &ls, &len);
        int rtl = d == UBIDI_RTL;
        /* cut the run where the face changes; in a right-to-left run the
         * pieces are placed last piece first */
        int32_t cuts[256];
        int n_cuts = 0, f_prev = -1, q;
        int faces[256];
        ls += start;
        piece_s = ls;
        for (k = ls; k < ls + len;) {
            UChar32 cp;
            int32_t at = k;
            int f;
            U16_NEXT(c->u, k, ls + len, cp);
            /* a mark stays in its base's face, so they shape together */
            f = (U_GET_GC_MASK(cp) & U_GC_M_MASK) != 0 && f_prev >= 0 ? f_prev
                                                                     : face_for(c->sh, cp);
            if (f == -1) {
                cnd_err_set(c->err, "%s: U+%04X is not in font %s", c->path, (unsigned)cp,
                            c->sh->face[0].name);
                ubidi_close(line);
                return 0;
            }
            if (f != f_prev && at > piece_s) {
                if (n_cuts >= 255) {
                    f = f_prev; /* extremely mixed text: keep shaping in the face before */
                } else {
                    cuts[n_cuts] = piece_s;
                    faces[n_cuts++] = f_prev;
                    piece_s = at;
                }
            }
            f_prev = f;
        }
        cuts[n_cuts] = piece_s;
        faces[n_cuts++] = f_prev;
        cuts[n_cuts] = ls + len;
        for (q = 0; q < n_cuts && ok; q++) {
            int p = rtl ? n_cuts - 1 - q : q;
            ok = shape_piece(c, faces[p], cuts[p], cuts[p + 1] - cuts[p], rtl, &pen, out);
        }
    }
    ubidi_close(line);
    out->width = (int)((pen + 63) / 64);
    return ok;
}

/* ---- wrapping ---- */

typedef struct {
    line_t *l;
    size_t n, cap;
} lines_t;

static line_t *lines_add(lines_t *ls)
{
    if (!grow(&ls->l, &ls->cap, ls->n + 1, sizeof *ls->l))
        return NULL;
    memset(&ls->l[ls->n], 0, sizeof ls->l[0]);
    return &ls->l[ls->n++];
}

static void lines_free(lines_t *ls)
{
    size_t i;
    for (i = 0; i < ls->n; i++)
        free(ls->l[i].p);
    free(ls->l);
}

/* Ink narrower than its advance can still overhang (a final mark): a line
 * fits when both stay inside the width. */
static int fits(const line_t *l, int width)
{
    size_t i;
    if (l->width > width)
        return 0;
    for (i = 0; i < l->n; i++)
        if (l->p[i].x < -2 || l->p[i].right > width + 2)
            return 0;
    return 1;
}

/* Wraps paragraph u[ps, pe) (no '\n' inside) into ls. */
static int wrap_para(ctx_t *c, int32_t ps, int32_t pe, int width, UBreakIterator *lb,
                     UBreakIterator *gb, lines_t *ls)
{
    int32_t start = ps;
    line_t trial = {0};
    int ok = 1;
    while (ok && start < pe) {
        int32_t b, last_fit = -1;
        line_t *dst;
        /* the candidates: ICU's break opportunities before the paragraph's
         * end, then its end */
        for (b = ubrk_following(lb, start);; b = ubrk_next(lb)) {
            if (b == UBRK_DONE || b > pe)
                b = pe;
            if (!layout_line(c, start, b, &trial)) {
                ok = 0;
                break;
            }
            if (!fits(&trial, width))
                break;
            last_fit = b;
            if (b == pe)
                break;
        }
        if (!ok)
            break;
        if (last_fit < 0) {
            /* one word wider than the line: the most whole grapheme
             * clusters that fit, at least one */
            int32_t g;
            for (g = ubrk_following(gb, start); g != UBRK_DONE && g <= pe; g = ubrk_next(gb)) {
                if (!layout_line(c, start, g, &trial)) {
                    ok = 0;
                    break;
                }
                if (last_fit >= 0 && !fits(&trial, width))
                    break;
                last_fit = g;
            }
            if (!ok)
                break;
            if (last_fit < 0)
                last_fit = pe;
        }
        dst = lines_add(ls);
        if (dst != NULL)
            dst->start = start;
        if (dst == NULL || !layout_line(c, start, last_fit, dst)) {
            if (dst == NULL)
                cnd_err_set(c->err, "%s: out of memory", c->path);
            ok = 0;
            break;
        }
        start = last_fit;
    }
    free(trial.p);
    return ok;
}

/* ---- the block ---- */

int cnd_shape_text(cnd_shaper_t *sh, const char *text, int width, int max_lines,
                   const char *path, cnd_shape_bytes_t *out, cnd_err_t *err)
{
    return cnd_shape_text_lines(sh, text, width, max_lines, path, out, NULL, 0, err);
}

int cnd_shape_text_lines(cnd_shaper_t *sh, const char *text, int width, int max_lines,
                         const char *path, cnd_shape_bytes_t *out, size_t *starts,
                         int max_starts, cnd_err_t *err)
{
    UErrorCode ue = U_ZERO_ERROR;
    int32_t ulen = 0, ps, i;
    UChar *u = NULL;
    UBreakIterator *lb = NULL, *gb = NULL;
    lines_t ls = {0};
    ctx_t c;
    int ok = 1, asc = sh->face[0].asc, desc = sh->face[0].desc, f;
    size_t li, bytes, at;
    out->buf = NULL;
    out->len = 0;
    if (width < 1 || width > CND_PTEXT_SCREEN_W)
        width = CND_PTEXT_SCREEN_W;
    if (max_lines > CND_PTEXT_MAX_LINES || max_lines < 1)
        max_lines = CND_PTEXT_MAX_LINES;
    u_strFromUTF8(NULL, 0, &ulen, text, -1, &ue);
    if (ue == U_BUFFER_OVERFLOW_ERROR || ue == U_STRING_NOT_TERMINATED_WARNING)
        ue = U_ZERO_ERROR;
    if (U_FAILURE(ue)) {
        cnd_err_set(err, "%s: not valid UTF-8", path);
        return 0;
    }
    u = malloc(((size_t)ulen + 1) * sizeof *u);
    if (u == NULL) {
        cnd_err_set(err, "%s: out of memory", path);
        return 0;
    }
    u_strFromUTF8(u, ulen + 1, NULL, text, -1, &ue);
    c.sh = sh;
    c.u = u;
    c.ulen = ulen;
    c.path = path;
    c.err = err;
    c.para = ubidi_open();
    lb = ubrk_open(UBRK_LINE, sh->lang, u, ulen, &ue);
    gb = ubrk_open(UBRK_CHARACTER, sh->lang, u, ulen, &ue);
    if (U_FAILURE(ue) || c.para == NULL) {
        cnd_err_set(err, "%s: ICU cannot break this text (%s)", path, u_errorName(ue));
        ok = 0;
    }
    if (ok) {
        /* the language's direction is the base level; '\n' ends a bidi
         * paragraph as it ends a wrapped one */
        ubidi_setPara(c.para, u, ulen, sh->rtl ? 1 : 0, NULL, &ue);
        if (U_FAILURE(ue)) {
            cnd_err_set(err, "%s: the bidirectional algorithm failed (%s)", path,
                        u_errorName(ue));
            ok = 0;
        }
    }
    for (ps = 0; ok && ps <= ulen;) {
        int32_t pe = ps;
        while (pe < ulen && u[pe] != '\n')
            pe++;
        if (pe == ps) {
            line_t *e = pe < ulen ? lines_add(&ls) : NULL;
            if (e != NULL)
                e->start = ps; /* an empty line: a paragraph break */
            else if (pe < ulen)
                ok = 0;
        } else {
            ok = wrap_para(&c, ps, pe, width, lb, gb, &ls);
        }
        ps = pe + 1;
    }
    if (ok && ls.n > (size_t)max_lines) {
        cnd_err_set(err, "%s: text too long for the screen: %zu lines of %d pixels, at most %d "
                    "even scrolled", path, ls.n, width, max_lines);
        ok = 0;
    }
    /* the block's line height: the faces' own ascent and descent (Noto
     * sets them to hold its tallest stacks), widened by any ink beyond */
    for (f = 1; f < sh->n_faces; f++) {
        asc = sh->face[f].asc > asc ? sh->face[f].asc : asc;
        desc = sh->face[f].desc > desc ? sh->face[f].desc : desc;
    }
    bytes = CND_PTEXT_HDR;
    for (li = 0; ok && li < ls.n; li++) {
        int shift = 0;
        if (ls.l[li].n > 255) {
            cnd_err_set(err, "%s: line %zu has %zu glyphs, more than 255", path, li + 1,
                        ls.l[li].n);
            ok = 0;
            break;
        }
        for (i = 0; i < (int32_t)ls.l[li].n; i++) {
            placed_t *p = &ls.l[li].p[i];
            if (-p->y_top > asc)
                asc = -p->y_top;
            if (p->bottom > desc)
                desc = p->bottom;
            if (p->x + shift < 0)
                shift = -p->x;
        }
        /* ink left of the line's start (a mark's overhang) moves the line */
        for (i = 0; i < (int32_t)ls.l[li].n; i++)
            ls.l[li].p[i].x += shift;
        ls.l[li].slot_x0 += shift;
        ls.l[li].slot_x1 += shift;
        ls.l[li].width += shift;
        if (ls.l[li].width > CND_PTEXT_SCREEN_W)
            ls.l[li].width = CND_PTEXT_SCREEN_W;
        bytes += CND_PTEXT_LINE_HDR + ls.l[li].n * CND_PTEXT_PLACE;
    }
    if (ok && asc + desc > 255) {
        cnd_err_set(err, "%s: a line %d pixels tall does not fit the format", path, asc + desc);
        ok = 0;
    }
    if (ok && (out->buf = malloc(bytes)) == NULL) {
        cnd_err_set(err, "%s: out of memory", path);
        ok = 0;
    }
    if (ok) {
        out->len = bytes;
        out->buf[0] = (uint8_t)ls.n;
        out->buf[1] = (uint8_t)(asc + desc);
        out->buf[2] = sh->rtl ? CND_PTEXT_F_RTL : 0;
        out->buf[3] = 0;
        at = CND_PTEXT_HDR;
        for (li = 0; li < ls.n; li++) {
            const line_t *l = &ls.l[li];
            out->buf[at++] = (uint8_t)l->width;
            out->buf[at++] = (uint8_t)l->n;
            sh->stats.glyphs += l->n;
            sh->stats.line_bitmap_bytes += ((size_t)l->width * (size_t)(asc + desc) * 2 + 7) / 8;
            for (i = 0; i < (int32_t)l->n; i++) {
                int x = l->p[i].x, y = l->p[i].y_top + asc;
                out->buf[at++] = (uint8_t)(l->p[i].atlas & 0xFF);
                out->buf[at++] = (uint8_t)(l->p[i].atlas >> 8);
                out->buf[at++] = (uint8_t)(x > 255 ? 255 : x);
                out->buf[at++] = (uint8_t)(y < 0 ? 0 : y);
            }
        }
        for (li = 0; starts != NULL && li < ls.n && li < (size_t)max_starts; li++) {
            int32_t n8 = 0;
            UErrorCode e8 = U_ZERO_ERROR;
            u_strToUTF8(NULL, 0, &n8, u, ls.l[li].start, &e8);
            starts[li] = (size_t)n8;
        }
        sh->slot_w = sh->slot_line = sh->slot_x = 0;
        for (li = 0; li < ls.n; li++)
            if (ls.l[li].slot_x1 > ls.l[li].slot_x0 && sh->slot_w == 0) {
                int x0 = ls.l[li].slot_x0 < 0 ? 0 : ls.l[li].slot_x0;
                int x1 = ls.l[li].slot_x1 > CND_PTEXT_SCREEN_W ? CND_PTEXT_SCREEN_W
                                                                 : ls.l[li].slot_x1;
                sh->slot_line = (int)li;
                sh->slot_x = x0;
                sh->slot_w = x1 > x0 ? x1 - x0 : 0;
            }
        sh->stats.texts++;
        sh->stats.lines += ls.n;
        sh->stats.block_bytes += bytes;
    }
    lines_free(&ls);
    ubrk_close(lb);
    ubrk_close(gb);
    ubidi_close(c.para);
    free(u);
    return ok;
}
