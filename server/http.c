/* http.c: the microhttpd daemon, the front door and microhttpd's callbacks
 * (see http.h); the routes and their pool jobs are http_routes.c's, what the
 * two share http_internal.h's.
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
#include "http_internal.h"
#include "pool.h"
#include "respond.h"
#include "status.h"

/* The memory microhttpd gives each connection for the request line, the
 * headers and the query: room for thousands of parameters. */
#define CONNECTION_MEMORY ((size_t)256 << 10)

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
        if (get && pv_http_lookup_arg(conn, "token", &t, &len) &&
            pv_auth_token_equal(s->token, t, len))
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
        if (r->page_job) return pv_http_respond_page(r);
        if (r->reply_rc < 0) return pv_respond_oom(&s->policy, conn);
        return pv_respond_reply_packed(&s->policy, conn, &r->reply, r->reply_packed,
                                       r->location[0] ? r->location : NULL);
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
        return pv_http_submit(r, pv_http_upload_job, s->upload_cost);
    }
    if (r->nul_in_path) return pv_respond_not_found(&s->policy, conn, api);
    if (api) return pv_http_serve_api(r, url, method);
    if (pv_http_is_page(url, method)) return pv_http_serve_page(r, url, method);
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
