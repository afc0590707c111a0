/*
 * crypto_kat.h: known-answer checks and the two measured operations of the
 * DEVICE's Mbed TLS build (firmware/crypto/mbedtls_config.h), shared by the
 * host test (test_device_crypto.c, the same sources and config compiled for
 * the host) and the ARM probe image booted in QEMU (probe_main.c).
 *
 * Owns: published vectors (RFC 7748 X25519, RFC 8439 ChaCha20-Poly1305,
 * RFC 5869 HKDF-SHA256, RFC 7914 PBKDF2-HMAC-SHA256, RFC 6979 A.2.5 P-256
 * signature of "sample") and the device-shaped operations whose heap peak
 * sets the arena size. Never: allocates except through Mbed TLS.
 * RAM: a few hundred bytes of stack plus Mbed TLS's heap.
 */
#ifndef CND_CRYPTO_KAT_H
#define CND_CRYPTO_KAT_H

#include <stddef.h>

/* A test-only deterministic f_rng (xorshift): Mbed TLS's blinding and the
 * ephemeral key only need bytes here, not secrecy. */
int cnd_kat_rng(void *ctx, unsigned char *out, size_t len);

/* Every vector; NULL when all pass, else the name of the first failure. */
const char *cnd_kat_run_all(void);

/* What the device does to seal: a fresh X25519 key pair, then the shared
 * secret with the office's public key. 0 on success (an Mbed TLS error,
 * e.g. out of arena, otherwise). */
int cnd_kat_x25519_seal_step(void);

/* What the device does to check a pack: one P-256 ECDSA verify of a raw
 * r||s signature over a SHA-256 hash. 0 when the signature verifies. */
int cnd_kat_p256_verify(void);

/* The smallest arena (bytes of buf, at most cap) on which op succeeds,
 * by bisection with mbedtls_memory_buffer_alloc_init; 0 when even cap is
 * too small. Leaves the allocator on buf with cap bytes. */
size_t cnd_kat_min_arena(int (*op)(void), unsigned char *buf, size_t cap);

#endif
