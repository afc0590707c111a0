/* officekey.c: see officekey.h. Byte layout: formats/SPEC.md section 11. */
#include "officekey.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "mbedtls/chachapoly.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/md.h"
#include "mbedtls/pkcs5.h"
#include "mbedtls/platform_util.h"
#include "osfile.h"
#include "pack.h"
#include "tty.h"

#ifdef CND_OFFICE_PUB_LEN /* the pack format embeds exactly this block */
_Static_assert(CND_OFFICE_PUB_LEN == CND_KEY_PUB_LEN, "office public block size");
#endif

/* Header offsets (SPEC.md 11.1). */
#define H_KIND 8
#define H_ITER 12
#define H_SALT 16
#define H_NONCE 32
#define SALT_LEN 16
#define NONCE_LEN 12
#define TAG_LEN 16
#define SECRETS_LEN (2 * CND_KEY_SECRET_LEN)
#define KEY_FILE_MAX 4096

/* ------------------------------------------------------------ random -- */

typedef struct {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
} rng_t;

static int rng_open(rng_t *r, cnd_err_t *err)
{
    static const unsigned char pers[] = "candor office key";
    mbedtls_entropy_init(&r->entropy);
    mbedtls_ctr_drbg_init(&r->drbg);
    if (mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy, pers,
                              sizeof pers - 1) != 0) {
        cnd_err_set(err, "cannot seed the random generator from the system's entropy");
        return -1;
    }
    return 0;
}

static void rng_close(rng_t *r)
{
    mbedtls_ctr_drbg_free(&r->drbg);
    mbedtls_entropy_free(&r->entropy);
}

/* ------------------------------------------------------- public block -- */

/* The public key d*G of a private key as Mbed TLS writes points: X25519
 * as the 32-byte u-coordinate, P-256 uncompressed (65 bytes). */
static int public_of(mbedtls_ecp_group_id id, const uint8_t *secret, uint8_t *out, size_t len,
                     rng_t *r)
{
    mbedtls_ecp_keypair kp;
    size_t olen = 0;
    int rc;
    mbedtls_ecp_keypair_init(&kp);
    rc = mbedtls_ecp_read_key(id, &kp, secret, CND_KEY_SECRET_LEN);
    if (rc == 0)
        rc = mbedtls_ecp_mul(&kp.grp, &kp.Q, &kp.d, &kp.grp.G, mbedtls_ctr_drbg_random, &r->drbg);
    if (rc == 0)
        rc = mbedtls_ecp_point_write_binary(&kp.grp, &kp.Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out,
                                            len);
    mbedtls_ecp_keypair_free(&kp);
    return rc == 0 && olen == len ? 0 : -1;
}

/* Derives both public keys from the secrets into pub (the whole block). */
static int derive_pub(const uint8_t *x_secret, const uint8_t *p_secret, uint8_t *pub, rng_t *r)
{
    memset(pub, 0, CND_KEY_PUB_LEN);
    memcpy(pub, CND_KEY_PUB_MAGIC, 4);
    pub[4] = CND_KEY_PUB_VERSION;
    if (public_of(MBEDTLS_ECP_DP_CURVE25519, x_secret, pub + CND_KEY_PUB_X25519, 32, r) != 0 ||
        public_of(MBEDTLS_ECP_DP_SECP256R1, p_secret, pub + CND_KEY_PUB_P256, 65, r) != 0)
        return -1;
    return 0;
}

/* Header, version, reserved bytes and a P-256 point on the curve. */
static int check_pub(const uint8_t *pub)
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    int rc;
    if (memcmp(pub, CND_KEY_PUB_MAGIC, 4) != 0 || pub[4] != CND_KEY_PUB_VERSION || pub[5] != 0 ||
        pub[6] != 0 || pub[7] != 0)
        return -1;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0)
        rc = mbedtls_ecp_point_read_binary(&grp, &q, pub + CND_KEY_PUB_P256, 65);
    if (rc == 0)
        rc = mbedtls_ecp_check_pubkey(&grp, &q);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc == 0 ? 0 : -1;
}

/* ----------------------------------------------------------- generate -- */

