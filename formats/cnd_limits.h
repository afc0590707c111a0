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
#define CND_MAX_LANGS 16           /* languages per survey (pack version 3: 4) */
#define CND_MAX_TAGS 8             /* tags per item */
#define CND_MAX_NAME_LEN 32        /* item, choice, survey id and tag names (ASCII) */
#define CND_MAX_TEXT_LEN 4096      /* one label, consent or referral text (UTF-8 bytes): a consent in a 3-byte script needs 2-3 KB */
#define CND_MAX_RELEVANCE_LEN 96   /* compiled relevance bytecode per item */
/* Whole pack: the ten-script default survey is 309 KB. The handheld reads
 * the active pack in place from three 128 KiB internal-flash sectors
 * (firmware/drivers/pack_mirror.h; the reference STM32F407VET6 has 512
 * KiB), less the mirror's header sector room; a device may accept less: its
 * NOR slot size (SPEC 4.1). */
#define CND_MAX_PACK_SIZE 389120
#define CND_RESPONSE_ID_LEN 8      /* random response id (idempotence key), bytes */
#define CND_DEVICE_ID_LEN 8        /* random device id, bytes */
#define CND_LANG_CODE_LEN 8        /* BCP 47 tag, e.g. "en", "es" */
#define CND_MAX_SURVEYS 4          /* packs installed on a device at once */
#define CND_FRAME_MAX_PAYLOAD 1024 /* bytes of payload in one frame */
#define CND_BATCH_MAX_RESPONSES 1024 /* responses per batch (SPEC 7) */

#endif
