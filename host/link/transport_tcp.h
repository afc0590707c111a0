/*
 * transport_tcp.h: the "tcp:HOST:PORT" carrier, a TCP stream to a device
 * UART, e.g. QEMU's `-serial tcp:127.0.0.1:PORT,server=on` for the
 * netduinoplus2 board's link USART. Used only through transport.h.
 *
 * Owns: resolving and connecting (bounded by a timeout, TCP_NODELAY since
 * the protocol is lock-step small frames); the byte moves are the shared
 * stream code of transport_sim.c. No discovery: a TCP device is named.
 * Never: interprets frames or retries.
 */
#ifndef CND_TRANSPORT_TCP_H
#define CND_TRANSPORT_TCP_H

#include <stddef.h>

#include "transport.h"

/* address is the part after "tcp:": HOST:PORT (HOST may be [v6]). */
cnd_status_t cnd_transport_tcp_open(const char *address, cnd_transport_t **out, cnd_err_t *err);
/* Adds nothing: TCP devices are not discovered. */
size_t cnd_transport_tcp_discover(char specs[][256], size_t max);

#endif
