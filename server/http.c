/* http.c: the microhttpd daemon, the front door, the route table and
 * responses (see http.h).
 *
 * A request's life: on_uri makes its record; the first call of on_request
 * (headers only) marks the connection busy for the guard and runs the front
 * door; later calls bring the body (uploads); the last one routes it. A
 * route that runs on the pool suspends the connection, and the job resumes
 * it with its reply in the record; microhttpd then calls on_request once
 * more, which queues that reply. on_completed frees the record and tells
 * the guard the connection waits for its next request.
 * Responses are respond.h's, the listening socket listen.h's.
 */
#include "http.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "assets.h"
#include "auth.h"
#include "guard.h"
#include "gzip.h"
#include "intake.h"
#include "listen.h"
#include "page.h"
#include "pool.h"
#include "respond.h"
#include "status.h"

/* The memory microhttpd gives each connection for the request line, the
 * headers and the query: room for thousands of parameters. */
#define CONNECTION_MEMORY ((size_t)256 << 10)
/* A tree or page job's declared memory (most are far smaller). */
#define API_JOB_COST ((size_t)32 << 20)
/* The page job's: the list of profiles, its escaped copy and the page. */
#define PAGE_JOB_COST (8 * PV_PAGE_MAX_LIST)

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
    int reply_rc;
    char location[64];
};

/* ---- API ---------------------------------------------------------------------- */

static int lookup_arg(void *ctx, const char *name, const char **value, size_t *len)
{
    struct MHD_Connection *conn = ctx;
    const char *v = NULL;
    size_t n = 0;
    if (MHD_lookup_connection_value_n(conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v, &n) !=
        MHD_YES)
        return 0;
    *value = v ? v : "";
    *len = v ? n : 0;
    return 1;
}

/* In team mode, rescans the folder when it changed (folder.h). */
static void rescan(server *s)
{
    pv_error err;
    if (s->folder && pv_folder_refresh(s->folder, &err) < 0)
        fprintf(stderr, "profviz: %s\n", err.message);
}

static int api_plain(server *s, const pv_api_request *req, pv_api_reply *reply)
{
    return pv_api_handle(s->registry, req, reply);
}

static int api_list(server *s, const pv_api_request *req, pv_api_reply *reply)
{
    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) rescan(s);
    return pv_api_handle(s->registry, req, reply);
}

/* The routes under /api, first match wins; everything else is the web UI.
 * A new endpoint is a new row (before "/api/" when it is under it). */
static const route routes[] = {
    {"/api/health", false, false, api_plain},
    {"/api/profiles", false, true, api_list},
    {"/api/", true, true, api_plain},
    {"/api", false, false, api_plain},
};

static const route *find_route(const char *url)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const route *r = &routes[i];
        if (r->prefix ? strncmp(url, r->path, strlen(r->path)) == 0 : strcmp(url, r->path) == 0)
            return r;
    }
    return NULL;
}

static void fill_api_request(const request *r, const char *path, const char *method,
                             pv_api_request *req)
{
    *req = (pv_api_request){.method = method,
                            .path = path,
                            .arg = lookup_arg,
                            .arg_ctx = r->conn,
                            .uploads = r->s->folder && pv_folder_writable(r->s->folder),
                            .newest_first = r->s->folder != NULL};
}

/* The pool job of an API route. */
static void run_api_job(void *arg)
{
    request *r = arg;
    pv_api_request req;
    fill_api_request(r, r->path, r->method, &req);
    r->reply_rc = r->route->fn(r->s, &req, &r->reply);
    r->done = true;
    MHD_resume_connection(r->conn);
}

/* The pool job of an upload: parse and store it, then its summary. */
static void run_upload_job(void *arg)
{
    request *r = arg;
    server *s = r->s;
    const char *name = NULL;
    size_t name_len = 0;
    if (!lookup_arg(r->conn, "name", &name, &name_len) || !*name)
        name = pv_intake_part_name(r->intake) ? pv_intake_part_name(r->intake) : "upload.prof";
    char id[PV_REGISTRY_ID_LEN + 1];
    pv_error err;
    rescan(s); /* files copied in since the last scan count for dedupe */
    pv_upload_result result = pv_intake_store(r->intake, name, id, &err);
    if (result == PV_UPLOAD_INVALID || result == PV_UPLOAD_FAILED) {
        char message[PV_ERROR_MESSAGE_MAX + 40];
        pv_error_format(&err, message, sizeof message);
        unsigned status =
            result == PV_UPLOAD_INVALID ? MHD_HTTP_BAD_REQUEST : pv_status_of(err.kind);
        r->reply_rc = pv_api_error_reply(status, message, &r->reply);
    } else {
        bool stored = result == PV_UPLOAD_STORED;
        r->reply_rc = pv_api_summary_reply(s->registry, id, stored ? MHD_HTTP_CREATED : MHD_HTTP_OK,
                                           &r->reply);
        if (r->reply_rc == 0 && r->reply.status == MHD_HTTP_CREATED)
            snprintf(r->location, sizeof r->location, "/api/profiles/%s", id);
    }
    r->done = true;
    MHD_resume_connection(r->conn);
}

