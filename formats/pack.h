/*
 * pack.h: read-only, zero-copy view of a compiled survey pack.
 *
 * Owns: validation of pack bytes (magic, version, CRC, every offset and
 * length, every relevance program) and typed access to them. The byte
 * layout is formats/SPEC.md section "Survey pack". The writer is the host
 * compiler (host/survey/compile.c); this file only reads.
 *
 * Never: allocates, copies strings, or trusts a pack it has not opened with
 * cnd_pack_open(). After a successful open every accessor is total: indices
 * in range return data, out of range return an empty string / CND_E_RANGE.
 *
 * RAM: sizeof(cnd_pack_t) (about 40 bytes) plus the caller's pack buffer,
 * which must stay alive and unchanged while the view is used.
 */
#ifndef CND_PACK_H
#define CND_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_limits.h"
#include "cnd_status.h"
#include "ptext.h"

#define CND_PACK_MAGIC "CNDP"
/* Version 2 added the signature block (SPEC.md 1.9); version 3 the pack
 * flags (draft), the eligibility rule, exclusive choices and the interface
 * strings of every screen a respondent sees; version 4 the pre-rendered
 * text of every string (SPEC.md 1.12), up to 10 languages and a string
 * range per language. The compiler writes version 4; the reader takes 3
 * too (a host store keeps the packs of responses it holds), and a device
 * that draws only pre-rendered text refuses to install a version 3 pack
 * (firmware/core/sync.c). Other versions: CND_E_VERSION. */
#define CND_PACK_VERSION 4
#define CND_PACK_VERSION_MIN 3
#define CND_PACK_V3_MAX_LANGS 4

/* A UTF-8 string inside the pack buffer: NOT NUL-terminated. */
typedef struct {
    const char *ptr;
    uint16_t len;
} cnd_str_t;

typedef enum {
    CND_ITEM_SINGLE = 1,  /* one of n choices; answer value = choice index */
    CND_ITEM_MULTI = 2,   /* any of n choices; answer value = bit mask of indices */
    CND_ITEM_YESNO = 3,   /* answer value 1 = yes, 0 = no */
    CND_ITEM_INTEGER = 4, /* answer value in [min, max] */
    CND_ITEM_INFO = 5     /* information screen; never has an answer */
} cnd_item_kind_t;

/* Item flags. */
#define CND_ITEM_F_PNA 0x01 /* "Prefer not to answer" is offered (default on) */
/* Hand-over mode: the respondent answers alone; once confirmed the answer is
 * never shown on the device again (not on the item, not in review). */
#define CND_ITEM_F_PRIVATE 0x02

/* Pack flags (header u16 at CND_PACK_HDR_FLAGS). */
/* Compiled with --draft: placeholder text allowed; the home screen says
 * "DRAFT: not for fieldwork" and the codebook marks its responses. */
#define CND_PACK_F_DRAFT 0x0001

/*
 * Interface strings the engine needs in the interview language. The
 * compiler fills these from the source's "ui" block or its built-in
 * defaults (en, es). The order is part of the pack format.
 */
