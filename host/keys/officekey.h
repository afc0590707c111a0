/*
 * officekey.h: the coordinator's ("office") key pair and its files
 * (formats/SPEC.md section 11, "Key files").
 *
 * Owns: generating the two private keys (X25519 for sealing, P-256 for
 * pack signing) from Mbed TLS's CTR_DRBG seeded by its entropy source
 * (getrandom); writing the private key file (mode 0600, optionally
 * encrypted with ChaCha20-Poly1305 under PBKDF2-HMAC-SHA256 of a
 * passphrase) and FILE.pub (the 105-byte office public block, mode 0644),
 * durably and without ever replacing an existing file; loading and
 * checking both (the public block is re-derived from the private keys, so
 * a damaged file is refused, never half-used); asking for a passphrase on
 * /dev/tty with echo off.
 * Never: leaves a key file behind on failure; keeps a secret or a
 * passphrase in memory it has not wiped (mbedtls_platform_zeroize) before
 * returning; prints a secret.
 * RAM: host only; a cnd_office_key_t is 169 bytes; Mbed TLS's heap for one
 * key derivation.
 */
#ifndef CND_OFFICEKEY_H
#define CND_OFFICEKEY_H

#include <stddef.h>
#include <stdint.h>

#include "hosterr.h"
#include "mbedtls/ecp.h"

#define CND_KEY_SECRET_LEN 32 /* each private key */
#define CND_KEY_PUB_LEN 105   /* the office public block, FILE.pub */
#define CND_KEY_PUB_MAGIC "CNDP"
#define CND_KEY_PUB_VERSION 1
#define CND_KEY_PUB_X25519 8 /* offset: X25519 public key, 32 bytes (RFC 7748) */
#define CND_KEY_PUB_P256 40  /* offset: P-256 public key, 65 bytes (0x04 || X || Y) */

#define CND_KEY_MAGIC "CNDKEY1\n"
#define CND_KEY_KIND_PLAIN 1
#define CND_KEY_KIND_PASSPHRASE 2
#define CND_KEY_HEADER_LEN 44
#define CND_KEY_FILE_PLAIN_LEN (CND_KEY_HEADER_LEN + 64 + CND_KEY_PUB_LEN)            /* 213 */
#define CND_KEY_FILE_PASSPHRASE_LEN (CND_KEY_HEADER_LEN + 64 + 16 + CND_KEY_PUB_LEN) /* 229 */
/* OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256 (about 0.3 s here). */
#define CND_KEY_PBKDF2_ITERATIONS 600000u
/* A key file asking for more is refused: it could stall `candor` for hours. */
#define CND_KEY_PBKDF2_MAX_ITERATIONS 100000000u
#define CND_KEY_PASSPHRASE_MAX 1024

typedef struct {
    uint8_t x25519_secret[CND_KEY_SECRET_LEN]; /* RFC 7748 scalar bytes (clamped) */
    uint8_t p256_secret[CND_KEY_SECRET_LEN];   /* big-endian private scalar */
    uint8_t pub[CND_KEY_PUB_LEN];              /* the office public block */
} cnd_office_key_t;

/* A fresh key pair, public block included. 0, or -1 with err set. */
int cnd_key_generate(cnd_office_key_t *out, cnd_err_t *err);

/*
 * Writes path (the private key file, 0600) and path.pub (the public block,
 * 0644). passphrase == NULL writes kind 1 (plain); else kind 2 with the
 * given PBKDF2 iterations (CND_KEY_PBKDF2_ITERATIONS for real keys; tests
 * use fewer). Refuses when either file exists. Returns 0, 1 when a file
 * exists (nothing written), -1 on error; nothing is left behind unless 0.
 */
int cnd_key_write(const char *path, const cnd_office_key_t *key, const char *passphrase,
                  size_t passphrase_len, uint32_t iterations, cnd_err_t *err);

/*
 * Loads and checks a private key file. For kind 2 the passphrase is the
 * first line of passphrase_file, or asked on /dev/tty when that is NULL.
 * Wrong passphrase or damaged file: "key PATH: wrong passphrase or damaged
 * key file". Returns 0, or -1 with a one-line message in err[0..errlen).
 */
int cnd_key_load(const char *path, const char *passphrase_file, cnd_office_key_t *out, char *err,
                 size_t errlen);

/* The same with the passphrase given (tests, callers that already have
 * it); passphrase is ignored for kind 1 files. */
int cnd_key_load_passphrase(const char *path, const char *passphrase, size_t passphrase_len,
                            cnd_office_key_t *out, cnd_err_t *err);

/* Reads and checks an office public block from FILE.pub, or from the clear
 * tail of a private key file (no passphrase needed). 0, or -1 with err. */
int cnd_pub_load(const char *path, uint8_t out[CND_KEY_PUB_LEN], char *err, size_t errlen);

/* Wipes every secret byte (mbedtls_platform_zeroize). */
void cnd_key_wipe(cnd_office_key_t *key);

const uint8_t *cnd_key_x25519_secret(const cnd_office_key_t *key); /* 32 bytes */
const uint8_t *cnd_key_p256_secret(const cnd_office_key_t *key);   /* 32 bytes, big-endian */
const uint8_t *cnd_key_pub(const cnd_office_key_t *key);           /* 105 bytes */

/* The P-256 key pair as Mbed TLS wants it for mbedtls_ecdsa_sign*: kp must
 * be mbedtls_ecp_keypair_init()ed; the caller frees it. 0, or -1 with err. */
int cnd_key_p256_keypair(const cnd_office_key_t *key, mbedtls_ecp_keypair *kp, cnd_err_t *err);

/* The first line of path (without its line end) into buf; at least one
 * character. 0, or -1 with err. */
int cnd_key_read_passphrase_file(const char *path, char *buf, size_t cap, size_t *len,
                                 cnd_err_t *err);

/* Asks on /dev/tty with echo off (twice, and both must match, when
 * confirm). 0, or -1 with err (no terminal, mismatch, empty). */
int cnd_key_ask_passphrase(const char *prompt, int confirm, char *buf, size_t cap, size_t *len,
                           cnd_err_t *err);

#endif
