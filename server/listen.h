/* listen.h: opening the listening socket before microhttpd takes it, so
 * that a port in use can be told apart from other failures and the next
 * port tried, and so that port 0 reports the port the system chose. */
#ifndef PV_LISTEN_H
#define PV_LISTEN_H

#include <stddef.h>

#include "error.h"

/* Opens a non-blocking listening socket on host at the first free port of
 * [port, port + tries) (port 0: one the system chooses). Returns the socket
 * (the caller closes it) and sets *bound_port, or -1 with err filled
 * (PV_ERR_IO: a bad address, every port in use, ...). */
int pv_listen_open(const char *host, unsigned port, unsigned tries, unsigned *bound_port,
                   pv_error *err);

/* Writes "http://HOST:PORT/" (brackets around an IPv6 address) into out. */
void pv_listen_url(const char *host, unsigned port, char *out, size_t size);

#endif
