/* flash_file.c: see flash_file.h. */
#include "flash_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 256

/* Whole transfer or CND_E_IO; retried on EINTR and short counts. */
static cnd_status_t transfer_all(int fd, uint8_t *rbuf, const uint8_t *wbuf, size_t len, off_t off)
{
    while (len > 0) {
        ssize_t n = rbuf ? pread(fd, rbuf, len, off) : pwrite(fd, wbuf, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return CND_E_IO;
        if (rbuf)
            rbuf += n;
        else
            wbuf += n;
        len -= (size_t)n;
        off += n;
    }
    return CND_OK;
}

static cnd_status_t pread_all(int fd, void *buf, size_t len, off_t off)
{
    return transfer_all(fd, buf, NULL, len, off);
}

static cnd_status_t pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
    return transfer_all(fd, NULL, buf, len, off);
}

static cnd_status_t file_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    cnd_flash_file_t *ff = ctx;
    uint64_t size = (uint64_t)ff->block_size * ff->block_count;
    if ((uint64_t)addr + len > size)
        return CND_E_IO;
    if (ff->map != NULL) {
        /* The same page cache pwrite() updates: every prog and erase is
         * visible here at once, with no system call per read. */
        memcpy(buf, ff->map + addr, len);
        return CND_OK;
    }
    return pread_all(ff->fd, buf, len, (off_t)addr);
}

static cnd_status_t file_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    cnd_flash_file_t *ff = ctx;
    const uint8_t *src = buf;
    uint64_t size = (uint64_t)ff->block_size * ff->block_count;
    uint32_t done = 0;

    if (len == 0 || (uint64_t)addr + len > size || addr % ff->prog_size || len % ff->prog_size ||
        addr / ff->block_size != (addr + len - 1) / ff->block_size)
        return CND_E_IO;
    while (done < len) {
        uint8_t cur[CHUNK];
        uint32_t n = len - done < CHUNK ? len - done : CHUNK, i;
        if (pread_all(ff->fd, cur, n, (off_t)(addr + done)) != CND_OK)
            return CND_E_IO;
        for (i = 0; i < n; i++)
            cur[i] &= src[done + i]; /* NOR: programming only clears bits */
        if (pwrite_all(ff->fd, cur, n, (off_t)(addr + done)) != CND_OK)
            return CND_E_IO;
        done += n;
    }
    return fdatasync(ff->fd) == 0 ? CND_OK : CND_E_IO;
}

static cnd_status_t fill_erased(int fd, off_t off, uint64_t len)
{
    uint8_t ones[CHUNK];
    memset(ones, 0xFF, sizeof(ones));
    while (len > 0) {
        size_t n = len < CHUNK ? (size_t)len : CHUNK;
        if (pwrite_all(fd, ones, n, off) != CND_OK)
            return CND_E_IO;
        off += (off_t)n;
        len -= n;
    }
    return CND_OK;
}

static cnd_status_t file_erase(void *ctx, uint32_t block)
{
    cnd_flash_file_t *ff = ctx;
    if (block >= ff->block_count)
        return CND_E_IO;
    if (fill_erased(ff->fd, (off_t)block * ff->block_size, ff->block_size) != CND_OK)
        return CND_E_IO;
    return fdatasync(ff->fd) == 0 ? CND_OK : CND_E_IO;
}

static void fsync_parent_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    int fd;
    if (n >= sizeof(dir))
        return;
    if (slash == NULL)
        strcpy(dir, ".");
    else if (n == 0)
        strcpy(dir, "/");
    else {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* A blank chip appears atomically: written under a temporary name first. */
static cnd_status_t create_blank(const char *path, uint64_t size)
{
    char tmp[4096];
    int fd, n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    cnd_status_t st;
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return CND_E_INVALID;
    fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return CND_E_IO;
    st = fill_erased(fd, 0, size);
    if (st == CND_OK && fsync(fd) != 0)
        st = CND_E_IO;
    close(fd);
    if (st == CND_OK && rename(tmp, path) != 0)
        st = CND_E_IO;
    if (st != CND_OK) {
        unlink(tmp);
        return st;
    }
    fsync_parent_dir(path);
    return CND_OK;
}

cnd_status_t cnd_flash_file_open(cnd_flash_file_t *ff, const char *path, uint32_t block_size,
                                 uint32_t block_count, uint32_t prog_size, cnd_flash_t *out)
{
    uint64_t size = (uint64_t)block_size * block_count;
    struct stat sb;
    struct flock lk;
    cnd_status_t st;

    ff->fd = -1;
    ff->map = NULL;
    if (prog_size == 0 || prog_size > 256 || block_size == 0 || block_size % prog_size ||
        block_count == 0 || size > 0xFFFFFFFFu)
        return CND_E_INVALID;
    if (access(path, F_OK) != 0) {
        st = create_blank(path, size);
        if (st != CND_OK)
            return st;
    }
    ff->fd = open(path, O_RDWR);
    if (ff->fd < 0)
        return CND_E_IO;
    memset(&lk, 0, sizeof(lk));
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    st = CND_OK;
    if (fcntl(ff->fd, F_SETLK, &lk) != 0)
        st = (errno == EACCES || errno == EAGAIN) ? CND_E_BUSY : CND_E_IO;
    else if (fstat(ff->fd, &sb) != 0)
        st = CND_E_IO;
    else if ((uint64_t)sb.st_size != size)
        st = CND_E_INVALID;
    if (st != CND_OK) {
        cnd_flash_file_close(ff);
        return st;
    }
    ff->block_size = block_size;
    ff->block_count = block_count;
    ff->prog_size = prog_size;
    {
        /* Reads through a shared read-only mapping (pread when it fails). */
        void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, ff->fd, 0);
        if (m != MAP_FAILED)
            ff->map = m;
    }
    memset(out, 0, sizeof(*out));
    out->block_size = block_size;
    out->block_count = block_count;
    out->prog_size = prog_size;
    out->ctx = ff;
    out->read = file_read;
    out->prog = file_prog;
    out->erase = file_erase;
    return CND_OK;
}

void cnd_flash_file_close(cnd_flash_file_t *ff)
{
    if (ff->map != NULL)
        (void)munmap((void *)ff->map, (size_t)ff->block_size * ff->block_count);
    ff->map = NULL;
    if (ff->fd >= 0)
        close(ff->fd);
    ff->fd = -1;
}
