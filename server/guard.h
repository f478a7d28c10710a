/* guard.h: the connection guard: a total deadline for request headers and
 * connection limits that no single address can use up.
 *
 * Data model: one record per open connection (its socket, its client
 * address, whether it is waiting for request headers or inside a request,
 * and since when). microhttpd reports connections opening and closing
 * (MHD_OPTION_NOTIFY_CONNECTION) and http.c reports when a request's
 * headers are complete (busy) and when a request ends (waiting again, for
 * the next request on a kept-alive connection).
 *
 * Rules:
 * - A connection that has waited header_seconds for the headers of its next
 *   request is cut (shutdown of its socket; microhttpd then closes it). Each
 *   trickled byte resets microhttpd's own inactivity timeout, never this
 *   deadline (slowloris).
 * - When a new connection makes its address hold more than per_address, the
 *   oldest waiting connection of that address is cut; when it makes the
 *   total more than max_connections, the oldest waiting connection of the
 *   address holding the most is cut. Waiting connections are cheap to lose
 *   (a client opens another), so a flood of idle or trickling connections,
 *   from one address or several, makes room for newcomers instead of
 *   shutting them out. When nothing is waiting, the newcomer is cut.
 * - A connection marked to linger (it was refused before its body was read,
 *   413) is not simply closed: when microhttpd closes it, the guard keeps
 *   the socket, ends its sending side and reads and drops what the client
 *   still sends, until the client closes, PV_GUARD_LINGER_BYTES were read
 *   or PV_GUARD_LINGER_SECONDS passed (nginx's lingering close). Closing a
 *   socket with unread data resets the connection, and a client still
 *   sending its body would never read the answer.
 * A background thread checks the deadline four times a second and drains
 * lingering sockets.
 *
 * Ownership: the guard owns its records and its thread; pv_guard_free()
 * stops the thread and must be called after the daemon stopped. Every
 * function may be called from any thread.
 */
#ifndef PV_GUARD_H
#define PV_GUARD_H

#include <stddef.h>
#include <sys/socket.h>

#include "error.h"

#define PV_GUARD_LINGER_SECONDS 10
#define PV_GUARD_LINGER_BYTES ((size_t)64 << 20)
#define PV_GUARD_MAX_LINGERING 64

typedef struct pv_guard pv_guard;
typedef struct pv_guard_conn pv_guard_conn;

typedef struct pv_guard_config {
    unsigned header_seconds;  /* 0 = 10 */
    unsigned max_connections; /* 0 = 256 */
    unsigned per_address;     /* 0 = 128 */
} pv_guard_config;

/* Starts a guard. Returns 0 and sets *out, or -1 with err filled. */
int pv_guard_new(const pv_guard_config *config, pv_guard **out, pv_error *err);

/* Stops the thread and frees the guard. NULL is fine. */
void pv_guard_free(pv_guard *guard);

/* A connection opened on socket fd from addr (addrlen bytes): records it
 * (waiting), enforces the limits and returns the record to hand back, or
 * NULL when out of memory (the connection is then not tracked). */
pv_guard_conn *pv_guard_opened(pv_guard *guard, int fd, const struct sockaddr *addr,
                               socklen_t addrlen);

/* The connection closed: forgets the record. NULL is fine. */
void pv_guard_closed(pv_guard *guard, pv_guard_conn *conn);

/* The headers of a request arrived: no deadline until it ends. */
void pv_guard_busy(pv_guard *guard, pv_guard_conn *conn);

/* A request ended: the deadline for the next one's headers starts now. */
void pv_guard_waiting(pv_guard *guard, pv_guard_conn *conn);

/* The connection is to close lingering (see above). NULL is fine. */
void pv_guard_linger(pv_guard *guard, pv_guard_conn *conn);

/* Connections tracked and not cut. */
size_t pv_guard_count(pv_guard *guard);

#endif