/* Hands the request to the pool and suspends its connection. */
static enum MHD_Result submit(request *r, void (*fn)(void *), size_t cost)
{
    r->queued = true;
    MHD_suspend_connection(r->conn);
    if (pv_pool_submit(r->s->pool, cost, fn, r) < 0) {
        MHD_resume_connection(r->conn);
        r->queued = false;
        return pv_respond_error(&r->s->policy, r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                                "the server is busy: try again in a moment");
    }
    return MHD_YES;
}

static enum MHD_Result serve_api(request *r, const char *url, const char *method)
{
    server *s = r->s;
    const route *rt = find_route(url);
    if (!rt) return pv_respond_not_found(&s->policy, r->conn, true);
    if (!rt->pooled) {
        pv_api_request req;
        pv_api_reply reply;
        fill_api_request(r, url, method, &req);
        if (rt->fn(s, &req, &reply) < 0) return pv_respond_oom(&s->policy, r->conn);
        return pv_respond_reply(&s->policy, r->conn, &reply, NULL);
    }
    r->route = rt;
    r->path = strdup(url);
    r->method = strdup(method);
    if (!r->path || !r->method) return pv_respond_oom(&s->policy, r->conn);
    return submit(r, run_api_job, API_JOB_COST);
}

/* ---- The page ----------------------------------------------------------------- */

static bool is_page(const char *url, const char *method)
{
    return (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0) &&
           (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
}

/* Fills reply with index.html and its start data (page.h): status 200 and
 * the page, or 404 (no index.html) or 500 (unreadable, out of memory)
 * without a body. */
static void page_reply(server *s, const pv_page_start *start, pv_api_reply *reply)
{
    *reply = (pv_api_reply){.status = 500};
    pv_asset a;
    unsigned char *owned = NULL;
    pv_error err;
    int found = pv_assets_find(s->assets, "index.html", &a, &owned, &err);
    if (found <= 0) {
        reply->status = found == 0 ? MHD_HTTP_NOT_FOUND : MHD_HTTP_INTERNAL_SERVER_ERROR;
        return;
    }
    size_t jlen = 0;
    char *json = pv_page_boot_json(s->registry, s->folder && pv_folder_writable(s->folder),
                                   s->folder != NULL, PV_PAGE_MAX_LIST, start, &jlen);
    if (json) {
        reply->body = pv_page_render((const char *)a.data, a.size, json, jlen, &reply->len);
        if (reply->body) reply->status = MHD_HTTP_OK;
    }
    free(json);
    free(owned);
}

/* The pool job of the page: the list may need a rescan of the folder. */
static void run_page_job(void *arg)
{
    request *r = arg;
    rescan(r->s);
    page_reply(r->s, &r->page_start, &r->reply);
    r->reply_rc = 0;
    r->done = true;
    MHD_resume_connection(r->conn);
}

/* Queues the page a page job made. */
static enum MHD_Result respond_page(request *r)
{
    server *s = r->s;
    if (r->reply.status == MHD_HTTP_NOT_FOUND)
        return pv_respond_not_found(&s->policy, r->conn, false);
    if (!r->reply.body)
        return pv_respond_static(&s->policy, r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                 "cannot make the page\n", pv_respond_text_type);
    char *body = r->reply.body;
    r->reply.body = NULL;
    return pv_respond_owned(&s->policy, r->conn, MHD_HTTP_OK, body, r->reply.len,
                            "text/html; charset=utf-8", "no-store", NULL);
}

/* Hands the page to the pool; when the pool is full, the plain index.html
 * (the page then asks the API for what it would have held). */
static enum MHD_Result serve_page(request *r, const char *url, const char *method)
{
    /* a URL that names at most the profile gets the start tree (page.h) */
    const char *profile = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "profile");
    int args = MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    r->page_start =
        (pv_page_start){.plain = args == (profile ? 1 : 0), .max_tree = PV_PAGE_MAX_TREE};
    if (profile && strlen(profile) < sizeof r->page_profile) {
        memcpy(r->page_profile, profile, strlen(profile) + 1);
        r->page_start.profile = r->page_profile;
    } else if (profile) {
        r->page_start.plain = false;
    }
    r->queued = true;
    r->page_job = true;
    MHD_suspend_connection(r->conn);
    if (pv_pool_submit(r->s->pool, PAGE_JOB_COST, run_page_job, r) < 0) {
        MHD_resume_connection(r->conn);
        r->queued = false;
        r->page_job = false;
        return pv_respond_web(&r->s->policy, r->s->assets, r->conn, url, method);
    }
    return MHD_YES;
}

