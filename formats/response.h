/*
 * response.h: one respondent's answers, as the engine builds them in RAM
 * and as the codecs (record, batch) carry them.
 *
 * Owns: the in-memory shape of a response and the meaning of answer values.
 * Never: holds anything identifying. There is no device id, no time finer
 * than a day, and no sequence number here; the id is random.
 *
 * RAM: sizeof(cnd_response_t) = 16 + 8 * CND_MAX_ITEMS = 528 bytes.
 */
#ifndef CND_RESPONSE_H
#define CND_RESPONSE_H

#include <stdint.h>

#include "cnd_limits.h"

typedef enum {
    CND_ANS_NONE = 0,  /* not asked: relevance was false, or an info screen */
    CND_ANS_PNA = 1,   /* "Prefer not to answer" */
    CND_ANS_VALUE = 2  /* value holds the answer */
} cnd_answer_state_t;

/*
 * value by item kind: SINGLE = choice index; MULTI = bit mask of choice
 * indices (bit i = choice i); YESNO = 1 yes / 0 no; INTEGER = the number.
 */
typedef struct {
    uint8_t state; /* cnd_answer_state_t */
    int32_t value;
} cnd_answer_t;

typedef struct {
    uint8_t id[CND_RESPONSE_ID_LEN]; /* random; the idempotence key end to end */
    uint32_t pack_fp;  /* fingerprint (cnd_pack_t.fingerprint) of the survey pack */
    uint16_t day;      /* days since 2020-01-01 UTC: day resolution, never finer */
    uint8_t lang;      /* language index in the pack at the moment of saving */
    uint8_t n_answers; /* equals the pack's item count */
    cnd_answer_t answers[CND_MAX_ITEMS];
} cnd_response_t;

#endif