typedef enum {
    CND_UI_PREFER_NOT = 0, /* "Prefer not to answer" */
    CND_UI_YES,
    CND_UI_NO,
    CND_UI_AGREE,          /* consent: continue */
    CND_UI_DECLINE,        /* consent: stop, nothing stored */
    CND_UI_NEXT,           /* confirm a multi-choice or integer entry */
    CND_UI_REVIEW_TITLE,   /* "Review your answers" */
    CND_UI_SAVE,           /* review: save the response */
    CND_UI_CHANGE,         /* review: go back and change */
    CND_UI_WITHDRAW,       /* review: discard everything */
    CND_UI_SAVED,          /* shown only after read-back verify */
    CND_UI_NOT_SAVED,      /* storage failed; answers kept in RAM */
    CND_UI_START,          /* home: start an interview */
    CND_UI_REFERRAL_TITLE, /* "Where to find help" */
    CND_UI_DONE,           /* leave the referral screen */
    CND_UI_SKIPPED,        /* review: item was not asked */
    /* Version 3: every other word a respondent or interviewer sees during
     * an interview. "{n}" stands for a number; _ONE is used for 1, _OTHER
     * for every other count. */
    CND_UI_HANDOVER_TITLE,   /* before a private run: "Private questions" */
    CND_UI_HANDOVER_BODY,    /* "Please pass the device to the respondent ..." */
    CND_UI_HANDBACK_TITLE,   /* after it: "Thank you" */
    CND_UI_HANDBACK_BODY,    /* "Please pass the device back ..." */
    CND_UI_PENDING_ONE,      /* home status bar: "{n} to sync" */
    CND_UI_PENDING_OTHER,
    CND_UI_MORE_ONE,         /* review: "{n} more" rows above/below */
    CND_UI_MORE_OTHER,
    CND_UI_STORAGE_WARN,     /* home: "Storage {n}% full: sync soon" */
    CND_UI_STORAGE_URGENT,   /* home: the same, more insistent */
    CND_UI_STORAGE_FULL,     /* home: no interview can start */
    CND_UI_CONFIRM_WITHDRAW, /* "Delete all your answers?" */
    CND_UI_KEEP,             /* "Keep my answers" (highlighted) */
    CND_UI_DELETE,           /* "Yes, delete them" */
    CND_UI_INELIGIBLE,       /* ending when the eligibility rule fails */
    CND_UI_DRAFT,            /* home of a draft pack: "DRAFT: not for fieldwork" */
    CND_UI_CHOOSE_LANG,      /* title of the language choice */
    CND_UI_COUNT
} cnd_ui_string_t;

typedef struct {
    const uint8_t *buf; /* whole pack, validated */
    uint32_t len;
    uint32_t fingerprint; /* CRC-32 stored in the pack trailer */
    /* Offsets of the sections inside buf, filled by cnd_pack_open(). */
    uint32_t off_strings, len_strings;
    uint32_t off_langs, off_items, off_choices, off_tags, off_code;
    uint16_t n_items;
    uint8_t n_langs;
    uint8_t version;                /* 3 or 4 */
    uint16_t lang_size;             /* language entry: 152 (v3) or 160 (v4) */
    uint32_t off_render, len_render; /* v4: pre-rendered text (SPEC 1.12); 0 in v3 */
} cnd_pack_t;

/*
 * Byte layout (formats/SPEC.md section 1), shared by the reader here and the
 * writer in host/survey/compile.c so the two cannot drift. All integers LE. A
 * string reference ("sref") is u16 offset into the string section + u16
 * length.
 */
#define CND_PACK_SREF_SIZE 4
#define CND_PACK_HDR_VERSION 4        /* u8 */
#define CND_PACK_HDR_N_LANGS 5        /* u8 */
#define CND_PACK_HDR_N_ITEMS 6        /* u16 */
#define CND_PACK_HDR_SURVEY_VERSION 8 /* u16 */
#define CND_PACK_HDR_N_CHOICES 10     /* u16, choice entries in all items */
#define CND_PACK_HDR_N_TAGS 12        /* u16, tag entries in all items */
#define CND_PACK_HDR_RESERVED 14      /* u16: admin block length, 0 or CND_PACK_ADMIN_LEN */
#define CND_PACK_HDR_ADMIN_LEN CND_PACK_HDR_RESERVED
#define CND_PACK_HDR_TOTAL_LEN 16     /* u32, whole pack including the CRC */
#define CND_PACK_HDR_SURVEY_ID 20     /* sref */
#define CND_PACK_HDR_OFF_LANGS 24     /* u32 section offsets from byte 0 ... */
#define CND_PACK_HDR_OFF_ITEMS 28
#define CND_PACK_HDR_OFF_CHOICES 32
#define CND_PACK_HDR_OFF_TAGS 36
#define CND_PACK_HDR_OFF_CODE 40
#define CND_PACK_HDR_LEN_CODE 44
#define CND_PACK_HDR_OFF_STRINGS 48
#define CND_PACK_HDR_LEN_STRINGS 52
#define CND_PACK_HDR_FLAGS 56         /* u16: CND_PACK_F_* */
#define CND_PACK_HDR_ELIG_ITEM 58     /* u16: the rule is checked when the interview moves past this item */
#define CND_PACK_HDR_ELIG_CODE_OFF 60 /* u16: eligibility program in the code section */
#define CND_PACK_HDR_ELIG_CODE_LEN 62 /* u16: 0 = no rule */
#define CND_PACK_HDR_ELIG_SRC 64      /* sref: the rule as written, for the codebook */
#define CND_PACK_HDR_OFF_RENDER 68    /* v4 u32: pre-rendered text section (SPEC 1.12) */
#define CND_PACK_HDR_LEN_RENDER 72    /* v4 u32 */
#define CND_PACK_HEADER_SIZE_V3 68
#define CND_PACK_HEADER_SIZE 76
#define CND_PACK_TRAILER_SIZE 4 /* CRC-32 of every byte before it */

