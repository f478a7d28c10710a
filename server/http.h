/* http.h: the HTTP server (libmicrohttpd): the daemon, the front door and
 * the routes.
 *
 * A pv_http_server listens on one address and answers /api/... through
 * api.c and everything else from the web UI (assets.h). Its parts:
 * - the front door, for every request before routing (auth.h): the Host
 *   must be this machine or an --allow-host value (else 403), a
 *   state-changing request must be same-origin or from no
 *   browser (else 403), and the token, when set, must come as
 *   "Authorization: Bearer TOKEN" or as the cookie profviz_token (else
 *   401); a GET with ?token=TOKEN sets that cookie and redirects (303) to
 *   the same local path without it. Every response carries
 *   X-Content-Type-Options, Referrer-Policy and a Content-Security-Policy
 *   whose frame-ancestors is 'self' plus the --embed-origin values (with
 *   X-Frame-Options: SAMEORIGIN when there are none).
 * - the connection guard (guard.h): header deadline, fair limits.
 * - routes, in one table: each says whether it runs on the connection's
 *   thread (health, static files) or on the worker pool (pool.h), with the
 *   connection suspended meanwhile (everything that reads a profile, the
 *   listing with its folder rescan, storing an upload).
 * - uploads (intake.h) in team mode: POST /api/profiles.
 * Responses over PV_HTTP_GZIP_MIN bytes are gzip-compressed when the
 * client accepts it (gzip.h).
 *
 * Ownership: the server borrows the registry and the folder given in its
 * config (which must outlive it) and copies every string; pv_http_stop()
 * finishes the queued work, waits for running requests, closes the socket
 * and frees it all.
 */
#ifndef PV_HTTP_H
#define PV_HTTP_H

#include <stddef.h>

#include "assets.h"
#include "error.h"
#include "folder.h"
#include "registry.h"

typedef struct pv_http_config {
    const char *host;               /* address to listen on, e.g. "127.0.0.1" or "::1" */
    unsigned port;                  /* first port to try; 0 lets the system choose */
    unsigned port_tries;            /* ports to try from port on when in use (1 = only port) */
    const char *web_root;           /* folder to serve the UI from, or NULL for the embedded copy */
    pv_assets_job *assets;          /* the UI's files begun with pv_assets_start(web_root), taken
                                       over (finished even when starting fails); NULL: made here */
    pv_registry *registry;          /* the profiles, borrowed */
    unsigned threads;               /* connection threads; 0 = one per processor (2 to 16) */
    unsigned workers;               /* worker pool threads; 0 = one per processor (2 to 8) */
    unsigned max_connections;       /* 0 = 256 */
    unsigned timeout_seconds;       /* idle connection timeout; 0 = 30 */
    unsigned header_seconds;        /* deadline for a request's headers; 0 = 10 */
    unsigned per_ip_connections;    /* 0 = 128 (an office behind one NAT is one address) */
    pv_folder *folder;              /* team mode: the profile folder, borrowed; NULL otherwise */
    const char *token;              /* required on every request but health; NULL for none */
    size_t max_upload_bytes;        /* largest upload body; 0 = 200 MB */
    size_t work_budget_bytes;       /* memory the worker pool's jobs may use at once; 0 = 1 GB */
    size_t inflate_cap_bytes;       /* what an upload may inflate to (source.h): its job's cost */
    const char *const *allow_hosts; /* --allow-host values */
    size_t nallow_hosts;
    const char *const *embed_origins; /* --embed-origin values (checked by pv_auth_valid_origin) */
    size_t nembed_origins;
} pv_http_config;

typedef struct pv_http_server pv_http_server;

/* Starts serving. Returns 0 and sets *out once the server answers requests,
 * or -1 with err filled (a bad address, every port tried in use, ...). */
int pv_http_start(const pv_http_config *config, pv_http_server **out, pv_error *err);

/* The URL the server answers on, "http://HOST:PORT/" (owned by the server). */
const char *pv_http_url(const pv_http_server *server);

/* The port the server listens on. */
unsigned pv_http_port(const pv_http_server *server);

/* Stops the server, finishing queued work and waiting for requests in
 * progress, and frees it. NULL is fine. */
void pv_http_stop(pv_http_server *server);

#endif
