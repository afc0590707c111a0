/*
 * mbedtls_config.h: the device's Mbed TLS 2.28 configuration
 * (MBEDTLS_CONFIG_FILE for the firmware's mbedcrypto_fw library, built from
 * Debian's source package of the same version the host links:
 * tools/fetch-mbedtls.sh).
 *
 * Owns: which primitives the handheld has, and how they get memory.
 * - X25519 (ECDH on MBEDTLS_ECP_DP_CURVE25519) + HKDF-SHA256 +
 *   ChaCha20-Poly1305: sealing responses to the office's public key.
 * - ECDSA P-256 VERIFY (mbedtls_ecdsa_verify on raw r, s): pack
 *   signatures. The device never signs. ASN1 parse/write are compiled only
 *   because check_config.h insists for ECDSA_C; nothing calls them, so
 *   --gc-sections drops them.
 * - PBKDF2-HMAC-SHA256 (PKCS5): the admin PIN.
 * - Memory: PLATFORM_MEMORY + MEMORY_BUFFER_ALLOC_C on a static arena
 *   (firmware/crypto/mbedtls_arena.c), never newlib's malloc.
 * Never: networking, files, time, an entropy pool, TLS, X.509, self tests.
 * Callers pass their own f_rng (the HAL's random source) to every call that
 * takes one: with MBEDTLS_ECP_NO_INTERNAL_RNG there is no fallback RNG, and
 * X25519 without f_rng would run unblinded.
 *
 * RAM: none here; the arena size is CND_MBEDTLS_ARENA_SIZE (measured peak
 * and the recommendation: docs/DESIGN.md, "Cryptography: Mbed TLS").
 * Flash: measured there too.
 */
#ifndef CND_MBEDTLS_CONFIG_H
#define CND_MBEDTLS_CONFIG_H

#include <stddef.h>

/* ---- system ---- */
#define MBEDTLS_HAVE_ASM /* bn_mul.h: UMAAL on Cortex-M4, the one hot loop */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
/* No stdio/stdlib defaults: until the arena is set, calloc goes to
 * cnd_mbedtls_calloc, which sets it up on first use (mbedtls_arena.c). */
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_STD_CALLOC cnd_mbedtls_calloc
#define MBEDTLS_PLATFORM_STD_FREE cnd_mbedtls_free
/* The allocator calls exit on a corrupted heap; the device wipes the arena
 * and stops instead. MBEDTLS_MEMORY_DEBUG is for the host measurement
 * build only (tests/crypto): the allocator's stdio reports, libc's exit. */
#if defined(MBEDTLS_MEMORY_DEBUG)
#include <stdio.h>
#include <stdlib.h>
#define MBEDTLS_PLATFORM_EXIT_MACRO exit
#else
#define MBEDTLS_PLATFORM_EXIT_MACRO cnd_mbedtls_exit
#endif
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* Blocks aligned for a pointer: 4 on the Cortex-M (Mbed TLS's default),
 * 8 in the host build of this config (tests/crypto), where 4 would
 * misalign the allocator's own headers. */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE (sizeof(void *))

void *cnd_mbedtls_calloc(size_t n, size_t size);
void cnd_mbedtls_free(void *ptr);
void cnd_mbedtls_exit(int status);

/* ---- big numbers and curves ---- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 64 /* bytes: two 256-bit limbs' worth, no RSA */
#define MBEDTLS_MPI_WINDOW_SIZE 1 /* only exp_mod uses it, and nothing calls that */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM /* fast P-256 reduction: ~1 KB flash, verify several times faster */
#define MBEDTLS_ECP_NO_INTERNAL_RNG
#define MBEDTLS_ECP_MAX_BITS 256
#define MBEDTLS_ECP_WINDOW_SIZE 2 /* small precomputed tables on the heap */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0 /* no cached table for the generator */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDH_LEGACY_CONTEXT /* same context layout as Debian's host build */
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C

/* ---- symmetric ---- */
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER /* rolled loop: ~1.5 KB less flash, a bit slower */
#define MBEDTLS_MD_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_PKCS5_C

#include "mbedtls/check_config.h"

#endif