/*
 * Signature block (SPEC.md 1.9): the last CND_PACK_SIG_BLOCK_LEN bytes before
 * the trailer. It names the office (the keys responses are sealed to and the
 * key that must sign the next pack) and carries an ECDSA P-256 signature over
 * every byte before CND_PACK_SIG_SIGNATURE. cnd_pack_open() checks only its
 * structure; formats/packsig.h checks the signature.
 */
#define CND_PACK_SIG_BLOCK_LEN 238
#define CND_PACK_SIG_MAGIC "CNDG"
#define CND_PACK_SIG_OFFICE 4      /* office public block, CND_OFFICE_PUB_LEN */
#define CND_PACK_SIG_SIGNER 109    /* signer's P-256 public key, uncompressed */
#define CND_PACK_SIG_SIGNATURE 174 /* r || s, 32 bytes each, big-endian */
#define CND_PACK_SIG_TAIL (CND_PACK_SIG_BLOCK_LEN + CND_PACK_TRAILER_SIZE) /* 242 */
/* Where the office's X25519 key starts, counted back from the pack's end
 * (total_len - 230): lets the store read it straight from a flash slot. */
#define CND_PACK_OFFICE_X25519_FROM_END 230
/* Where the office's P-256 key starts, counted back from the end (total_len
 * - 198): the key the NEXT pack's signer must equal. */
#define CND_PACK_OFFICE_P256_FROM_END 198

/* Office public block (written by `candor keygen`, 105 bytes). */
#define CND_OFFICE_PUB_LEN 105
#define CND_OFFICE_PUB_MAGIC "CNDP"
#define CND_OFFICE_PUB_VERSION 1
#define CND_OFFICE_PUB_X25519 8 /* 32 bytes; 5..7 are reserved, 0 */
#define CND_OFFICE_PUB_P256 40  /* 65 bytes: 0x04 || X || Y */
#define CND_P256_PUB_LEN 65
#define CND_X25519_PUB_LEN 32
#define CND_P256_SIG_LEN 64

/* Language entry: code, name, title, consent, referral, ui[CND_UI_COUNT]. */
#define CND_PACK_LANG_CODE 0
#define CND_PACK_LANG_NAME 4
#define CND_PACK_LANG_TITLE 8
#define CND_PACK_LANG_CONSENT 12
#define CND_PACK_LANG_REFERRAL 16
#define CND_PACK_LANG_UI 20
#define CND_PACK_LANG_SIZE_V3 (CND_PACK_LANG_UI + CND_PACK_SREF_SIZE * CND_UI_COUNT)
/* v4: the language's string range: every sref of its texts (this entry,
 * item labels and hints, choice labels) counts from str_off, so that each
 * language has its own 64 KiB of text. */
#define CND_PACK_LANG_STR_OFF CND_PACK_LANG_SIZE_V3          /* u32, in the string section */
#define CND_PACK_LANG_STR_LEN (CND_PACK_LANG_SIZE_V3 + 4)    /* u32, at most 65535 */
#define CND_PACK_LANG_SIZE (CND_PACK_LANG_SIZE_V3 + 8)

/* v4 pre-rendered text section (SPEC 1.12): n_langs directory entries,
 * then atlases, index entries and text blocks. Offsets count from the
 * section's start. */