static int gen_secret(mbedtls_ecp_group_id id, uint8_t *out, rng_t *r)
{
    mbedtls_ecp_keypair kp;
    int rc;
    mbedtls_ecp_keypair_init(&kp);
    rc = mbedtls_ecp_gen_key(id, &kp, mbedtls_ctr_drbg_random, &r->drbg);
    /* X25519: little-endian scalar bytes; P-256: big-endian (both as
     * mbedtls_ecp_write_key writes them, and mbedtls_ecp_read_key reads). */
    if (rc == 0)
        rc = mbedtls_ecp_write_key(&kp, out, CND_KEY_SECRET_LEN);
    mbedtls_ecp_keypair_free(&kp);
    return rc == 0 ? 0 : -1;
}

int cnd_key_generate(cnd_office_key_t *out, cnd_err_t *err)
{
    rng_t r;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (rng_open(&r, err) != 0)
        goto done;
    if (gen_secret(MBEDTLS_ECP_DP_CURVE25519, out->x25519_secret, &r) != 0 ||
        gen_secret(MBEDTLS_ECP_DP_SECP256R1, out->p256_secret, &r) != 0 ||
        derive_pub(out->x25519_secret, out->p256_secret, out->pub, &r) != 0) {
        cnd_err_set(err, "key generation failed in Mbed TLS; please report");
        cnd_key_wipe(out);
        goto done;
    }
    rc = 0;
done:
    rng_close(&r);
    return rc;
}

/* -------------------------------------------------------- passphrases -- */

static int pbkdf2_key(const char *pass, size_t pass_len, const uint8_t *salt, uint32_t iterations,
                      uint8_t *key32)
{
    mbedtls_md_context_t md;
    int rc;
    mbedtls_md_init(&md);
    rc = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
    if (rc == 0)
        rc = mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)pass, pass_len, salt, SALT_LEN,
                                       iterations, 32, key32);
    mbedtls_md_free(&md);
    return rc == 0 ? 0 : -1;
}

int cnd_key_read_passphrase_file(const char *path, char *buf, size_t cap, size_t *len,
                                 cnd_err_t *err)
{
    FILE *f = fopen(path, "r");
    size_t n;
    if (f == NULL) {
        cnd_err_set(err, "cannot read passphrase file %s: %s", path, strerror(errno));
        return -1;
    }
    if (fgets(buf, (int)cap, f) == NULL)
        buf[0] = '\0';
    fclose(f);
    n = strlen(buf);
    if (n + 1 == cap && buf[n - 1] != '\n') {
        mbedtls_platform_zeroize(buf, cap);
        cnd_err_set(err, "passphrase file %s: the first line is longer than %d characters", path,
                    CND_KEY_PASSPHRASE_MAX);
        return -1;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n == 0) {
        cnd_err_set(err, "passphrase file %s: the first line is empty", path);
        return -1;
    }
    *len = n;
    return 0;
}

int cnd_key_ask_passphrase(const char *prompt, int confirm, char *buf, size_t cap, size_t *len,
                           cnd_err_t *err)
{
    char again[CND_KEY_PASSPHRASE_MAX + 1];
    size_t again_len = 0;
    int rc = -1;
    int got = cnd_tty_secret_line(prompt, buf, cap, len);
    if (got == CND_TTY_NONE) {
        cnd_err_set(err, "no terminal to ask for the passphrase; give --passphrase-file FILE%s",
                    confirm ? " or --no-passphrase" : "");
    } else if (got != CND_TTY_OK) {
        cnd_err_set(err, "could not read the passphrase from the terminal (at most %d characters)",
                    CND_KEY_PASSPHRASE_MAX);
    } else if (*len == 0) {
        cnd_err_set(err, "empty passphrase%s", confirm ? "; for a key without one, use --no-passphrase" : "");
    } else if (confirm && (cnd_tty_secret_line("Repeat the passphrase: ", again, sizeof again,
                                               &again_len) != CND_TTY_OK ||
                           again_len != *len || memcmp(again, buf, *len) != 0)) {
        cnd_err_set(err, "the two passphrases differ; nothing written, run the command again");
    } else {
        rc = 0;
    }
    if (rc != 0)
        mbedtls_platform_zeroize(buf, cap);
    mbedtls_platform_zeroize(again, sizeof again);
    return rc;
}

