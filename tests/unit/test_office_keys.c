/*
 * test_office_keys.c: the office key files (host/keys/officekey.h, formats/SPEC.md 11):
 * round trips with and without a passphrase, refusals (wrong passphrase,
 * any damaged byte, an existing file), file modes, and that the public
 * block belongs to the private keys (signing and sealing work with them).
 * PBKDF2 runs 1000 iterations here instead of 600,000, to stay fast; the
 * CLI test uses the real count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "officekey.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/entropy.h"
#include "tmp_tree.h"

#define ITER 1000u
#define PASS "correct horse battery staple"

typedef struct {
    char dir[64];
    char key[128];
    char pub[160];
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/cnd-test-keys-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->key, sizeof fx->key, "%s/office.key", fx->dir);
    snprintf(fx->pub, sizeof fx->pub, "%s.pub", fx->key);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    cnd_test_remove_tree(fx->dir);
    free(fx);
    return 0;
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    assert_non_null(f);
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void write_file(const char *path, const uint8_t *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
}

static int entries(const char *dir)
{
    char cmd[128];
    int n = 0;
    FILE *p;
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

static void make_key(fx_t *fx, cnd_office_key_t *k, const char *pass)
{
    cnd_err_t err;
    assert_int_equal(cnd_key_generate(k, &err), 0);
    assert_int_equal(cnd_key_write(fx->key, k, pass, pass ? strlen(pass) : 0, ITER, &err), 0);
}

static void plain_key_round_trips(void **state)
{
    fx_t *fx = *state;
    cnd_office_key_t k, back;
    uint8_t pub[CND_KEY_PUB_LEN], raw[512];
    char msg[256];

    make_key(fx, &k, NULL);
    assert_int_equal(read_file(fx->key, raw, sizeof raw), CND_KEY_FILE_PLAIN_LEN);
    assert_memory_equal(raw, "CNDKEY1\n", 8);
    assert_int_equal(raw[8], CND_KEY_KIND_PLAIN);
    assert_int_equal(cnd_key_load(fx->key, NULL, &back, msg, sizeof msg), 0);
    assert_memory_equal(&back, &k, sizeof k);
    assert_int_equal(cnd_pub_load(fx->pub, pub, msg, sizeof msg), 0);
    assert_memory_equal(pub, cnd_key_pub(&k), CND_KEY_PUB_LEN);
    /* the private file's clear tail serves as the public key too */
    assert_int_equal(cnd_pub_load(fx->key, pub, msg, sizeof msg), 0);
    assert_memory_equal(pub, cnd_key_pub(&k), CND_KEY_PUB_LEN);
    cnd_key_wipe(&back);
    for (size_t i = 0; i < sizeof back; i++)
        assert_int_equal(((uint8_t *)&back)[i], 0);
}

static void passphrase_key_round_trips_and_hides_the_secrets(void **state)
{
    fx_t *fx = *state;
    cnd_office_key_t k, back;
    uint8_t raw[512];
    cnd_err_t err;
    size_t n;

    make_key(fx, &k, PASS);
    n = read_file(fx->key, raw, sizeof raw);
    assert_int_equal(n, CND_KEY_FILE_PASSPHRASE_LEN);
    assert_int_equal(raw[8], CND_KEY_KIND_PASSPHRASE);
    assert_int_equal(raw[12] | raw[13] << 8 | raw[14] << 16 | (uint32_t)raw[15] << 24, ITER);
    assert_null(memmem(raw, n, k.x25519_secret, 8));
    assert_null(memmem(raw, n, k.p256_secret, 8));
    assert_int_equal(cnd_key_load_passphrase(fx->key, PASS, strlen(PASS), &back, &err), 0);
    assert_memory_equal(&back, &k, sizeof k);
}

static void passphrase_file_first_line_unlocks_the_key(void **state)
{
    fx_t *fx = *state;
    cnd_office_key_t k, back;
    char pfile[160], msg[256];

    make_key(fx, &k, PASS);
    snprintf(pfile, sizeof pfile, "%s/pass", fx->dir);
    write_file(pfile, (const uint8_t *)PASS "\nsecond line\n", strlen(PASS) + 13);
    assert_int_equal(cnd_key_load(fx->key, pfile, &back, msg, sizeof msg), 0);
    assert_memory_equal(&back, &k, sizeof k);
}

static void wrong_passphrase_is_refused_in_one_line(void **state)
{
    fx_t *fx = *state;
    cnd_office_key_t k, back;
    char pfile[160], msg[256], want[256];

    make_key(fx, &k, PASS);
    snprintf(pfile, sizeof pfile, "%s/pass", fx->dir);
    write_file(pfile, (const uint8_t *)"Correct horse battery staple\n", 29);
    assert_int_not_equal(cnd_key_load(fx->key, pfile, &back, msg, sizeof msg), 0);
    snprintf(want, sizeof want, "key %s: wrong passphrase or damaged key file", fx->key);
    assert_string_equal(msg, want);
    for (size_t i = 0; i < sizeof back; i++)
        assert_int_equal(((uint8_t *)&back)[i], 0);
}