#define CND_PACK_RDIR_SIZE 16
#define CND_PACK_RDIR_ATLAS_OFF 0  /* u32 */
#define CND_PACK_RDIR_ATLAS_LEN 4  /* u32 */
#define CND_PACK_RDIR_INDEX_OFF 8  /* u32 */
#define CND_PACK_RDIR_INDEX_N 12   /* u32 */
#define CND_PACK_RIDX_SIZE 16
#define CND_PACK_RIDX_S_OFF 0      /* u16: the text's offset in its language's range */
#define CND_PACK_RIDX_S_LEN 2      /* u16, > 0 */
#define CND_PACK_RIDX_B_OFF 4      /* u32: its block */
#define CND_PACK_RIDX_B_LEN 8      /* u16 */
#define CND_PACK_RIDX_NUM 10       /* u8 line, u8 x, u8 w: cnd_pnum_slot_t */
#define CND_PACK_RIDX_RESERVED 13  /* 3 bytes, 0 */

/* Item entry; labels[n_langs] then hints[n_langs] follow the fixed part. */
#define CND_PACK_ITEM_NAME 0          /* sref */
#define CND_PACK_ITEM_KIND 4          /* u8 */
#define CND_PACK_ITEM_FLAGS 5         /* u8 */
#define CND_PACK_ITEM_N_CHOICES 6     /* u8 */
#define CND_PACK_ITEM_N_TAGS 7        /* u8 */
#define CND_PACK_ITEM_MIN 8           /* i32 */
#define CND_PACK_ITEM_MAX 12          /* i32 */
#define CND_PACK_ITEM_FIRST_CHOICE 16 /* u16 index into the choice section */
#define CND_PACK_ITEM_FIRST_TAG 18    /* u16 index into the tag section */
#define CND_PACK_ITEM_CODE_OFF 20     /* u16 offset into the code section */
#define CND_PACK_ITEM_CODE_LEN 22     /* u16 */
#define CND_PACK_ITEM_REL_SRC 24      /* sref */
#define CND_PACK_ITEM_EXCLUSIVE 28    /* u32: MULTI: bit i = choice i excludes every other */
#define CND_PACK_ITEM_LABELS 32
#define CND_PACK_ITEM_SIZE(n_langs) (CND_PACK_ITEM_LABELS + 2 * CND_PACK_SREF_SIZE * (n_langs))

/* Choice entry: name sref, then labels[n_langs]. Tag entry: one sref. */
#define CND_PACK_CHOICE_SIZE(n_langs) (CND_PACK_SREF_SIZE * (1 + (n_langs)))
#define CND_PACK_TAG_SIZE CND_PACK_SREF_SIZE

/* What a name may look like; the compiler and cnd_pack_open() share these. */
typedef enum {
    CND_NAME_IDENT = 0, /* items, choices: ^[a-z][a-z0-9_]{0,31}$ */
    CND_NAME_SURVEY_ID, /* ^[a-z][a-z0-9_-]{0,31}$ */
    CND_NAME_LANG,      /* ^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$, at most 7 bytes */
    CND_NAME_TAG        /* ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}$ */
} cnd_name_kind_t;

/* 1 if s[0..len) is a valid name of that kind. */
int cnd_pack_name_ok(cnd_name_kind_t kind, const char *s, size_t len);
/* 1 if s[0..len) is well-formed UTF-8 of at most CND_MAX_TEXT_LEN bytes with
 * no control characters other than newline. */
int cnd_pack_text_ok(const char *s, size_t len);

/* One item's fixed fields. Strings go through the accessors below. */
typedef struct {
    cnd_str_t name;       /* ASCII identifier, unique in the pack */
    uint8_t kind;         /* cnd_item_kind_t */
    uint8_t flags;        /* CND_ITEM_F_* */
    uint8_t n_choices;    /* SINGLE/MULTI: >= 1; YESNO: 2; others 0 */
    uint8_t n_tags;
    int32_t min, max;     /* INTEGER only; min <= max */
    uint32_t exclusive;   /* MULTI only: choices that must be ticked alone */
    const uint8_t *relevance; /* bytecode, see relevance.h; NULL = always */
    uint16_t relevance_len;
} cnd_item_t;