/* ---- The front door ------------------------------------------------------- */

static pv_guard_conn *guard_record(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* True when the request carries the token in its Authorization header or
 * its cookie. */
static bool has_token(const server *s, struct MHD_Connection *conn)
{
    if (pv_auth_bearer_matches(s->token, header(conn, MHD_HTTP_HEADER_AUTHORIZATION))) return true;
    const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "profviz_token");
    return cookie && pv_auth_token_equal(s->token, cookie, strlen(cookie));
}

static enum MHD_Result unauthorized(const server *s, struct MHD_Connection *conn, bool api)
{
    if (api)
        return pv_respond_static(&s->policy, conn, MHD_HTTP_UNAUTHORIZED,
                                 "{\"error\":\"a token is required\"}", pv_respond_json_type);
    return pv_respond_static(
        &s->policy, conn, MHD_HTTP_UNAUTHORIZED,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>profviz: token "
        "required</title></head><body><h1>A token is required</h1><p>This "
        "profviz server needs a token. Open the link you were given (it ends with "
        "<code>?token=...</code>) once, or send <code>Authorization: Bearer "
        "TOKEN</code>.</p></body></html>\n",
        "text/html; charset=utf-8");
}

/* Answers a GET with a correct ?token=: sets the cookie and redirects to the
 * same local path without the token parameter. */
static enum MHD_Result token_redirect(const server *s, struct MHD_Connection *conn,
                                      const char *raw_uri)
{
    size_t size = strlen(raw_uri) + 2;
    char *location = malloc(size);
    char *cookie = malloc(strlen(s->token) + 64);
    if (!location || !cookie) {
        free(location);
        free(cookie);
        return MHD_NO;
    }
    pv_auth_redirect_target(raw_uri, location, size);
    sprintf(cookie, "profviz_token=%s; HttpOnly; SameSite=Strict; Path=/", s->token);
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (r) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    }
    free(location);
    free(cookie);
    return pv_respond(&s->policy, conn, MHD_HTTP_SEE_OTHER, r, NULL, "no-store");
}

/* First call for a request (headers only): Host, Origin, token, and the
 * start of an upload. Returns MHD_YES without queueing anything when the
 * request goes on. */
static enum MHD_Result on_headers(server *s, request *r, const char *url, const char *method,
                                  bool api)
{
    struct MHD_Connection *conn = r->conn;
    const char *host = header(conn, MHD_HTTP_HEADER_HOST);
    if (!pv_auth_host_allowed(&s->rules, host))
        return pv_respond_error(&s->policy, conn, MHD_HTTP_FORBIDDEN,
                                "this server answers requests for localhost only: start it with "
                                "--allow-host NAME to serve it under another name");
    if (pv_auth_changes_state(method) &&
        !pv_auth_same_origin(host, header(conn, MHD_HTTP_HEADER_ORIGIN),
                             header(conn, "Sec-Fetch-Site")))
        return pv_respond_error(&s->policy, conn, MHD_HTTP_FORBIDDEN,
                                "cross-origin requests may not change anything here");
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (s->token && !(get && strcmp(url, "/api/health") == 0)) {
        const char *t = NULL;
        size_t len = 0;
        if (get && lookup_arg(conn, "token", &t, &len) && pv_auth_token_equal(s->token, t, len))
            return token_redirect(s, conn, r->raw_uri);
        if (!has_token(s, conn)) return unauthorized(s, conn, api);
    }
    if (strcmp(method, "POST") == 0 && strcmp(url, "/api/profiles") == 0 && !r->nul_in_path) {
        const char *expect = header(conn, MHD_HTTP_HEADER_EXPECT);
        pv_intake_answer answer;
        pv_intake_step step =
            pv_intake_begin(s->folder, s->max_upload, header(conn, MHD_HTTP_HEADER_CONTENT_TYPE),
                            header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH),
                            expect && strcasecmp(expect, "100-continue") == 0, &r->intake, &answer);
        if (step == PV_INTAKE_ANSWER) {
            if (answer.status == MHD_HTTP_CONTENT_TOO_LARGE)
                pv_guard_linger(s->guard, guard_record(conn));
            return pv_respond_error(&s->policy, conn, answer.status, answer.message);
        }
        r->uploading = true;
    }
    return MHD_YES;
}

