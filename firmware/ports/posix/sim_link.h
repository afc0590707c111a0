/*
 * sim_link.h: the simulator's end of the USB stand-in, a Unix stream socket,
 * or a TCP socket on the loopback interface (--listen tcp:127.0.0.1:PORT),
 * which a candor.exe under Wine or on a Windows machine reaches as tcp:.
 *
 * Owns: the listening socket at a path (created atomically: bound under a
 * temporary name and renamed, so a host never finds a socket that refuses
 * connections), removal of a stale socket left by a killed simulator, one
 * client connection at a time, and moving raw bytes. It knows nothing of
 * frames; sync.h parses them.
 *
 * Never: takes over a socket another live simulator is listening on, or
 * leaves its socket behind on a clean shutdown; listens on TCP anywhere but
 * the loopback interface (the simulated device holds responses).
 * RAM: the struct (host memory).
 */
#ifndef CND_SIM_LINK_H
#define CND_SIM_LINK_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int listen_fd; /* -1 when closed */
    int client_fd; /* -1 when no host is connected */
    char path[108]; /* the Unix socket, "" on TCP */
    char name[128]; /* what a host gives --device: sim:PATH or tcp:HOST:PORT */
} cnd_sim_link_t;

/* The default socket directory: $CANDOR_SIM_DIR or /tmp/candor-sim. */
const char *cnd_sim_link_default_dir(void);

/* Starts listening at path. On failure returns -1 with a one-line reason. */
int cnd_sim_link_listen(cnd_sim_link_t *l, const char *path, char *err, size_t errcap);
/* Starts listening on TCP at "HOST:PORT", HOST a loopback address
 * (127.0.0.1, ::1 in brackets, localhost); PORT 0 takes a free port, which
 * l->name then shows. -1 with a one-line reason otherwise. */
int cnd_sim_link_listen_tcp(cnd_sim_link_t *l, const char *address, char *err, size_t errcap);
/* Accepts a waiting host (call when listen_fd is readable). 0 or -1. */
int cnd_sim_link_accept(cnd_sim_link_t *l);
/* Reads what the host sent: > 0 bytes, 0 = host went away, -1 = error. */
long cnd_sim_link_read(cnd_sim_link_t *l, uint8_t *buf, size_t cap);
/* Writes all n bytes to the host; -1 if it went away. */
int cnd_sim_link_write(cnd_sim_link_t *l, const uint8_t *buf, size_t n);
void cnd_sim_link_drop_client(cnd_sim_link_t *l);
/* Closes everything and removes the socket file. */
void cnd_sim_link_close(cnd_sim_link_t *l);

#endif
