/* cnd_status.c: phrases for cnd_status_t. Owns nothing else. RAM: none. */
#include "cnd_status.h"

const char *cnd_status_str(cnd_status_t st)
{
    switch (st) {
    case CND_OK: return "ok";
    case CND_E_INVALID: return "invalid input";
    case CND_E_TRUNCATED: return "truncated";
    case CND_E_MAGIC: return "not a Candor format (bad magic)";
    case CND_E_VERSION: return "unsupported format version";
    case CND_E_CRC: return "checksum mismatch";
    case CND_E_RANGE: return "value out of range";
    case CND_E_NOSPACE: return "no space left";
    case CND_E_IO: return "flash I/O error";
    case CND_E_NOT_FOUND: return "not found";
    case CND_E_BUSY: return "busy";
    case CND_E_PROTOCOL: return "protocol error";
    case CND_E_VERIFY: return "flash verify failed";
    case CND_E_NO_SURVEY: return "no survey installed";
    case CND_E_TIMEOUT: return "timed out";
    case CND_E_DISCONNECTED: return "disconnected";
    case CND_E_CORRUPT: return "stored data corrupt";
    case CND_E_SIGNATURE: return "pack signature does not verify (altered after signing?)";
    case CND_E_UNTRUSTED: return "pack is signed by another office key";
    }
    return "unknown status";
}
