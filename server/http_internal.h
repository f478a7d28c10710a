/* http_internal.h: what http.c (the daemon, the front door, microhttpd's
 * callbacks) and http_routes.c (the routes and their pool jobs: the API,
 * uploads, the page) share: the server, a request's record, and the calls
 * from one to the other. Not for any other file.
 *
 * The server owns everything it points to and frees it in pv_http_stop; a
 * request record lives from on_uri to on_completed (http.c), and a job on
 * the pool borrows it while the connection is suspended.
 */
#ifndef PV_HTTP_INTERNAL_H
#define PV_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "api.h"
#include "assets.h"
#include "auth.h"
#include "folder.h"
#include "guard.h"
#include "intake.h"
#include "page.h"
#include "pool.h"
#include "registry.h"
#include "respond.h"

struct pv_http_server {
    struct MHD_Daemon *daemon;
    pv_registry *registry;
    pv_folder *folder; /* team mode, or NULL */
    char *token;       /* or NULL */
    size_t max_upload;
    size_t upload_cost; /* an upload job's declared memory */
    pv_assets *assets;
    pv_guard *guard;
    pv_pool *pool;
    char **allow_hosts;
    pv_auth_rules rules;
    char *csp;                /* Content-Security-Policy of every response */
    pv_respond_policy policy; /* csp, and X-Frame-Options without --embed-origin */
    unsigned port;
    char url[300];
};

typedef struct request request;
typedef struct pv_http_server server;

/* A route's API handler, run on the pool with the connection suspended
 * (or inline, for cheap ones). */
typedef int (*api_fn)(server *s, const pv_api_request *req, pv_api_reply *reply);

typedef struct route {
    const char *path;
    bool prefix; /* path is a prefix (ends with '/') rather than the whole path */
    bool pooled; /* runs on the worker pool */
    api_fn fn;
} route;

/* Per-request state, made when the request line arrives and freed when the
 * request completes. */
struct request {
    server *s;
    struct MHD_Connection *conn;
    bool headers_seen; /* the access handler has run once */
    bool nul_in_path;  /* the raw path holds %00, which decoding would hide */
    char *raw_uri;     /* as sent, for the ?token= redirect */
    pv_intake *intake; /* an upload in progress, or NULL */
    bool uploading;
    bool discarding; /* refused while its body comes: dropped, then answered */
    size_t discarded;
    time_t discard_since;
    pv_intake_answer refusal;
    /* A job on the pool: */
    const route *route;
    char *path, *method; /* copies for the job */
    bool queued, done;
    bool upload_job;
    bool page_job;                             /* the reply is the page (text/html), not JSON */
    pv_page_start page_start;                  /* what the page's URL asks (page.h) */
    char page_profile[PV_REGISTRY_ID_LEN + 1]; /* its profile argument, when short enough */
    pv_api_reply reply; /* a page job's: status 200 with the page, 404 or 500 without */
    bool reply_packed;  /* the job gzip-compressed reply.body (pv_respond_pack) */
    int reply_rc;
    char location[64];
};

/* A query argument of conn (an api_arg callback, ctx the connection). */
int pv_http_lookup_arg(void *ctx, const char *name, const char **value, size_t *len);

/* In team mode, rescans the folder when it changed (folder.h). */
void pv_http_rescan(server *s);

/* Hands r to the pool (fn, declared cost bytes) and suspends its
 * connection; a full pool is 503. */
enum MHD_Result pv_http_submit(request *r, void (*fn)(void *), size_t cost);

/* The pool job of an upload whose body is in (r->intake). */
void pv_http_upload_job(void *arg);

/* An /api request: its route, inline or on the pool. */
enum MHD_Result pv_http_serve_api(request *r, const char *url, const char *method);

/* True for GET or HEAD of / or /index.html. */
bool pv_http_is_page(const char *url, const char *method);

/* The page: made on the pool (page.h), or index.html as it is when the
 * pool is full. */
enum MHD_Result pv_http_serve_page(request *r, const char *url, const char *method);

/* Queues the page a page job made. */
enum MHD_Result pv_http_respond_page(request *r);

#endif
