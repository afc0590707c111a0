/*
 * hoststore.h: the coordinator's durable store of synced responses.
 *
 * Owns: the store directory (formats/SPEC.md section "Host store"):
 *   DIR/packs/<fingerprint as 8 hex>.pack      every survey pack seen
 *   DIR/responses/<fingerprint>/<name>.cnb     batch files of responses
 *   DIR/trusted/<id>.pub                       offices whose packs it takes
 *   DIR/quarantine/<name>, <name>.why          what candor check moved out
 * Every file is written to a temporary name, fsynced, renamed, and the
 * directory fsynced, before any function here returns CND_OK. Only then may
 * the sync client ACK the device. Each response (by random id) is stored
 * exactly once: put_responses skips ids already present.
 * One open store may be shared by several threads (candor watch syncs
 * handhelds at once): each function here is atomic with respect to the
 * others, so exactly-once holds across threads too.
 *
 * Responses are stored sealed, exactly as the device sealed them: only an
 * export with the office's private key opens them (formats/seal.h). The
 * log sequence number and chain index of each are kept because they are
 * bound into the sealed record's associated data; exports never show them.
 *
 * Never: stores device ids in clear, serials, or times finer than a day;
 * deletes a stored response (candor check moves failing rows to
 * quarantine/, durably, before their batch file is replaced without them).
 */
#ifndef CND_HOSTSTORE_H
#define CND_HOSTSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_status.h"
#include "hosterr.h"
#include "pack.h"
#include "response.h"
#include "sealed.h"

typedef struct cnd_hoststore cnd_hoststore_t;

/* create != 0 makes DIR if missing. Takes an exclusive lock (flock) so two
 * syncs cannot interleave into one store. */
cnd_status_t cnd_hoststore_open(const char *dir, int create, cnd_hoststore_t **out,
                                cnd_err_t *err);
void cnd_hoststore_close(cnd_hoststore_t *hs);

int cnd_hoststore_has_pack(cnd_hoststore_t *hs, uint32_t fingerprint);
/* Validates with cnd_pack_open() first; durable on CND_OK. */
cnd_status_t cnd_hoststore_put_pack(cnd_hoststore_t *hs, const uint8_t *pack, uint32_t len,
                                    cnd_err_t *err);
/* Borrowed view, valid until close. CND_E_NOT_FOUND if not stored. */
cnd_status_t cnd_hoststore_get_pack(cnd_hoststore_t *hs, uint32_t fingerprint,
                                    const cnd_pack_t **out, cnd_err_t *err);

int cnd_hoststore_has_response(cnd_hoststore_t *hs, const uint8_t id[CND_RESPONSE_ID_LEN]);
/* Stores the ones not yet present (all of one pack); *added gets how many.
 * Durable on CND_OK. The pack must be stored first. */
cnd_status_t cnd_hoststore_put_responses(cnd_hoststore_t *hs, const cnd_sealed_t *r, size_t n,
                                         size_t *added, cnd_err_t *err);

/* Visits every stored response with its pack; a non-zero return from visit
 * stops the walk and is returned. Corrupt files fail with a message naming
 * the file. */
typedef int (*cnd_hoststore_visit_fn)(void *ctx, const cnd_pack_t *pack, const cnd_sealed_t *r);
int cnd_hoststore_each(cnd_hoststore_t *hs, cnd_hoststore_visit_fn visit, void *ctx,
                       cnd_err_t *err);
/* (each() returns 0 after a full walk, the visitor's non-zero value as is,
 * or a cnd_status_t with err filled when a store file cannot be read.) */

/* Added by the host store work, for export's codebook: stored packs in
 * fingerprint order (views valid until close) and how many responses the
 * store holds. */
size_t cnd_hoststore_pack_count(const cnd_hoststore_t *hs);
const cnd_pack_t *cnd_hoststore_pack_at(const cnd_hoststore_t *hs, size_t i);
size_t cnd_hoststore_response_count(const cnd_hoststore_t *hs);

/* ---- trust (formats/SPEC.md section 8.3) ----
 * put_pack accepts only a pack whose signature verifies under the P-256
 * key of an office the store trusts: DIR/trusted/<id>.pub, office public
 * blocks as candor keygen writes FILE.pub. A store that trusts no office
 * yet (a new one) trusts the office of the first pack it is given (as a
 * blank device does), and every accepted pack's office is trusted from then on
 * (key rotation). A pack with the survey id and version of a stored pack
 * but another signer is refused. */

/* After a put_pack that made the store trust its first office: copies one
 * line for the coordinator into out and returns 1, once; else 0. */
int cnd_hoststore_take_learned(cnd_hoststore_t *hs, char *out, size_t cap);
size_t cnd_hoststore_trusted_count(cnd_hoststore_t *hs);

/* ---- quarantine (formats/SPEC.md section 8.4) ----
 * DIR/quarantine/<name> holds bytes moved out of the store, and
 * <name>.why one line saying what they were and why they were moved.
 * Nothing in quarantine/ is read by sync or export; nothing is deleted. */

/* Called once per entry moved: entry is its path inside DIR, why the
 * reason (also written to the .why file). */
typedef void (*cnd_hoststore_report_fn)(void *ctx, const char *entry, const char *why);

/* Opens DIR (never creates it) for candor check: every pack, trusted key,
 * batch file and directory is verified as the normal open does, and packs'
 * signatures too; what fails is moved to quarantine/ and reported instead
 * of failing the open. Rows that repeat a response stored in another file
 * are moved out of their file (the rest of it stays). */
cnd_status_t cnd_hoststore_open_checked(const char *dir, cnd_hoststore_report_fn report,
                                        void *ctx, cnd_hoststore_t **out, cnd_err_t *err);

/* Returns NULL for a stored response that is fine, else why it is not. */
typedef const char *(*cnd_hoststore_row_fn)(void *ctx, const cnd_sealed_t *r);
/* Moves every response bad() names out of its batch file into quarantine/
 * (the bad rows first, durably, then the file is replaced by one without
 * them), reporting each file through the store's report function (open
 * with cnd_hoststore_open_checked). *moved = responses moved. */
cnd_status_t cnd_hoststore_quarantine_rows(cnd_hoststore_t *hs, cnd_hoststore_row_fn bad,
                                           void *ctx, size_t *moved, cnd_err_t *err);
/* Creates DIR/quarantine/<name> holding data, and <name>.why holding the
 * line why, both durably (temp, fsync, link, directory fsync), .why
 * first. 0 when written, 1 when <name> already existed (nothing replaced),
 * -1 with err set. host/store/quarantine.h names what a device reports. */
int cnd_hoststore_quarantine_put(cnd_hoststore_t *hs, const char *name, const uint8_t *data,
                                 size_t len, const char *why, cnd_err_t *err);
/* Entries waiting in quarantine/ (not counting .why files). */
size_t cnd_hoststore_quarantine_count(cnd_hoststore_t *hs);

#endif