/* Every byte of the file, damaged, makes the load fail: the header by its
 * checks, the sealed secrets by the tag (kind 2) or the public block they
 * no longer give (kind 1), the public block by the same comparison. */
static void damaged_byte_anywhere_is_refused(const char *pass, fx_t *fx)
{
    cnd_office_key_t k, back;
    uint8_t raw[512], bad[512];
    cnd_err_t err;
    size_t n, i;

    make_key(fx, &k, pass);
    n = read_file(fx->key, raw, sizeof raw);
    for (i = 0; i < n; i++) {
        /* The top two bytes of the iteration count would ask for millions
         * of iterations (refused above 100M, but slow below): the separate
         * test below covers the count. */
        if (i == 14 || i == 15)
            continue;
        memcpy(bad, raw, n);
        bad[i] ^= 0xFF;
        unlink(fx->key);
        write_file(fx->key, bad, n);
        if (cnd_key_load_passphrase(fx->key, PASS, strlen(PASS), &back, &err) == 0)
            fail_msg("byte %zu of a %s key damaged, yet it loaded", i,
                     pass ? "passphrase" : "plain");
    }
    /* and one byte short or long */
    unlink(fx->key);
    write_file(fx->key, raw, n - 1);
    assert_int_not_equal(cnd_key_load_passphrase(fx->key, PASS, strlen(PASS), &back, &err), 0);
    raw[n] = 0;
    unlink(fx->key);
    write_file(fx->key, raw, n + 1);
    assert_int_not_equal(cnd_key_load_passphrase(fx->key, PASS, strlen(PASS), &back, &err), 0);
}

static void damaged_plain_key_is_refused(void **state)
{
    damaged_byte_anywhere_is_refused(NULL, *state);
}

static void damaged_passphrase_key_is_refused(void **state)
{
    damaged_byte_anywhere_is_refused(PASS, *state);
}

static void absurd_iteration_count_is_refused_without_running_it(void **state)
{
    fx_t *fx = *state;
    cnd_office_key_t k, back;
    uint8_t raw[512];
    cnd_err_t err;
    size_t n;

    make_key(fx, &k, PASS);
    n = read_file(fx->key, raw, sizeof raw);
    raw[15] = 0xFF; /* about 4 billion */
    unlink(fx->key);
    write_file(fx->key, raw, n);
    assert_int_not_equal(cnd_key_load_passphrase(fx->key, PASS, strlen(PASS), &back, &err), 0);
    assert_non_null(strstr(err.msg, "not a Candor private key file, or damaged"));
}

