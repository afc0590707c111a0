/* mbedtls_arena.c: see mbedtls_arena.h. */
#include "mbedtls_arena.h"

#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_util.h"

static unsigned char g_arena[CND_MBEDTLS_ARENA_SIZE];
static int g_arena_ready;

void *cnd_mbedtls_calloc(size_t n, size_t size)
{
    /* Only reached before the arena exists: init swaps Mbed TLS's calloc
     * and free for its buffer allocator, which serves every later call. */
    if (!g_arena_ready) {
        mbedtls_memory_buffer_alloc_init(g_arena, sizeof g_arena);
        g_arena_ready = 1;
    }
    return mbedtls_calloc(n, size);
}

void cnd_mbedtls_free(void *ptr)
{
    /* Before the arena exists nothing was allocated. */
    (void)ptr;
}

void cnd_mbedtls_exit(int status)
{
    (void)status;
    mbedtls_platform_zeroize(g_arena, sizeof g_arena);
    for (;;) {
    }
}
