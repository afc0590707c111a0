/*
 * mbedtls_arena.h: the device's memory for Mbed TLS (firmware builds only;
 * the host and the simulator use Debian's libmbedcrypto with libc's heap).
 *
 * Owns: one static arena of CND_MBEDTLS_ARENA_SIZE bytes handed to Mbed
 * TLS's own allocator (mbedtls_memory_buffer_alloc_init) on the first
 * mbedtls_calloc, so no boot hook is needed and newlib's malloc is never
 * linked. mbedtls_config.h routes Mbed TLS's calloc/free/exit here.
 * Never: hands out memory to anything but Mbed TLS; survives heap
 * corruption: the allocator then calls cnd_mbedtls_exit, which wipes the
 * arena (it may hold key material or plaintext) and stops the CPU in a
 * loop, for the watchdog or the user to reset.
 * RAM: CND_MBEDTLS_ARENA_SIZE (the port's choice; the default and the
 * measured peaks are in docs/DESIGN.md, "Cryptography: Mbed TLS") + 4 bytes.
 */
#ifndef CND_MBEDTLS_ARENA_H
#define CND_MBEDTLS_ARENA_H

#include <stddef.h>

#ifndef CND_MBEDTLS_ARENA_SIZE
#define CND_MBEDTLS_ARENA_SIZE 4096u
#endif

/* Mbed TLS's platform hooks (declared again in mbedtls_config.h, which
 * Mbed TLS's own sources see). */
void *cnd_mbedtls_calloc(size_t n, size_t size);
void cnd_mbedtls_free(void *ptr);
void cnd_mbedtls_exit(int status);

#endif
