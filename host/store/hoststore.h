/*
 * hoststore.h: the coordinator's durable store of synced responses.
 *
 * Owns: the store directory (formats/SPEC.md section "Host store"):
 *   DIR/packs/<fingerprint as 8 hex>.pack      every survey pack seen
 *   DIR/responses/<fingerprint>/<name>.cnb     batch files of responses
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
 * overwrites or deletes a stored response.
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

#endif