/* ---- microhttpd callbacks --------------------------------------------------- */

/* Called with the raw (still encoded) URI before anything else. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    request *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->s = cls;
    r->conn = conn;
    r->raw_uri = strdup(uri);
    if (!r->raw_uri) {
        free(r);
        return NULL;
    }
    size_t path_len = strcspn(uri, "?");
    for (size_t i = 0; i + 2 < path_len; i++) {
        if (uri[i] == '%' && uri[i + 1] == '0' && uri[i + 2] == '0') {
            r->nul_in_path = true;
            break;
        }
    }
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    server *s = cls;
    (void)code;
    request *r = *con_cls;
    if (r) {
        pv_intake_free(r->intake); /* an unfinished upload's temporary file goes here */
        free(r->reply.body);
        free(r->path);
        free(r->method);
        free(r->raw_uri);
        free(r);
    }
    *con_cls = NULL;
    pv_guard_waiting(s->guard, guard_record(conn));
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *addr =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = addr ? addr->client_addr : NULL;
        socklen_t len = !sa                         ? 0
                        : sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                    : sizeof(struct sockaddr_in);
        *socket_context = fd ? pv_guard_opened(s->guard, fd->connect_fd, sa, len) : NULL;
    } else {
        pv_guard_closed(s->guard, *socket_context);
        *socket_context = NULL;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    server *s = cls;
    request *r = *con_cls;
    if (!r)
        return pv_respond_static(&s->policy, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                 "out of memory\n", pv_respond_text_type);
    bool api = strcmp(url, "/api") == 0 || strncmp(url, "/api/", 5) == 0;
    if (!r->headers_seen) {
        /* First call: headers only. Answer now (refusals), or on a later
         * call once the body is in. */
        r->headers_seen = true;
        pv_guard_busy(s->guard, guard_record(conn));
        return on_headers(s, r, url, method, api);
    }
    if (r->queued) {
        /* Resumed: the job's reply is ready. */
        if (!r->done) return MHD_YES;
        if (r->page_job) return respond_page(r);
        if (r->reply_rc < 0) return pv_respond_oom(&s->policy, conn);
        return pv_respond_reply(&s->policy, conn, &r->reply, r->location[0] ? r->location : NULL);
    }
    if (*upload_data_size != 0) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        if (r->discarding) {
            /* microhttpd answers a chunked body only once it is read: drop
             * it, within bounds, then answer. */
            r->discarded += size;
            return r->discarded > PV_GUARD_LINGER_BYTES ||
                           time(NULL) - r->discard_since > PV_GUARD_LINGER_SECONDS
                       ? MHD_NO
                       : MHD_YES;
        }
        if (!r->uploading) return MHD_YES; /* a body nobody asked for: read and drop it */
        if (pv_intake_feed(r->intake, upload_data, size, &r->refusal) == PV_INTAKE_ANSWER) {
            r->uploading = false;
            r->discarding = true;
            r->discard_since = time(NULL);
        }
        return MHD_YES;
    }
    if (r->discarding)
        return pv_respond_error(&s->policy, conn, r->refusal.status, r->refusal.message);
    if (r->uploading) {
        r->uploading = false;
        pv_intake_answer answer;
        if (pv_intake_end(r->intake, &answer) == PV_INTAKE_ANSWER)
            return pv_respond_error(&s->policy, conn, answer.status, answer.message);
        return submit(r, run_upload_job, s->upload_cost);
    }
    if (r->nul_in_path) return pv_respond_not_found(&s->policy, conn, api);
    if (api) return serve_api(r, url, method);
    if (is_page(url, method)) return serve_page(r, url, method);
    return pv_respond_web(&s->policy, s->assets, conn, url, method);
}

/* ---- Start and stop --------------------------------------------------------- */

