/* http.c: the microhttpd daemon, request routing, static files and gzip.
 *
 * The listening socket is opened here rather than by microhttpd, so that a
 * port in use can be told apart from other failures and the next port tried,
 * and so that port 0 reports the port the system chose.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "api.h"
#include "embed.h"

#define MAX_WEB_ROOT_FILE ((size_t)64 << 20)

/* An embedded file with what serving it needs, prepared at start. */
typedef struct asset {
    const pv_embed_file *file;
    const char *content_type;
    char etag[24];     /* "\"<16 hex>\"" */
    unsigned char *gz; /* compressed copy, or NULL when not worth it */
    size_t gz_size;
} asset;

struct pv_http_server {
    struct MHD_Daemon *daemon;
    pv_registry *registry;
    char *web_root;
    asset *assets;
    size_t nassets;
    unsigned port;
    char url[300];
};

/* ---- gzip ------------------------------------------------------------- */

/* Compresses len bytes into a new gzip buffer. Returns it (caller frees) with
 * *out_len set, or NULL when out of memory or when it would not be smaller. */
static unsigned char *gzip_bytes(const void *data, size_t len, int level, size_t *out_len)
{
    if (len > UINT32_MAX) return NULL;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&zs, (uLong)len);
    unsigned char *out = malloc(cap);
    if (!out) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t produced = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END || produced >= len) {
        free(out);
        return NULL;
    }
    *out_len = produced;
    return out;
}

/* True when the request's Accept-Encoding takes gzip (gzip, x-gzip or *,
 * with a q-value that is not zero). */
static bool accepts_gzip(struct MHD_Connection *conn)
{
    const char *h =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    if (!h) return false;
    while (*h) {
        while (*h == ' ' || *h == '\t' || *h == ',')
            h++;
        const char *tok = h;
        while (*h && *h != ',' && *h != ';' && *h != ' ' && *h != '\t')
            h++;
        size_t tok_len = (size_t)(h - tok);
        bool named = (tok_len == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
                     (tok_len == 6 && strncasecmp(tok, "x-gzip", 6) == 0) ||
                     (tok_len == 1 && *tok == '*');
        bool zero = false;
        while (*h && *h != ',') {
            /* Parameters: only q matters. */
            if ((*h == 'q' || *h == 'Q') && h[1] == '=') {
                char *end = NULL;
                double q = strtod(h + 2, &end);
                zero = end != h + 2 && q <= 0;
                h = end != h + 2 ? end : h + 2;
                continue;
            }
            h++;
        }
        if (named && !zero) return true;
    }
    return false;
}

/* ---- Responses ------------------------------------------------------------ */

static bool is_compressible(const char *content_type)
{
    return strncmp(content_type, "text/", 5) == 0 || strstr(content_type, "javascript") ||
           strstr(content_type, "json") || strstr(content_type, "svg");
}

static void add_common_headers(struct MHD_Response *r, const char *content_type)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

/* Queues a response of status with body (a malloc'd buffer, taken over in
 * every case), gzip-compressing it when accepted and large enough. */
static enum MHD_Result queue_owned(struct MHD_Connection *conn, unsigned status, char *body,
                                   size_t len, const char *content_type, const char *cache_control)
{
    bool compressible = is_compressible(content_type);
    bool gz = false;
    if (compressible && len > PV_HTTP_GZIP_MIN && accepts_gzip(conn)) {
        size_t gz_len = 0;
        unsigned char *packed = gzip_bytes(body, len, 3, &gz_len);
        if (packed) {
            free(body);
            body = (char *)packed;
            len = gz_len;
            gz = true;
        }
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    add_common_headers(r, content_type);
    if (cache_control) MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control);
    if (compressible) MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (gz) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Queues a constant body (never freed). */
static enum MHD_Result queue_static(struct MHD_Connection *conn, unsigned status, const char *body,
                                    const char *content_type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
                                                             MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    add_common_headers(r, content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result not_found(struct MHD_Connection *conn)
{
    return queue_static(conn, MHD_HTTP_NOT_FOUND, "404 not found\n", "text/plain; charset=utf-8");
}

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

static enum MHD_Result serve_api(pv_http_server *s, struct MHD_Connection *conn, const char *url,
                                 const char *method)
{
    pv_api_request req = {.method = method, .path = url, .arg = lookup_arg, .arg_ctx = conn};
    pv_api_reply reply;
    if (pv_api_handle(s->registry, &req, &reply) < 0)
        return queue_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "{\"error\":\"out of memory\"}",
                            "application/json; charset=utf-8");
    return queue_owned(conn, reply.status, reply.body, reply.len, "application/json; charset=utf-8",
                       "no-store");
}

/* ---- Static files ------------------------------------------------------------- */

static const char *content_type_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".txt", "text/plain; charset=utf-8"},
        {".wasm", "application/wasm"},
    };
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash)) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    }
    return "application/octet-stream";
}

