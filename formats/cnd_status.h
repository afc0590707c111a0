/*
 * cnd_status.h: the one status enum every Candor module returns.
 *
 * Owns: the list of failure causes and their short names. Device and host
 * share it so a status crossing the wire (ERROR frames) means the same thing
 * on both sides. Never reorder or renumber: values travel in frames.
 * RAM: none.
 */
#ifndef CND_STATUS_H
#define CND_STATUS_H

typedef enum {
    CND_OK = 0,
    CND_E_INVALID = 1,     /* argument or input violates the spec */
    CND_E_TRUNCATED = 2,   /* input ends before a length says it should */
    CND_E_MAGIC = 3,       /* not the format we expect at all */
    CND_E_VERSION = 4,     /* a format version we do not speak */
    CND_E_CRC = 5,         /* checksum mismatch: corrupt bytes */
    CND_E_RANGE = 6,       /* a value or index outside its declared bounds */
    CND_E_NOSPACE = 7,     /* output buffer or flash is full */
    CND_E_IO = 8,          /* the HAL reported a read/program/erase failure */
    CND_E_NOT_FOUND = 9,   /* no such item, pack, record or device */
    CND_E_BUSY = 10,       /* refused now, e.g. push during an interview */
    CND_E_PROTOCOL = 11,   /* a frame arrived that the state machine forbids */
    CND_E_VERIFY = 12,     /* flash read-back differs from what was written */
    CND_E_NO_SURVEY = 13,  /* no survey pack is installed */
    CND_E_TIMEOUT = 14,    /* the peer did not answer in time */
    CND_E_DISCONNECTED = 15, /* the link went away */
    CND_E_CORRUPT = 16,    /* stored data fails validation */
    CND_E_SIGNATURE = 17,  /* pack signature does not verify (altered after signing) */
    CND_E_UNTRUSTED = 18   /* pack validly signed, but by a key that is not the office's */
} cnd_status_t;

/* Short lower-case phrase for messages, e.g. "checksum mismatch". Never NULL. */
const char *cnd_status_str(cnd_status_t st);

#endif
