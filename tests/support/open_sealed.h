/*
 * open_sealed.h: test helpers that open what a device sealed, with the
 * test office key (tests/support/test_key.h), so tests can check answers
 * end to end. The real path is host/store/unseal.c; these call the same code.
 * RAM: a cnd_sealed_t in static storage (tests are single-threaded).
 */
#ifndef CND_OPEN_SEALED_H
#define CND_OPEN_SEALED_H

#include "pack.h"
#include "response.h"
#include "sealed.h"
#include "store.h"

/* Opens s (answered in pack pk, which gives the survey id and version of
 * the associated data) with the test office key into out; with check, out
 * must also fit pk. NULL on success, else why not. */
const char *cnd_test_open(const cnd_sealed_t *s, const cnd_pack_t *pk, int check,
                          cnd_response_t *out);

/* cnd_store_next_pending, then opens the response with the test office
 * key; pack_of(ctx, fp) gives the pack it was answered in. CND_E_VERIFY
 * when it does not open (the reason is printed). */
typedef const cnd_pack_t *(*cnd_test_pack_of_fn)(void *ctx, uint32_t fp);
cnd_status_t cnd_test_next_open(cnd_store_t *st, uint32_t *cursor, uint32_t *seq,
                                cnd_test_pack_of_fn pack_of, void *ctx, int check,
                                cnd_response_t *out);

/* Seals r as a device would, to pk's office key, as record seq: the first
 * call on a zeroed *chain starts an epoch (device id dev). For tests that
 * fill a host store without a device. CND_OK or the sealing status. */
cnd_status_t cnd_test_seal(const cnd_response_t *r, const cnd_pack_t *pk, uint32_t seq,
                           const uint8_t dev[8], cnd_seal_chain_t *chain, cnd_epoch_t *epoch,
                           cnd_sealed_t *out);

/* cmocka-asserts that two sealed responses are the same, field by field
 * (ciphertext included): what a batch or a store file must carry intact. */
void cnd_test_assert_same_sealed(const cnd_sealed_t *a, const cnd_sealed_t *b);

#endif
