/* http.h: the HTTP server (libmicrohttpd): routes, static files, gzip.
 *
 * A pv_http_server listens on one address, answers /api/... through api.c and
 * everything else from the web UI: the files embedded in the binary (see
 * embed.h) or, with a web root, the files of that folder. Requests run on a
 * pool of threads; the handler gets the server through microhttpd's cls
 * pointer, so there is no global state. Responses over PV_HTTP_GZIP_MIN bytes
 * are gzip-compressed when the client accepts it; embedded files are
 * compressed once at start.
 *
 * Team mode (a folder in the config): GET /api/profiles rescans the folder
 * first, and so does a request for an unknown profile id; POST /api/profiles
 * streams the body (raw, or the "file" field of multipart/form-data) into a
 * temporary file of the folder, refusing it with 413 as soon as it passes
 * max_upload_bytes (by Content-Length before reading anything), and hands it
 * to pv_upload_finish (folder.h).
 *
 * A token in the config guards every request but GET /api/health: it must
 * come as "Authorization: Bearer TOKEN" or as the cookie profviz_token, else
 * 401. A GET with ?token=TOKEN sets that cookie and redirects (303) to the
 * same URL without the parameter. Tokens are compared in constant time.
 *
 * Ownership: the server borrows the registry and the folder given in its
 * config (which must outlive it) and copies the token; it owns everything
 * else it allocates; pv_http_stop() waits for running requests, closes the
 * socket and frees it all.
 */
#ifndef PV_HTTP_H
#define PV_HTTP_H

#include <stddef.h>

#include "error.h"
#include "folder.h"
#include "registry.h"

#define PV_HTTP_GZIP_MIN 2048

typedef struct pv_http_config {
    const char *host;            /* address to listen on, e.g. "127.0.0.1" or "::1" */
    unsigned port;               /* first port to try; 0 lets the system choose */
    unsigned port_tries;         /* ports to try from port on when in use (1 = only port) */
    const char *web_root;        /* folder to serve the UI from, or NULL for the embedded copy */
    pv_registry *registry;       /* the profiles, borrowed */
    unsigned threads;            /* request threads; 0 = one per processor (2 to 16) */
    unsigned max_connections;    /* 0 = 256 */
    unsigned timeout_seconds;    /* idle connection timeout; 0 = 30 */
    unsigned per_ip_connections; /* 0 = 128 (an office behind one NAT is one address) */
    pv_folder *folder;           /* team mode: the profile folder, borrowed; NULL otherwise */
    const char *token;           /* required on every request but health; NULL for none */
    size_t max_upload_bytes;     /* largest upload body; 0 = 200 MB */
} pv_http_config;

typedef struct pv_http_server pv_http_server;

/* Starts serving. Returns 0 and sets *out once the server answers requests,
 * or -1 with err filled (a bad address, every port tried in use, ...). */
int pv_http_start(const pv_http_config *config, pv_http_server **out, pv_error *err);

/* The URL the server answers on, "http://HOST:PORT/" (owned by the server). */
const char *pv_http_url(const pv_http_server *server);

/* The port the server listens on. */
unsigned pv_http_port(const pv_http_server *server);

/* Stops the server, waiting for requests in progress, and frees it. NULL is
 * fine. */
void pv_http_stop(pv_http_server *server);

#endif
