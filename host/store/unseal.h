/*
 * unseal.h: opening a store's sealed responses with the office's key.
 *
 * Owns: the order in which sealed responses are opened (each epoch's chain
 * only runs forward, formats/seal.h, so responses are grouped by epoch and
 * opened in chain order), rebuilding each associated data from the stored
 * pack, and the checks after opening (the plaintext must decode and fit its
 * pack, cnd_response_check). Every response ends in exactly one callback:
 * opened, or refused with the reason. Stores of 4096 responses or more are
 * opened on up to 8 threads (one per CPU, epochs shared out among them):
 * callbacks then come from those threads, one at a time (under one lock),
 * epochs interleaved; callers need no locking of their own.
 *
 * Never: hands out a response that failed authentication or a check; keeps
 * a chain key after its epoch is done (cnd_seal_wipe); writes anything.
 * RAM: host only; every ciphertext of the store plus about 48 bytes per
 * response and 128 per epoch while it runs, and per thread 64 opened
 * responses (34 KiB) waiting for the lock.
 */
#ifndef CND_UNSEAL_H
#define CND_UNSEAL_H

#include <stddef.h>
#include <stdint.h>

#include "hosterr.h"
#include "hoststore.h"
#include "response.h"
#include "seal.h"

/* An opened response; device_id is the sealing device's id (for
 * pseudonyms; never to be written out as it is). Non-zero stops the walk. */
typedef int (*cnd_opened_fn)(void *ctx, const cnd_pack_t *pk, const cnd_response_t *r,
                             const uint8_t device_id[CND_DEVICE_ID_LEN]);
/* A response that cannot be opened or checked, with a short reason. */
typedef void (*cnd_refused_fn)(void *ctx, const cnd_sealed_t *s, const char *why);

/* Returns 0, the first non-zero opened() result, -1 (out of memory) or a
 * store error (CND_E_*, err set). */
int cnd_unseal_store_keys(cnd_hoststore_t *hs, const uint8_t (*privs)[CND_X25519_LEN],
                          size_t n_keys, cnd_opened_fn opened, cnd_refused_fn refused, void *ctx,
                          cnd_err_t *err);
/* The same with one key. With several (after a key rotation), each epoch is
 * opened with the key it names. */
int cnd_unseal_store(cnd_hoststore_t *hs, const uint8_t office_priv[CND_X25519_LEN],
                     cnd_opened_fn opened, cnd_refused_fn refused, void *ctx, cnd_err_t *err);

/*
 * Opens s with chain, an epoch opened with cnd_unseal_open and not yet past
 * s->ctr (it moves forward to s->ctr + 1). pk gives the survey id and
 * version of the associated data; with check, out must also fit pk.
 * NULL on success, else the reason.
 */
const char *cnd_unseal_next(cnd_seal_chain_t *chain, const cnd_sealed_t *s, const cnd_pack_t *pk,
                            int check, cnd_response_t *out);

/*
 * Opens one sealed response on its own (walking its epoch's chain from 0:
 * O(ctr) work, for tests and tools; exports use cnd_unseal_store). With
 * check, out must also fit pk. NULL on success, else the reason.
 */
const char *cnd_unseal_one(const cnd_sealed_t *s, const cnd_pack_t *pk, int check,
                           const uint8_t office_priv[CND_X25519_LEN], cnd_response_t *out,
                           uint8_t device_id[CND_DEVICE_ID_LEN]);

#endif
