/*
 * probe_main.c: a TEST-ONLY ARM image (crypto-probe.elf, built by the
 * Cortex-M project for the QEMU netduinoplus2 memory map) that runs the
 * device's Mbed TLS build on the target: the published vectors
 * (crypto_kat.h), then the smallest arena one sealing step and one pack
 * signature check need, and the stack they touched. Prints one line per
 * result over semihosting and exits QEMU with status 0 when every vector
 * passed (tests/crypto/CMakeLists.txt checks the lines).
 *
 * Never: part of a product image; its RNG is crypto_kat.h's deterministic
 * test generator. RAM: a 16 KiB bisection arena.
 */
#include <stdint.h>

#include "crypto_kat.h"
#include "mbedtls_arena.h"
#include "semihost.h"
#include "startup.h"

static unsigned char g_probe_heap[16 * 1024];

void cnd_board_irq(unsigned n)
{
    (void)n;
}

void cnd_board_fault(uint32_t exception, uint32_t pc)
{
    (void)exception;
    (void)pc;
    cnd_semihost_write0("crypto-probe: FAULT\n");
    cnd_semihost_exit(0);
}

static void put_u32(const char *label, uint32_t v)
{
    char buf[12];
    unsigned i = sizeof buf - 1;
    buf[i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0 && i > 0);
    cnd_semihost_write0(label);
    cnd_semihost_write0(buf + i);
    cnd_semihost_write0("\n");
}

int main(void)
{
    const char *fail;
    uint32_t stack_free = cnd_stack_unused();

    /* First use goes through the product's lazy arena hook. */
    fail = cnd_kat_run_all();
    if (fail != NULL) {
        cnd_semihost_write0("crypto-probe: FAILED ");
        cnd_semihost_write0(fail);
        cnd_semihost_write0("\n");
        cnd_semihost_exit(0);
    }
    cnd_semihost_write0("crypto-probe: vectors ok\n");
    put_u32("crypto-probe: default arena bytes ", CND_MBEDTLS_ARENA_SIZE);
    put_u32("crypto-probe: x25519 keygen+shared min arena bytes ",
            (uint32_t)cnd_kat_min_arena(cnd_kat_x25519_seal_step, g_probe_heap,
                                        sizeof g_probe_heap));
    put_u32("crypto-probe: p256 verify min arena bytes ",
            (uint32_t)cnd_kat_min_arena(cnd_kat_p256_verify, g_probe_heap, sizeof g_probe_heap));
    put_u32("crypto-probe: stack bytes touched by the crypto ",
            stack_free - cnd_stack_unused());
    cnd_semihost_exit(1);
}
