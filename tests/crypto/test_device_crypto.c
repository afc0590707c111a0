/*
 * test_device_crypto.c: the DEVICE's Mbed TLS build (Debian's 2.28.3
 * source with firmware/crypto/mbedtls_config.h), compiled for the host
 * with MBEDTLS_MEMORY_DEBUG: the published vectors pass, and the heap of
 * one sealing step and one pack-signature check, measured and bounded.
 * The same checks run on the ARM image in QEMU (probe_main.c), where the
 * heap numbers are the device's own; here pointers and size_t are 8 bytes,
 * so these peaks are upper bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "crypto_kat.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls_arena.h"

static unsigned char g_heap[64 * 1024];

static void published_vectors_pass_on_the_device_configuration(void **state)
{
    const char *fail;
    (void)state;
    mbedtls_memory_buffer_alloc_init(g_heap, sizeof g_heap);
    fail = cnd_kat_run_all();
    if (fail != NULL)
        fail_msg("known answer failed: %s", fail);
}

/* Peak bytes and blocks of op, and that it frees everything it took. */
static void measure(const char *name, int (*op)(void), size_t bound)
{
    size_t max_used, max_blocks, cur_used, cur_blocks, min_arena;
    mbedtls_memory_buffer_alloc_init(g_heap, sizeof g_heap);
    mbedtls_memory_buffer_alloc_max_reset();
    assert_int_equal(op(), 0);
    mbedtls_memory_buffer_alloc_max_get(&max_used, &max_blocks);
    mbedtls_memory_buffer_alloc_cur_get(&cur_used, &cur_blocks);
    assert_int_equal(cur_used, 0);
    assert_int_equal(cur_blocks, 0);
    min_arena = cnd_kat_min_arena(op, g_heap, sizeof g_heap);
    printf("device-config heap (host build): %s: peak %zu bytes in %zu blocks, smallest "
           "arena that works %zu bytes\n",
           name, max_used, max_blocks, min_arena);
    assert_true(min_arena > 0);
    assert_true(min_arena <= bound);
}

static void sealing_step_fits_twice_the_device_arena(void **state)
{
    (void)state;
    measure("X25519 keygen + shared secret", cnd_kat_x25519_seal_step,
            2 * CND_MBEDTLS_ARENA_SIZE);
}

static void pack_signature_check_fits_twice_the_device_arena(void **state)
{
    (void)state;
    measure("P-256 ECDSA verify", cnd_kat_p256_verify, 2 * CND_MBEDTLS_ARENA_SIZE);
}

static void arena_too_small_is_an_error_not_a_crash(void **state)
{
    (void)state;
    mbedtls_memory_buffer_alloc_init(g_heap, 512);
    assert_int_not_equal(cnd_kat_p256_verify(), 0);
    assert_int_not_equal(cnd_kat_x25519_seal_step(), 0);
    mbedtls_memory_buffer_alloc_init(g_heap, sizeof g_heap);
    assert_int_equal(cnd_kat_p256_verify(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(published_vectors_pass_on_the_device_configuration),
        cmocka_unit_test(sealing_step_fits_twice_the_device_arena),
        cmocka_unit_test(pack_signature_check_fits_twice_the_device_arena),
        cmocka_unit_test(arena_too_small_is_an_error_not_a_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