/* -------------------------------------------------------------- write -- */

static void put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The private file's bytes into out (CND_KEY_FILE_*_LEN); *len. */
static int encode_private(const cnd_office_key_t *key, const char *pass, size_t pass_len,
                          uint32_t iterations, uint8_t *out, size_t *len, cnd_err_t *err)
{
    uint8_t *secrets = out + CND_KEY_HEADER_LEN;
    memset(out, 0, CND_KEY_FILE_PASSPHRASE_LEN);
    memcpy(out, CND_KEY_MAGIC, 8);
    memcpy(secrets, key->x25519_secret, CND_KEY_SECRET_LEN);
    memcpy(secrets + CND_KEY_SECRET_LEN, key->p256_secret, CND_KEY_SECRET_LEN);
    if (pass == NULL) {
        out[H_KIND] = CND_KEY_KIND_PLAIN;
        memcpy(secrets + SECRETS_LEN, key->pub, CND_KEY_PUB_LEN);
        *len = CND_KEY_FILE_PLAIN_LEN;
        return 0;
    }
    out[H_KIND] = CND_KEY_KIND_PASSPHRASE;
    put_u32le(out + H_ITER, iterations);
    rng_t r;
    uint8_t k[32];
    mbedtls_chachapoly_context cp;
    int rc = rng_open(&r, err);
    if (rc == 0 && (mbedtls_ctr_drbg_random(&r.drbg, out + H_SALT, SALT_LEN) != 0 ||
                    mbedtls_ctr_drbg_random(&r.drbg, out + H_NONCE, NONCE_LEN) != 0))
        rc = -1;
    rng_close(&r);
    if (rc == 0)
        rc = pbkdf2_key(pass, pass_len, out + H_SALT, iterations, k);
    mbedtls_chachapoly_init(&cp);
    if (rc == 0)
        rc = mbedtls_chachapoly_setkey(&cp, k) == 0 ? 0 : -1;
    /* in place: the 64 secret bytes become ciphertext, the tag follows */
    if (rc == 0)
        rc = mbedtls_chachapoly_encrypt_and_tag(&cp, SECRETS_LEN, out + H_NONCE, out,
                                                CND_KEY_HEADER_LEN, secrets, secrets,
                                                secrets + SECRETS_LEN) == 0
                 ? 0
                 : -1;
    mbedtls_chachapoly_free(&cp);
    mbedtls_platform_zeroize(k, sizeof k);
    if (rc != 0) {
        mbedtls_platform_zeroize(out, CND_KEY_FILE_PASSPHRASE_LEN);
        if (err->msg[0] == '\0')
            cnd_err_set(err, "encrypting the key failed in Mbed TLS; please report");
        return -1;
    }
    memcpy(secrets + SECRETS_LEN + TAG_LEN, key->pub, CND_KEY_PUB_LEN);
    *len = CND_KEY_FILE_PASSPHRASE_LEN;
    return 0;
}

static void dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, cap, ".");
    else if (slash == path)
        snprintf(dir, cap, "/");
    else
        snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

/* Durably creates path with mode (a temp file created O_EXCL with that
 * mode, written, fsynced, then linked: link never replaces a file). The
 * caller fsyncs the directory. 0, 1 if path exists, -1 on error. */