/* Maps a decoded URL path to a file path relative to the web root, or returns
 * false when it can't name a file: only segments of [A-Za-z0-9._-] that don't
 * start with '.', so "..", encoded dots (whose '%' survives one decoding),
 * backslashes and empty segments are all refused. "/" means index.html. */
static bool web_path(const char *url, char *out, size_t size)
{
    if (url[0] != '/') return false;
    const char *p = url + 1;
    if (!*p) p = "index.html";
    size_t len = strlen(p);
    if (len >= size) return false;
    bool segment_start = true;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '/') {
            if (segment_start) return false; /* empty segment */
            segment_start = true;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok || (segment_start && c == '.')) return false;
        segment_start = false;
    }
    if (segment_start) return false; /* trailing slash */
    memcpy(out, p, len + 1);
    return true;
}

static const asset *find_asset(const pv_http_server *s, const char *path)
{
    size_t lo = 0, hi = s->nassets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->assets[mid].file->path, path);
        if (c == 0) return &s->assets[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool etag_matches(struct MHD_Connection *conn, const char *etag)
{
    const char *h =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    return h && (strstr(h, etag) || strcmp(h, "*") == 0);
}

static enum MHD_Result serve_asset(struct MHD_Connection *conn, const asset *a)
{
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    bool gz = false;
    if (etag_matches(conn, a->etag)) {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else if (a->gz && accepts_gzip(conn)) {
        r = MHD_create_response_from_buffer(a->gz_size, a->gz, MHD_RESPMEM_PERSISTENT);
        gz = true;
    } else {
        r = MHD_create_response_from_buffer(a->file->size, (void *)(uintptr_t)a->file->data,
                                            MHD_RESPMEM_PERSISTENT);
    }
    if (!r) return MHD_NO;
    add_common_headers(r, a->content_type);
    /* Files keep their names across versions, so clients revalidate with
     * the ETag every time (a cheap 304). */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, a->etag);
    if (a->gz) MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (gz) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Serves rel (already checked by web_path) from the web root on disk. */
static enum MHD_Result serve_disk(pv_http_server *s, struct MHD_Connection *conn, const char *rel)
{
    char full[4096];
    int w = snprintf(full, sizeof full, "%s/%s", s->web_root, rel);
    if (w < 0 || (size_t)w >= sizeof full) return not_found(conn);
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return not_found(conn);
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > MAX_WEB_ROOT_FILE) {
        close(fd);
        return not_found(conn);
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = malloc(size ? size : 1);
    while (buf && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != size) {
        free(buf);
        return queue_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the file\n",
                            "text/plain; charset=utf-8");
    }
    return queue_owned(conn, MHD_HTTP_OK, buf, size, content_type_of(rel), "no-store");
}

static enum MHD_Result serve_web(pv_http_server *s, struct MHD_Connection *conn, const char *url,
                                 const char *method)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return queue_static(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "405 method not allowed\n",
                            "text/plain; charset=utf-8");
    char rel[1024];
    if (!web_path(url, rel, sizeof rel)) return not_found(conn);
    if (s->web_root) return serve_disk(s, conn, rel);
    const asset *a = find_asset(s, rel);
    return a ? serve_asset(conn, a) : not_found(conn);
}

/* ---- microhttpd callbacks --------------------------------------------------- */

/* Per-request state, made when the request line arrives and freed when the
 * request completes. Team mode will keep upload state here too. */
typedef struct request {
    bool headers_seen; /* the access handler has run once */
    bool nul_in_path;  /* the raw path holds %00, which decoding would hide */
} request;

/* Called with the raw (still encoded) URI before anything else. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    request *r = calloc(1, sizeof *r);
    if (!r) return NULL;
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
    free(*con_cls);
    *con_cls = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    pv_http_server *s = cls;
    request *r = *con_cls;
    if (!r)
        return queue_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n",
                            "text/plain; charset=utf-8");
    if (!r->headers_seen) {
        /* First call: headers only. Answer on the next call. */
        r->headers_seen = true;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        /* A body nobody asked for: read and drop it. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    bool api = strcmp(url, "/api") == 0 || strncmp(url, "/api/", 5) == 0;
    if (r->nul_in_path) {
        if (!api) return not_found(conn);
        return queue_static(conn, MHD_HTTP_NOT_FOUND, "{\"error\":\"no such API endpoint\"}",
                            "application/json; charset=utf-8");
    }
    if (api) return serve_api(s, conn, url, method);
    return serve_web(s, conn, url, method);
}

/* ---- Start and stop --------------------------------------------------------- */

