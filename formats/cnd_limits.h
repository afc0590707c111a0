/*
 * cnd_limits.h: every hard bound in the Candor formats, in one place.
 *
 * Owns: the sizes that both the compiler and the device must agree on. A
 * decoder rejects input beyond these; the compiler refuses sources that
 * would exceed them. Changing one is a format change (bump the version).
 * RAM: none (these size the static buffers elsewhere).
 */
#ifndef CND_LIMITS_H
#define CND_LIMITS_H

#define CND_MAX_ITEMS 64           /* items per survey, info screens included */
#define CND_MAX_CHOICES 32         /* choices per item; multi answers are a 32-bit mask */
#define CND_MAX_LANGS 4            /* languages per survey */
#define CND_MAX_TAGS 8             /* tags per item */
#define CND_MAX_NAME_LEN 32        /* item, choice, survey id and tag names (ASCII) */
#define CND_MAX_TEXT_LEN 1024      /* one label, consent or referral text (UTF-8 bytes) */
#define CND_MAX_RELEVANCE_LEN 96   /* compiled relevance bytecode per item */
#define CND_MAX_PACK_SIZE 262144   /* whole pack (256 KiB); a device may accept less: its slot size */
#define CND_RESPONSE_ID_LEN 8      /* random response id (idempotence key), bytes */
#define CND_DEVICE_ID_LEN 8        /* random device id, bytes */
#define CND_LANG_CODE_LEN 8        /* BCP 47 tag, e.g. "en", "es" */
#define CND_MAX_SURVEYS 4          /* packs installed on a device at once */
#define CND_FRAME_MAX_PAYLOAD 1024 /* bytes of payload in one frame */
#define CND_BATCH_MAX_RESPONSES 1024 /* responses per batch (SPEC 7) */

#endif