/*
 * Validates the whole pack and fills *pk. Returns CND_E_MAGIC, CND_E_VERSION
 * (format version differs from CND_PACK_VERSION, or an office block version
 * it does not know), CND_E_CRC, CND_E_TRUNCATED, CND_E_RANGE or
 * CND_E_INVALID (with *pk zeroed) on any defect, including a relevance
 * program that reads an item at or after its own index and a malformed
 * signature block. It does NOT verify the signature (formats/packsig.h).
 */
cnd_status_t cnd_pack_open(cnd_pack_t *pk, const uint8_t *buf, uint32_t len);

/*
 * Admin PIN block (SPEC.md 1.10): optional, right after the string section
 * (so a signature covers it); the header's u16 at 14 is its length, 0 when
 * the pack has none. The office sets the PIN (candor compile
 * --admin-pin-file); the device checks an entered PIN against the hash.
 */
#define CND_PACK_ADMIN_LEN 60
#define CND_PACK_ADMIN_MAGIC "CNDA"
#define CND_PACK_ADMIN_DIGITS 4 /* u8: PIN length in decimal digits */
#define CND_PACK_ADMIN_ITER 8   /* u32: PBKDF2 iterations */
#define CND_PACK_ADMIN_SALT 12  /* CND_ADMIN_SALT_LEN bytes */
#define CND_PACK_ADMIN_HASH 28  /* CND_ADMIN_HASH_LEN bytes */
#define CND_ADMIN_PIN_MIN_DIGITS 4
#define CND_ADMIN_PIN_MAX_DIGITS 8
#define CND_ADMIN_ITER_MIN 1000u
#define CND_ADMIN_ITER_MAX 1000000u /* the handheld must finish one check */
#define CND_ADMIN_SALT_LEN 16
#define CND_ADMIN_HASH_LEN 32

typedef struct {
    uint8_t digits;      /* PIN length, CND_ADMIN_PIN_MIN_DIGITS..MAX */
    uint32_t iterations; /* CND_ADMIN_ITER_MIN..MAX */
    const uint8_t *salt; /* inside the pack buffer */
    /* PBKDF2-HMAC-SHA256(password = the PIN's ASCII digits, salt,
     * iterations, 32 bytes), inside the pack buffer */
    const uint8_t *hash;
} cnd_pack_admin_t;

/* The pack's admin PIN, or CND_E_NOT_FOUND when it has none. */
cnd_status_t cnd_pack_admin(const cnd_pack_t *pk, cnd_pack_admin_t *out);

/* The signature block's parts (SPEC.md 1.9), inside the pack buffer. */
const uint8_t *cnd_pack_sig_block(const cnd_pack_t *pk);      /* 238 bytes */
const uint8_t *cnd_pack_office_pub(const cnd_pack_t *pk);     /* 105 bytes */
const uint8_t *cnd_pack_office_x25519(const cnd_pack_t *pk);  /* 32 bytes */
const uint8_t *cnd_pack_office_p256(const cnd_pack_t *pk);    /* 65 bytes */
const uint8_t *cnd_pack_signer_pub(const cnd_pack_t *pk);     /* 65 bytes */
/*
 * Structure of a signature block (magic, office block magic/version/
 * reserved bytes, keys uncompressed and not all zero). CND_E_INVALID or
 * CND_E_VERSION; used by cnd_pack_open() and by the device's push path,
 * which sees the block before the pack is in flash.
 */
cnd_status_t cnd_pack_sig_block_check(const uint8_t block[CND_PACK_SIG_BLOCK_LEN]);