static int prepare_assets(pv_http_server *s, pv_error *err)
{
    s->nassets = pv_embed_count;
    s->assets = calloc(s->nassets ? s->nassets : 1, sizeof *s->assets);
    if (!s->assets) return pv_fail(err, -1, "out of memory");
    for (size_t i = 0; i < s->nassets; i++) {
        asset *a = &s->assets[i];
        a->file = &pv_embed_files[i];
        a->content_type = content_type_of(a->file->path);
        uint64_t h = pv_registry_hash(PV_REGISTRY_HASH_SEED, a->file->data, a->file->size);
        snprintf(a->etag, sizeof a->etag, "\"%016llx\"", (unsigned long long)h);
        if (is_compressible(a->content_type) && a->file->size > 1024)
            a->gz = gzip_bytes(a->file->data, a->file->size, 9, &a->gz_size);
    }
    return 0;
}

static void format_url(pv_http_server *s, const char *host)
{
    bool v6 = strchr(host, ':') != NULL;
    snprintf(s->url, sizeof s->url, "http://%s%s%s:%u/", v6 ? "[" : "", host, v6 ? "]" : "",
             s->port);
}

/* Opens a listening socket on host at the first free port of [port, port +
 * tries). Returns the socket (and sets *bound_port), or -1 with err filled. */
static int open_listener(const char *host, unsigned port, unsigned tries, unsigned *bound_port,
                         pv_error *err)
{
    if (tries == 0) tries = 1;
    unsigned last = port + tries - 1 > 65535 ? 65535 : port + tries - 1;
    if (port == 0) last = 0;
    for (unsigned p = port; p <= last; p++) {
        char service[8];
        snprintf(service, sizeof service, "%u", p);
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        int gai = getaddrinfo(host, service, &hints, &res);
        if (gai != 0) return pv_fail(err, -1, "cannot listen on %s: %s", host, gai_strerror(gai));
        int in_use = 0, fd = -1, saved = 0;
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
            fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
            if (fd < 0) {
                saved = errno;
                continue;
            }
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
                saved = errno;
                in_use |= saved == EADDRINUSE;
                close(fd);
                fd = -1;
            }
        }
        freeaddrinfo(res);
        if (fd >= 0) {
            int flags = fcntl(fd, F_GETFL);
            if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                saved = errno;
                close(fd);
                return pv_fail(err, -1, "cannot listen on %s: %s", host, strerror(saved));
            }
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            *bound_port = p;
            if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
                if (ss.ss_family == AF_INET)
                    *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
                else if (ss.ss_family == AF_INET6)
                    *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
            }
            return fd;
        }
        if (!in_use)
            return pv_fail(err, -1, "cannot listen on %s port %u: %s", host, p,
                           strerror(saved ? saved : EINVAL));
    }
    if (last == port) return pv_fail(err, -1, "port %u on %s is in use", port, host);
    return pv_fail(err, -1, "ports %u to %u on %s are all in use", port, last, host);
}

int pv_http_start(const pv_http_config *config, pv_http_server **out, pv_error *err)
{
    pv_http_server *s = calloc(1, sizeof *s);
    int fd = -1;
    if (!s) return pv_fail(err, -1, "out of memory");
    s->registry = config->registry;
    if (config->web_root) {
        struct stat st;
        if (stat(config->web_root, &st) < 0 || !S_ISDIR(st.st_mode)) {
            pv_fail(err, -1, "--web-root %s: not a folder", config->web_root);
            goto fail;
        }
        s->web_root = strdup(config->web_root);
        if (!s->web_root) {
            pv_fail(err, -1, "out of memory");
            goto fail;
        }
    }
    if (prepare_assets(s, err) < 0) goto fail;

    const char *host = config->host ? config->host : "127.0.0.1";
    fd = open_listener(host, config->port, config->port_tries, &s->port, err);
    if (fd < 0) goto fail;
    format_url(s, host);

    unsigned threads = config->threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n < 2 ? 2 : n > 16 ? 16 : (unsigned)n;
    }
    unsigned max_conn = config->max_connections ? config->max_connections : 256;
    unsigned timeout = config->timeout_seconds ? config->timeout_seconds : 30;
    s->daemon =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, on_request,
                         s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_THREAD_POOL_SIZE,
                         threads, MHD_OPTION_CONNECTION_LIMIT, max_conn,
                         MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_URI_LOG_CALLBACK,
                         on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->daemon) {
        pv_fail(err, -1, "cannot start the HTTP server on %s", s->url);
        goto fail;
    }
    *out = s;
    return 0;

fail:
    if (fd >= 0) close(fd);
    pv_http_stop(s);
    return -1;
}

const char *pv_http_url(const pv_http_server *server)
{
    return server->url;
}

unsigned pv_http_port(const pv_http_server *server)
{
    return server->port;
}

void pv_http_stop(pv_http_server *s)
{
    if (!s) return;
    if (s->daemon) MHD_stop_daemon(s->daemon);
    for (size_t i = 0; i < s->nassets; i++)
        free(s->assets[i].gz);
    free(s->assets);
    free(s->web_root);
    free(s);
}