static int prepare_policy(server *s, const pv_http_config *c, pv_error *err)
{
    s->allow_hosts = calloc(c->nallow_hosts ? c->nallow_hosts : 1, sizeof *s->allow_hosts);
    if (!s->allow_hosts) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    for (size_t i = 0; i < c->nallow_hosts; i++)
        if (!(s->allow_hosts[i] = strdup(c->allow_hosts[i])))
            return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    s->rules.allow_hosts = (const char *const *)s->allow_hosts;
    s->rules.nallow_hosts = c->nallow_hosts;
    static const char base[] = "frame-ancestors 'self'";
    static const char rest[] =
        "; script-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'";
    size_t size = sizeof base + sizeof rest;
    for (size_t i = 0; i < c->nembed_origins; i++) {
        if (!pv_auth_valid_origin(c->embed_origins[i]))
            return pv_fail(err, PV_ERR_ARGUMENT, -1,
                           "--embed-origin %s: not an origin like http://localhost:8888",
                           c->embed_origins[i]);
        size += strlen(c->embed_origins[i]) + 1;
    }
    if (!(s->csp = malloc(size))) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    strcpy(s->csp, base);
    for (size_t i = 0; i < c->nembed_origins; i++) {
        strcat(s->csp, " ");
        strcat(s->csp, c->embed_origins[i]);
    }
    strcat(s->csp, rest);
    s->policy = (pv_respond_policy){.csp = s->csp, .frame_deny = c->nembed_origins == 0};
    return 0;
}

static unsigned processors(unsigned lo, unsigned hi)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < (long)lo ? lo : n > (long)hi ? hi : (unsigned)n;
}

int pv_http_start(const pv_http_config *config, pv_http_server **out, pv_error *err)
{
    server *s = calloc(1, sizeof *s);
    int fd = -1;
    /* The assets first: a job given in config is ours to finish either way. */
    pv_assets *assets = NULL;
    int made = config->assets ? pv_assets_finish(config->assets, &assets, err)
                              : pv_assets_new(config->web_root, &assets, err);
    if (!s || made < 0) {
        free(s);
        pv_assets_free(assets);
        return made < 0 ? -1 : pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    s->assets = assets;
    s->registry = config->registry;
    s->folder = config->folder;
    s->max_upload = config->max_upload_bytes ? config->max_upload_bytes : (size_t)200 << 20;
    s->upload_cost = config->inflate_cap_bytes ? config->inflate_cap_bytes : 4 * s->max_upload;
    if (config->token && !(s->token = strdup(config->token))) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto fail;
    }
    if (prepare_policy(s, config, err) < 0) goto fail;
    unsigned max_conn = config->max_connections ? config->max_connections : 256;
    pv_guard_config gc = {.header_seconds = config->header_seconds,
                          .max_connections = max_conn,
                          .per_address = config->per_ip_connections};
    if (pv_guard_new(&gc, &s->guard, err) < 0) goto fail;
    size_t budget = config->work_budget_bytes ? config->work_budget_bytes : (size_t)1 << 30;
    unsigned workers = config->workers ? config->workers : processors(2, 8);
    if (pv_pool_new(workers, 0, budget, &s->pool, err) < 0) goto fail;

    const char *host = config->host ? config->host : "127.0.0.1";
    fd = pv_listen_open(host, config->port, config->port_tries, &s->port, err);
    if (fd < 0) goto fail;
    pv_listen_url(host, s->port, s->url, sizeof s->url);

    unsigned threads = config->threads ? config->threads : processors(2, 16);
    unsigned timeout = config->timeout_seconds ? config->timeout_seconds : 30;
    /* microhttpd's own limit is a backstop above the guard's, which makes
     * room by cutting waiting connections before it is reached. */
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
        on_request, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_THREAD_POOL_SIZE,
        threads, MHD_OPTION_CONNECTION_LIMIT, max_conn + max_conn / 4 + threads,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        CONNECTION_MEMORY, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_END);
    if (!s->daemon) {
        pv_fail(err, PV_ERR_IO, -1, "cannot start the HTTP server on %s", s->url);
        goto fail;
    }
    *out = s;
    return 0;

fail:
    if (fd >= 0) close(fd);
    pv_http_stop(s);
    return -1;
}

const char *pv_http_url(const pv_http_server *s)
{
    return s->url;
}

unsigned pv_http_port(const pv_http_server *s)
{
    return s->port;
}

void pv_http_stop(pv_http_server *s)
{
    if (!s) return;
    /* The pool first: its jobs resume their connections, which the daemon
     * then finishes. */
    pv_pool_free(s->pool);
    if (s->daemon) MHD_stop_daemon(s->daemon);
    pv_guard_free(s->guard);
    pv_assets_free(s->assets);
    for (size_t i = 0; s->allow_hosts && i < s->rules.nallow_hosts; i++)
        free(s->allow_hosts[i]);
    free(s->allow_hosts);
    free(s->csp);
    free(s->token);
    free(s);
}