cnd_str_t cnd_pack_survey_id(const cnd_pack_t *pk);
uint16_t cnd_pack_survey_version(const cnd_pack_t *pk);
uint8_t cnd_pack_lang_count(const cnd_pack_t *pk);
cnd_str_t cnd_pack_lang_code(const cnd_pack_t *pk, uint8_t lang);  /* "en" */
cnd_str_t cnd_pack_lang_name(const cnd_pack_t *pk, uint8_t lang);  /* "English" */
cnd_str_t cnd_pack_title(const cnd_pack_t *pk, uint8_t lang);
cnd_str_t cnd_pack_consent(const cnd_pack_t *pk, uint8_t lang);
cnd_str_t cnd_pack_referral(const cnd_pack_t *pk, uint8_t lang);
cnd_str_t cnd_pack_ui(const cnd_pack_t *pk, uint8_t lang, cnd_ui_string_t which);

uint16_t cnd_pack_item_count(const cnd_pack_t *pk);
cnd_status_t cnd_pack_item(const cnd_pack_t *pk, uint16_t item, cnd_item_t *out);
cnd_str_t cnd_pack_item_label(const cnd_pack_t *pk, uint16_t item, uint8_t lang);
/* Optional hint under the label (e.g. "Only if living in"); may be empty. */
cnd_str_t cnd_pack_item_hint(const cnd_pack_t *pk, uint16_t item, uint8_t lang);
cnd_str_t cnd_pack_item_tag(const cnd_pack_t *pk, uint16_t item, uint8_t tag);
/* The relevance expression as written in the source, for the codebook;
 * empty when the item is always asked. Devices never parse it. */
cnd_str_t cnd_pack_item_relevance_src(const cnd_pack_t *pk, uint16_t item);
/* Choice names are stable identifiers used in exports; labels are shown.
 * YESNO items have the implicit choices "no" (0) and "yes" (1). */
cnd_str_t cnd_pack_choice_name(const cnd_pack_t *pk, uint16_t item, uint8_t choice);
cnd_str_t cnd_pack_choice_label(const cnd_pack_t *pk, uint16_t item, uint8_t choice,
                                uint8_t lang);

/* 1 if the pack was compiled with --draft (CND_PACK_F_DRAFT). */
int cnd_pack_is_draft(const cnd_pack_t *pk);
/*
 * The eligibility rule (SPEC.md 1.2): code and len: the program (len 0 = no
 * rule, everyone is eligible), after: the item after which it is checked:
 * it reads only items up to that one. Evaluated like relevance: 0 means
 * the respondent is not eligible and the interview ends, nothing stored.
 */
void cnd_pack_eligibility(const cnd_pack_t *pk, const uint8_t **code, uint16_t *len,
                          uint16_t *after);
cnd_str_t cnd_pack_eligibility_src(const cnd_pack_t *pk);
/*
 * 1 if a MULTI answer mask breaks the item's exclusive choices: an
 * exclusive choice ticked together with any other choice. 0 for every
 * other kind and for masks that keep exclusivity. Shared by the device,
 * the record codec and the host so the three cannot disagree.
 */
int cnd_pack_breaks_exclusive(const cnd_item_t *it, uint32_t mask);

/* Index of the item with this name, or -1. */
/*
 * Pre-rendered text (version 4, SPEC 1.12). A version 3 pack has none: a
 * device that draws only pre-rendered text refuses to install it.
 * cnd_pack_atlas: language lang's glyph atlas (CND_E_NOT_FOUND without).
 * cnd_pack_ptext: the block the office computer shaped for text s of
 * language lang, where s is a view the pack handed out for that language
 * (title, consent, referral, name, ui strings, item labels and hints,
 * choice labels); *num says where a "{n}" text's number goes. The block is
 * opened against *a (cnd_pack_atlas of the same lang). CND_E_NOT_FOUND for
 * a string with no block (composed text, a v3 pack).
 */
int cnd_pack_has_ptext(const cnd_pack_t *pk);
cnd_status_t cnd_pack_atlas(const cnd_pack_t *pk, uint8_t lang, cnd_patlas_t *a);
cnd_status_t cnd_pack_ptext(const cnd_pack_t *pk, uint8_t lang, cnd_str_t s,
                            const cnd_patlas_t *a, cnd_ptext_t *t, cnd_pnum_slot_t *num);

int cnd_pack_find_item(const cnd_pack_t *pk, const char *name, size_t name_len);

#endif