static int create_file(const char *path, const char *dir, mode_t mode, const uint8_t *data,
                       size_t len, cnd_err_t *err)
{
    char tmp[PATH_MAX];
    uint8_t nonce[8];
    rng_t r;
    int fd, rc = -1;

    if (rng_open(&r, err) != 0)
        return -1;
    rc = mbedtls_ctr_drbg_random(&r.drbg, nonce, sizeof nonce);
    rng_close(&r);
    if (rc != 0 || (size_t)snprintf(tmp, sizeof tmp, "%s/.candor-key-%02x%02x%02x%02x%02x%02x.tmp",
                                    dir, nonce[0], nonce[1], nonce[2], nonce[3], nonce[4],
                                    nonce[5]) >= sizeof tmp) {
        cnd_err_set(err, "cannot make a temporary name next to %s", path);
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        cnd_err_set(err, "cannot create a file in %s: %s; check permissions", dir,
                    strerror(errno));
        return -1;
    }
    rc = -1;
    /* fchmod: the umask may only have narrowed the mode; .pub must be 0644
     * (on Windows the file takes its folder's ACL: docs/DESIGN.md) */
    if (fchmod(fd, mode) != 0 || cnd_write_all(fd, data, len) != 0 || cnd_os_fsync(fd) != 0) {
        cnd_err_set(err, "cannot write %s: %s; check free space", path, strerror(errno));
        close(fd);
        goto out;
    }
    if (close(fd) != 0) {
        cnd_err_set(err, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    if (cnd_os_publish_new(tmp, path) == 0)
        rc = 0;
    else if (errno == EEXIST)
        rc = 1;
    else
        cnd_err_set(err, "cannot create %s: %s", path, strerror(errno));
out:
    unlink(tmp);
    return rc;
}

int cnd_key_write(const char *path, const cnd_office_key_t *key, const char *passphrase,
                  size_t passphrase_len, uint32_t iterations, cnd_err_t *err)
{
    char pub_path[PATH_MAX], dir[PATH_MAX];
    uint8_t file[CND_KEY_FILE_PASSPHRASE_LEN];
    size_t len = 0;
    struct stat st;
    int rc;

    err->msg[0] = '\0';
    if ((size_t)snprintf(pub_path, sizeof pub_path, "%s.pub", path) >= sizeof pub_path) {
        cnd_err_set(err, "key path %s is too long", path);
        return -1;
    }
    dir_of(path, dir, sizeof dir);
    if (lstat(path, &st) == 0 || lstat(pub_path, &st) == 0) {
        cnd_err_set(err, "%s already exists; a key file is never overwritten (choose another "
                         "name; keep the old key while data sealed to it are not exported)",
                    lstat(path, &st) == 0 ? path : pub_path);
        return 1;
    }
    if (passphrase != NULL &&
        (passphrase_len == 0 || iterations == 0 || iterations > CND_KEY_PBKDF2_MAX_ITERATIONS)) {
        cnd_err_set(err, "empty passphrase or bad iteration count for %s", path);
        return -1;
    }
    if (encode_private(key, passphrase, passphrase_len, iterations, file, &len, err) != 0)
        return -1;
    rc = create_file(path, dir, 0600, file, len, err);
    mbedtls_platform_zeroize(file, sizeof file);
    if (rc == 1)
        cnd_err_set(err, "%s already exists; a key file is never overwritten", path);
    if (rc != 0)
        return rc;
    rc = create_file(pub_path, dir, 0644, key->pub, CND_KEY_PUB_LEN, err);
    if (rc == 1)
        cnd_err_set(err, "%s already exists; a key file is never overwritten", pub_path);
    if (rc == 0 && cnd_os_fsync_dir(dir) != 0) {
        cnd_err_set(err, "cannot fsync directory %s: %s", dir, strerror(errno));
        unlink(pub_path);
        rc = -1;
    }
    if (rc != 0) { /* no private key without its public half */
        unlink(path);
        cnd_os_fsync_dir(dir);
    }
    return rc;
}

/* --------------------------------------------------------------- load -- */

static int read_small_file(const char *path, uint8_t *buf, size_t cap, size_t *len,
                           cnd_err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t n = 0;
    if (fd < 0) {
        cnd_err_set(err, "cannot open key %s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            cnd_err_set(err, "cannot read key %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n == cap) {
            close(fd);
            cnd_err_set(err, "key %s: not a Candor key file (too long)", path);
            return -1;
        }
    }
    close(fd);
    *len = n;
    return 0;
}

static int is_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    while (n-- > 0)
        acc |= *p++;
    return acc == 0;
}

/* Checks the header against the file length; *kind. */
static int check_header(const uint8_t *f, size_t len, int *kind)
{
    uint32_t iter = get_u32le(f + H_ITER);
    if (len < CND_KEY_HEADER_LEN || memcmp(f, CND_KEY_MAGIC, 8) != 0 || !is_zero(f + 9, 3))
        return -1;
    *kind = f[H_KIND];
    if (*kind == CND_KEY_KIND_PLAIN)
        return len == CND_KEY_FILE_PLAIN_LEN && iter == 0 && is_zero(f + H_SALT, SALT_LEN) &&
                       is_zero(f + H_NONCE, NONCE_LEN)
                   ? 0
                   : -1;
    if (*kind == CND_KEY_KIND_PASSPHRASE)
        return len == CND_KEY_FILE_PASSPHRASE_LEN && iter >= 1 &&
                       iter <= CND_KEY_PBKDF2_MAX_ITERATIONS
                   ? 0
                   : -1;
    return -1;
}

/* Decrypts (kind 2) and checks f; fills out. pass == NULL for kind 1. */
static int open_private(const char *path, const uint8_t *f, int kind, const char *pass,
                        size_t pass_len, cnd_office_key_t *out, cnd_err_t *err)
{
    uint8_t secrets[SECRETS_LEN], derived[CND_KEY_PUB_LEN];
    const uint8_t *pub;
    rng_t r;
    int rc = 0;

    if (kind == CND_KEY_KIND_PASSPHRASE) {
        uint8_t k[32];
        mbedtls_chachapoly_context cp;
        pub = f + CND_KEY_HEADER_LEN + SECRETS_LEN + TAG_LEN;
        rc = pbkdf2_key(pass, pass_len, f + H_SALT, get_u32le(f + H_ITER), k);
        mbedtls_chachapoly_init(&cp);
        if (rc == 0 && mbedtls_chachapoly_setkey(&cp, k) != 0)
            rc = -1;
        if (rc == 0 && mbedtls_chachapoly_auth_decrypt(
                           &cp, SECRETS_LEN, f + H_NONCE, f, CND_KEY_HEADER_LEN,
                           f + CND_KEY_HEADER_LEN + SECRETS_LEN, f + CND_KEY_HEADER_LEN,
                           secrets) != 0)
            rc = -1;
        mbedtls_chachapoly_free(&cp);
        mbedtls_platform_zeroize(k, sizeof k);
        if (rc != 0) {
            mbedtls_platform_zeroize(secrets, sizeof secrets);
            cnd_err_set(err, "key %s: wrong passphrase or damaged key file", path);
            return -1;
        }
    } else {
        pub = f + CND_KEY_HEADER_LEN + SECRETS_LEN;
        memcpy(secrets, f + CND_KEY_HEADER_LEN, SECRETS_LEN);
    }
    /* The clear public block must be the one these secrets give. */
    if (rng_open(&r, err) != 0) {
        rc = -1;
    } else {
        rc = derive_pub(secrets, secrets + CND_KEY_SECRET_LEN, derived, &r);
        rng_close(&r);
        if (rc != 0 || memcmp(derived, pub, CND_KEY_PUB_LEN) != 0) {
            cnd_err_set(err, "key %s: damaged key file (its public block does not match its "
                             "private keys); use your backup copy",
                        path);
            rc = -1;
        }
    }
    if (rc == 0) {
        memcpy(out->x25519_secret, secrets, CND_KEY_SECRET_LEN);
        memcpy(out->p256_secret, secrets + CND_KEY_SECRET_LEN, CND_KEY_SECRET_LEN);
        memcpy(out->pub, pub, CND_KEY_PUB_LEN);
    }
    mbedtls_platform_zeroize(secrets, sizeof secrets);
    return rc;
}

static int load_common(const char *path, const char *pass, size_t pass_len,
                       const char *passphrase_file, int ask, cnd_office_key_t *out,
                       cnd_err_t *err)
{
    uint8_t f[KEY_FILE_MAX];
    char buf[CND_KEY_PASSPHRASE_MAX + 2];
    size_t len = 0;
    int kind = 0, rc = -1;

    memset(out, 0, sizeof *out);
    err->msg[0] = '\0';
    if (read_small_file(path, f, sizeof f, &len, err) != 0)
        return -1;
    if (check_header(f, len, &kind) != 0) {
        cnd_err_set(err, "key %s: not a Candor private key file, or damaged; use your backup "
                         "copy (a .pub file holds no private key)",
                    path);
        goto out;
    }
    if (kind == CND_KEY_KIND_PASSPHRASE && pass == NULL) {
        if (passphrase_file != NULL)
            rc = cnd_key_read_passphrase_file(passphrase_file, buf, sizeof buf, &len, err);
        else if (ask) {
            char prompt[PATH_MAX + 32];
            snprintf(prompt, sizeof prompt, "Passphrase for %s: ", path);
            rc = cnd_key_ask_passphrase(prompt, 0, buf, sizeof buf, &len, err);
        } else {
            cnd_err_set(err, "key %s: needs its passphrase", path);
        }
        if (rc != 0)
            goto out;
        pass = buf;
        pass_len = len;
    }
    rc = open_private(path, f, kind, pass, pass_len, out, err);
out:
    mbedtls_platform_zeroize(f, sizeof f);
    mbedtls_platform_zeroize(buf, sizeof buf);
    return rc;
}

int cnd_key_load_passphrase(const char *path, const char *passphrase, size_t passphrase_len,
                            cnd_office_key_t *out, cnd_err_t *err)
{
    return load_common(path, passphrase, passphrase_len, NULL, 0, out, err);
}

static void copy_err(const cnd_err_t *e, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", e->msg);
}

int cnd_key_load(const char *path, const char *passphrase_file, cnd_office_key_t *out, char *err,
                 size_t errlen)
{
    cnd_err_t e;
    int rc = load_common(path, NULL, 0, passphrase_file, 1, out, &e);
    if (rc != 0)
        copy_err(&e, err, errlen);
    return rc;
}

int cnd_pub_load(const char *path, uint8_t out[CND_KEY_PUB_LEN], char *err, size_t errlen)
{
    uint8_t f[KEY_FILE_MAX];
    size_t len = 0;
    int kind;
    cnd_err_t e;
    const uint8_t *pub = NULL;

    if (read_small_file(path, f, sizeof f, &len, &e) != 0) {
        copy_err(&e, err, errlen);
        return -1;
    }
    if (len == CND_KEY_PUB_LEN)
        pub = f;
    else if (check_header(f, len, &kind) == 0)
        pub = f + len - CND_KEY_PUB_LEN; /* a private file ends with its public block */
    if (pub == NULL || check_pub(pub) != 0) {
        mbedtls_platform_zeroize(f, sizeof f);
        cnd_err_set(&e, "key %s: not a Candor public key (FILE.pub from candor keygen), or damaged",
                    path);
        copy_err(&e, err, errlen);
        return -1;
    }
    memcpy(out, pub, CND_KEY_PUB_LEN);
    mbedtls_platform_zeroize(f, sizeof f);
    return 0;
}

/* ---------------------------------------------------------- accessors -- */

void cnd_key_wipe(cnd_office_key_t *key)
{
    mbedtls_platform_zeroize(key, sizeof *key);
}

const uint8_t *cnd_key_x25519_secret(const cnd_office_key_t *key)
{
    return key->x25519_secret;
}

const uint8_t *cnd_key_p256_secret(const cnd_office_key_t *key)
{
    return key->p256_secret;
}

const uint8_t *cnd_key_pub(const cnd_office_key_t *key)
{
    return key->pub;
}

int cnd_key_p256_keypair(const cnd_office_key_t *key, mbedtls_ecp_keypair *kp, cnd_err_t *err)
{
    if (mbedtls_ecp_read_key(MBEDTLS_ECP_DP_SECP256R1, kp, key->p256_secret,
                             CND_KEY_SECRET_LEN) != 0 ||
        mbedtls_ecp_point_read_binary(&kp->grp, &kp->Q, key->pub + CND_KEY_PUB_P256, 65) != 0) {
        cnd_err_set(err, "the office key's P-256 half is unusable; please report");
        return -1;
    }
    return 0;
}