static void private_file_is_0600_and_public_0644(void **state)
{
    fx_t *fx = *state;
    cnd_office_key_t k;
    struct stat st;
    mode_t old = umask(0); /* the most permissive umask must not widen it */

    make_key(fx, &k, PASS);
    umask(old);
    assert_int_equal(stat(fx->key, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(fx->pub, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(st.st_size, CND_KEY_PUB_LEN);
    assert_int_equal(entries(fx->dir), 2); /* no temp file left */
}

static void existing_key_is_never_overwritten(void **state)
{
    fx_t *fx = *state;
    cnd_office_key_t k1, k2, back;
    uint8_t before[512], after[512], pub[CND_KEY_PUB_LEN];
    cnd_err_t err;
    char msg[256];
    size_t n;

    make_key(fx, &k1, NULL);
    n = read_file(fx->key, before, sizeof before);
    assert_int_equal(cnd_key_generate(&k2, &err), 0);
    assert_int_equal(cnd_key_write(fx->key, &k2, NULL, 0, ITER, &err), 1);
    assert_non_null(strstr(err.msg, "already exists"));
    assert_null(strchr(err.msg, '\n'));
    assert_int_equal(read_file(fx->key, after, sizeof after), n);
    assert_memory_equal(before, after, n);
    assert_int_equal(cnd_key_load(fx->key, NULL, &back, msg, sizeof msg), 0);
    assert_memory_equal(&back, &k1, sizeof k1);

    /* only FILE.pub there: still refused, and no private file appears */
    unlink(fx->key);
    assert_int_equal(cnd_key_write(fx->key, &k2, NULL, 0, ITER, &err), 1);
    assert_int_equal(access(fx->key, F_OK), -1);
    assert_int_equal(cnd_pub_load(fx->pub, pub, msg, sizeof msg), 0);
    assert_memory_equal(pub, cnd_key_pub(&k1), CND_KEY_PUB_LEN);
    assert_int_equal(entries(fx->dir), 1);
}

static void unwritable_place_leaves_nothing(void **state)
{
    fx_t *fx = *state;
    cnd_office_key_t k;
    cnd_err_t err;
    char path[200];

    assert_int_equal(cnd_key_generate(&k, &err), 0);
    snprintf(path, sizeof path, "%s/missing/office.key", fx->dir);
    assert_int_equal(cnd_key_write(path, &k, NULL, 0, ITER, &err), -1);
    assert_null(strchr(err.msg, '\n'));
    assert_int_equal(entries(fx->dir), 0);
}

static void public_block_belongs_to_the_private_keys(void **state)
{
    fx_t *fx = *state;
    cnd_office_key_t k;
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ecp_keypair signer, eph;
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q, office_x;
    mbedtls_mpi r, s, d_office, z1, z2;
    uint8_t hash[32] = {1, 2, 3};
    cnd_err_t err;
    (void)fx;

    assert_int_equal(cnd_key_generate(&k, &err), 0);
    assert_memory_equal(cnd_key_pub(&k), "CNDP\x01\0\0\0", 8);
    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    assert_int_equal(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0), 0);

    /* P-256: a signature by the secret verifies under the block's key */
    mbedtls_ecp_keypair_init(&signer);
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    assert_int_equal(cnd_key_p256_keypair(&k, &signer, &err), 0);
    assert_int_equal(mbedtls_ecdsa_sign(&signer.grp, &r, &s, &signer.d, hash, sizeof hash,
                                        mbedtls_ctr_drbg_random, &drbg),
                     0);
    assert_int_equal(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1), 0);
    assert_int_equal(mbedtls_ecp_point_read_binary(&grp, &q, cnd_key_pub(&k) + CND_KEY_PUB_P256,
                                                   65),
                     0);
    assert_int_equal(mbedtls_ecdsa_verify(&grp, hash, sizeof hash, &q, &r, &s), 0);

    /* X25519: a device's ephemeral key agrees with the office's secret */
    mbedtls_ecp_keypair_init(&eph);
    mbedtls_ecp_point_init(&office_x);
    mbedtls_mpi_init(&d_office);
    mbedtls_mpi_init(&z1);
    mbedtls_mpi_init(&z2);
    assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_CURVE25519, &eph, mbedtls_ctr_drbg_random,
                                         &drbg),
                     0);
    assert_int_equal(mbedtls_ecp_point_read_binary(&eph.grp, &office_x,
                                                   cnd_key_pub(&k) + CND_KEY_PUB_X25519, 32),
                     0);
    assert_int_equal(mbedtls_ecdh_compute_shared(&eph.grp, &z1, &office_x, &eph.d,
                                                 mbedtls_ctr_drbg_random, &drbg),
                     0);
    assert_int_equal(mbedtls_mpi_read_binary_le(&d_office, cnd_key_x25519_secret(&k), 32), 0);
    assert_int_equal(mbedtls_ecdh_compute_shared(&eph.grp, &z2, &eph.Q, &d_office,
                                                 mbedtls_ctr_drbg_random, &drbg),
                     0);
    assert_int_equal(mbedtls_mpi_cmp_mpi(&z1, &z2), 0);

    mbedtls_mpi_free(&z2);
    mbedtls_mpi_free(&z1);
    mbedtls_mpi_free(&d_office);
    mbedtls_ecp_point_free(&office_x);
    mbedtls_ecp_keypair_free(&eph);
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    mbedtls_ecp_keypair_free(&signer);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    cnd_key_wipe(&k);
}

static void two_keys_differ(void **state)
{
    cnd_office_key_t a, b;
    cnd_err_t err;
    (void)state;
    assert_int_equal(cnd_key_generate(&a, &err), 0);
    assert_int_equal(cnd_key_generate(&b, &err), 0);
    assert_memory_not_equal(a.x25519_secret, b.x25519_secret, 32);
    assert_memory_not_equal(a.p256_secret, b.p256_secret, 32);
}

static void public_load_refuses_other_files(void **state)
{
    fx_t *fx = *state;
    uint8_t pub[CND_KEY_PUB_LEN], junk[CND_KEY_PUB_LEN];
    char msg[256];
    cnd_office_key_t k;

    memset(junk, 0x41, sizeof junk);
    write_file(fx->pub, junk, sizeof junk);
    assert_int_not_equal(cnd_pub_load(fx->pub, pub, msg, sizeof msg), 0);
    assert_non_null(strstr(msg, "not a Candor public key"));
    unlink(fx->pub);
    make_key(fx, &k, NULL);
    read_file(fx->pub, junk, sizeof junk);
    junk[CND_KEY_PUB_P256 + 10] ^= 0x01; /* P-256 point off the curve */
    unlink(fx->pub);
    write_file(fx->pub, junk, sizeof junk);
    assert_int_not_equal(cnd_pub_load(fx->pub, pub, msg, sizeof msg), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(plain_key_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(passphrase_key_round_trips_and_hides_the_secrets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(passphrase_file_first_line_unlocks_the_key, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(wrong_passphrase_is_refused_in_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(damaged_plain_key_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(damaged_passphrase_key_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(absurd_iteration_count_is_refused_without_running_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(private_file_is_0600_and_public_0644, setup, teardown),
        cmocka_unit_test_setup_teardown(existing_key_is_never_overwritten, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_place_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(public_block_belongs_to_the_private_keys, setup,
                                        teardown),
        cmocka_unit_test(two_keys_differ),
        cmocka_unit_test_setup_teardown(public_load_refuses_other_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
