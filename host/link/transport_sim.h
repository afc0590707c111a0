/*
 * transport_sim.h: the "sim:PATH" carrier, a Unix stream socket to
 * candor-sim. Used only through transport.h.
 *
 * Owns: connecting (with a message that says what to start when nobody is
 * listening), byte moves with poll() timeouts, and finding simulator
 * sockets in ${CANDOR_SIM_DIR:-/tmp/candor-sim}.
 * Never: interprets frames or retries.
 */
#ifndef CND_TRANSPORT_SIM_H
#define CND_TRANSPORT_SIM_H

#include <stddef.h>

#include "transport.h"

/* path is the part after "sim:". */
cnd_status_t cnd_transport_sim_open(const char *path, cnd_transport_t **out, cnd_err_t *err);
/* Appends "sim:..." specs of live simulator sockets; returns how many it added. */
size_t cnd_transport_sim_discover(char specs[][256], size_t max);
/* Any connected stream socket (Unix or TCP) as a transport named name:
 * the same poll()-timed send/recv. Takes fd (closed on failure too). Used
 * by the "tcp:" carrier (transport_tcp.c). */
cnd_status_t cnd_transport_stream_from_fd(int fd, const char *name, cnd_transport_t **out,
                                          cnd_err_t *err);
/* The directory discovery looks in. */
const char *cnd_transport_sim_dir(void);

#endif
