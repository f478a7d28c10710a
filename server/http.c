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
#include "status.h"

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
    pv_folder *folder; /* team mode, or NULL */
    char *token;       /* or NULL */
    size_t max_upload;
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

static const char json_type[] = "application/json; charset=utf-8";

/* Queues an API reply (its body taken over), with a Location header when
 * location is not NULL. */
static enum MHD_Result queue_reply(struct MHD_Connection *conn, pv_api_reply *reply,
                                   const char *location)
{
    if (!reply->body) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        struct MHD_Response *r = MHD_create_response_from_buffer(
            sizeof oom - 1, (void *)(uintptr_t)oom, MHD_RESPMEM_PERSISTENT);
        if (!r) return MHD_NO;
        add_common_headers(r, json_type);
        enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, r);
        MHD_destroy_response(r);
        return ret;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(reply->len, reply->body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(reply->body);
        return MHD_NO;
    }
    add_common_headers(r, json_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (location) MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
    if (reply->status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(conn, reply->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Queues {"error": message} with status. */
static enum MHD_Result queue_error(struct MHD_Connection *conn, unsigned status,
                                   const char *message)
{
    pv_api_reply reply;
    pv_api_error_reply(status, message, &reply);
    return queue_reply(conn, &reply, NULL);
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

/* In team mode, rescans the folder before a listing and before a request
 * for a profile id the registry does not hold (a file just copied in). */
static void rescan_if_needed(pv_http_server *s, const char *url, const char *method)
{
    if (!s->folder || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)) return;
    bool scan = strcmp(url, "/api/profiles") == 0;
    if (!scan && strncmp(url, "/api/profiles/", 14) == 0) {
        char id[PV_REGISTRY_ID_LEN + 2];
        size_t len = strcspn(url + 14, "/");
        if (len > PV_REGISTRY_ID_LEN) return; /* not an id: 404 anyway */
        memcpy(id, url + 14, len);
        id[len] = '\0';
        scan = !pv_registry_contains(s->registry, id);
    }
    pv_error err;
    if (scan && pv_folder_scan(s->folder, &err) < 0) fprintf(stderr, "profviz: %s\n", err.message);
}

static enum MHD_Result serve_api(pv_http_server *s, struct MHD_Connection *conn, const char *url,
                                 const char *method)
{
    rescan_if_needed(s, url, method);
    pv_api_request req = {.method = method,
                          .path = url,
                          .arg = lookup_arg,
                          .arg_ctx = conn,
                          .uploads = s->folder && pv_folder_writable(s->folder)};
    pv_api_reply reply;
    if (pv_api_handle(s->registry, &req, &reply) < 0)
        return queue_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "{\"error\":\"out of memory\"}",
                            json_type);
    return queue_owned(conn, reply.status, reply.body, reply.len, json_type, "no-store");
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

/* ---- Token ------------------------------------------------------------------ */

/* Compares a and the token in time that depends on their lengths only. */
static bool token_equal(const char *token, const char *given, size_t given_len)
{
    size_t n = strlen(token);
    unsigned char diff = (unsigned char)(n != given_len);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(token[i] ^ (i < given_len ? given[i] : 0));
    return diff == 0;
}

/* True when the request carries the token in its Authorization header or
 * its cookie. */
static bool has_token(pv_http_server *s, struct MHD_Connection *conn)
{
    const char *auth =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
        const char *t = auth + 7;
        while (*t == ' ')
            t++;
        size_t len = strlen(t);
        while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\t'))
            len--;
        if (token_equal(s->token, t, len)) return true;
    }
    const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "profviz_token");
    return cookie && token_equal(s->token, cookie, strlen(cookie));
}

static enum MHD_Result unauthorized(struct MHD_Connection *conn, bool api)
{
    if (api)
        return queue_static(conn, MHD_HTTP_UNAUTHORIZED, "{\"error\":\"a token is required\"}",
                            json_type);
    return queue_static(conn, MHD_HTTP_UNAUTHORIZED,
                        "<!doctype html><html><head><meta charset=\"utf-8\"><title>profviz: token "
                        "required</title></head><body><h1>A token is required</h1><p>This "
                        "profviz server needs a token. Open the link you were given (it ends with "
                        "<code>?token=...</code>) once, or send <code>Authorization: Bearer "
                        "TOKEN</code>.</p></body></html>\n",
                        "text/html; charset=utf-8");
}

/* True when the raw query parameter at p (up to end) is named token. */
static bool is_token_param(const char *p, const char *end)
{
    return end - p >= 5 && strncmp(p, "token", 5) == 0 && (p + 5 == end || p[5] == '=');
}

/* Answers a GET with a correct ?token=: sets the cookie and redirects to the
 * same URL (raw, as sent) without the token parameter. */
static enum MHD_Result token_redirect(pv_http_server *s, struct MHD_Connection *conn,
                                      const char *raw_uri)
{
    size_t len = strlen(raw_uri);
    char *location = malloc(len + 1);
    char *cookie = malloc(strlen(s->token) + 64);
    if (!location || !cookie) {
        free(location);
        free(cookie);
        return MHD_NO;
    }
    size_t path_len = strcspn(raw_uri, "?#");
    memcpy(location, raw_uri, path_len);
    size_t out = path_len;
    const char *q = raw_uri[path_len] == '?' ? raw_uri + path_len + 1 : NULL;
    bool first = true;
    while (q && *q && *q != '#') {
        const char *end = q + strcspn(q, "&#");
        if (end > q && !is_token_param(q, end)) {
            location[out++] = first ? '?' : '&';
            memcpy(location + out, q, (size_t)(end - q));
            out += (size_t)(end - q);
            first = false;
        }
        q = *end == '&' ? end + 1 : end;
    }
    location[out] = '\0';
    if (out == 0) snprintf(location, len + 1, "/");
    sprintf(cookie, "profviz_token=%s; HttpOnly; SameSite=Strict; Path=/", s->token);
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_NO;
    if (r) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
        ret = MHD_queue_response(conn, MHD_HTTP_SEE_OTHER, r);
        MHD_destroy_response(r);
    }
    free(location);
    free(cookie);
    return ret;
}

/* ---- Uploads ------------------------------------------------------------------ */

/* How much of an over-limit body is still read (and dropped) so that the
 * client gets its 413; past this the connection is closed. */
#define DISCARD_ALLOWANCE ((size_t)16 << 20)

/* Per-request state, made when the request line arrives and freed when the
 * request completes. */
typedef struct request {
    bool headers_seen; /* the access handler has run once */
    bool nul_in_path;  /* the raw path holds %00, which decoding would hide */
    char *raw_uri;     /* as sent, for the ?token= redirect */
    /* An upload in progress (POST /api/profiles in team mode): */
    bool uploading;
    bool too_large;   /* past the limit: body dropped, 413 at the end */
    bool write_error; /* the temporary file could not be written */
    pv_error write_err;
    size_t received; /* body bytes so far */
    pv_upload *upload;
    struct MHD_PostProcessor *post; /* multipart/form-data, or NULL for a raw body */
    bool in_file;                   /* the multipart "file" field has started */
    bool file_done;                 /* ... and another field came after it */
    char *part_name;                /* the file name of that field */
} request;

static void request_free(request *r)
{
    if (!r) return;
    if (r->post) MHD_destroy_post_processor(r->post);
    pv_upload_abort(r->upload);
    free(r->part_name);
    free(r->raw_uri);
    free(r);
}

static void upload_write(request *r, const char *data, size_t len)
{
    pv_error err;
    if (r->write_error || !r->upload || len == 0) return;
    if (pv_upload_write(r->upload, data, len, &err) < 0) {
        r->write_error = true;
        r->write_err = err;
    }
}

/* Multipart fields: the first "file" field is the upload; others are
 * ignored. */
static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    request *r = cls;
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    if (!key || strcmp(key, "file") != 0) {
        if (r->in_file) r->file_done = true;
        return MHD_YES;
    }
    if (r->file_done || (r->in_file && off == 0 && pv_upload_size(r->upload) > 0)) {
        r->file_done = true; /* a second "file" field */
        return MHD_YES;
    }
    if (!r->in_file) {
        r->in_file = true;
        if (filename && *filename) r->part_name = strdup(filename);
    }
    upload_write(r, data, size);
    return MHD_YES;
}

/* True when the request's Content-Type is multipart/form-data. */
static bool is_multipart(struct MHD_Connection *conn)
{
    const char *ct =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    return ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
}

static enum MHD_Result too_large(pv_http_server *s, struct MHD_Connection *conn)
{
    char message[128];
    snprintf(message, sizeof message, "the upload is larger than the limit of %zu MB",
             s->max_upload >> 20);
    return queue_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, message);
}

/* First call of POST /api/profiles: refuse it, or start the upload. */
static enum MHD_Result upload_start(pv_http_server *s, struct MHD_Connection *conn, request *r)
{
    if (!s->folder) return queue_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "uploads need --dir");
    if (!pv_folder_writable(s->folder))
        return queue_error(conn, MHD_HTTP_FORBIDDEN,
                           "the profile folder is read-only: uploads are off");
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end = NULL;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (end != cl && (errno == ERANGE || n > s->max_upload)) return too_large(s, conn);
    }
    pv_error err;
    if (pv_upload_begin(s->folder, &r->upload, &err) < 0)
        return queue_error(conn, pv_status_of(err.kind), err.message);
    if (is_multipart(conn)) {
        r->post = MHD_create_post_processor(conn, 64 * 1024, on_part, r);
        if (!r->post) {
            pv_upload_abort(r->upload);
            r->upload = NULL;
            return queue_error(conn, MHD_HTTP_BAD_REQUEST,
                               "bad multipart/form-data: no boundary in the Content-Type");
        }
    }
    r->uploading = true;
    return MHD_YES;
}

/* A chunk of the body. */
static enum MHD_Result upload_chunk(pv_http_server *s, struct MHD_Connection *conn, request *r,
                                    const char *data, size_t size)
{
    r->received += size;
    if (!r->too_large && r->received > s->max_upload) {
        /* Stop storing at once; answer now if microhttpd lets us, else
         * read on (dropping it) to answer at the end. */
        r->too_large = true;
        pv_upload_abort(r->upload);
        r->upload = NULL;
        if (too_large(s, conn) == MHD_YES) {
            r->uploading = false;
            return MHD_YES;
        }
    }
    if (r->too_large) return r->received - s->max_upload > DISCARD_ALLOWANCE ? MHD_NO : MHD_YES;
    if (r->post) {
        if (MHD_post_process(r->post, data, size) != MHD_YES && !r->write_error) {
            r->write_error = true;
            pv_fail(&r->write_err, PV_ERR_INPUT, -1, "bad multipart/form-data body");
        }
    } else {
        upload_write(r, data, size);
    }
    return MHD_YES;
}

/* The body is complete: store it and answer. */
static enum MHD_Result upload_end(pv_http_server *s, struct MHD_Connection *conn, request *r)
{
    r->uploading = false;
    if (r->too_large) return too_large(s, conn);
    bool multipart = r->post != NULL;
    if (r->post) {
        MHD_destroy_post_processor(r->post);
        r->post = NULL;
    }
    /* From here every answer but success deletes the temporary file first,
     * so that no client sees it after its answer. */
    if (r->write_error || (multipart && !r->in_file)) {
        pv_upload_abort(r->upload);
        r->upload = NULL;
    }
    if (r->write_error) {
        return queue_error(conn, pv_status_of(r->write_err.kind), r->write_err.message);
    }
    if (multipart && !r->in_file)
        return queue_error(conn, MHD_HTTP_BAD_REQUEST,
                           "the multipart/form-data body has no field named \"file\"");
    const char *name = NULL;
    size_t name_len = 0;
    if (!lookup_arg(conn, "name", &name, &name_len) || !*name)
        name = r->part_name ? r->part_name : "upload.prof";
    char id[PV_REGISTRY_ID_LEN + 1];
    pv_error err;
    pv_upload *u = r->upload;
    r->upload = NULL;
    pv_upload_result result = pv_upload_finish(u, name, id, &err);
    pv_api_reply reply;
    if (result == PV_UPLOAD_INVALID) {
        char message[PV_ERROR_MESSAGE_MAX + 32];
        pv_error_format(&err, message, sizeof message);
        return queue_error(conn, MHD_HTTP_BAD_REQUEST, message);
    }
    if (result == PV_UPLOAD_FAILED) return queue_error(conn, pv_status_of(err.kind), err.message);
    bool stored = result == PV_UPLOAD_STORED;
    pv_api_summary_reply(s->registry, id, stored ? MHD_HTTP_CREATED : MHD_HTTP_OK, &reply);
    char location[64];
    snprintf(location, sizeof location, "/api/profiles/%s", id);
    return queue_reply(conn, &reply, stored && reply.status == MHD_HTTP_CREATED ? location : NULL);
}

/* ---- microhttpd callbacks --------------------------------------------------- */

/* Called with the raw (still encoded) URI before anything else. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    request *r = calloc(1, sizeof *r);
    if (!r) return NULL;
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
    (void)cls;
    (void)conn;
    (void)code;
    request_free(*con_cls); /* an unfinished upload's temporary file goes here */
    *con_cls = NULL;
}

/* First call for a request (headers only): the token, and uploads. Returns
 * MHD_YES without queueing anything when the request goes on. */
static enum MHD_Result on_headers(pv_http_server *s, struct MHD_Connection *conn, request *r,
                                  const char *url, const char *method, bool api)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (s->token && !(get && strcmp(url, "/api/health") == 0)) {
        const char *t = NULL;
        size_t len = 0;
        if (get && lookup_arg(conn, "token", &t, &len) && token_equal(s->token, t, len))
            return token_redirect(s, conn, r->raw_uri);
        if (!has_token(s, conn)) return unauthorized(conn, api);
    }
    if (strcmp(method, "POST") == 0 && strcmp(url, "/api/profiles") == 0 && !r->nul_in_path)
        return upload_start(s, conn, r);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    pv_http_server *s = cls;
    request *r = *con_cls;
    if (!r)
        return queue_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n",
                            "text/plain; charset=utf-8");
    bool api = strcmp(url, "/api") == 0 || strncmp(url, "/api/", 5) == 0;
    if (!r->headers_seen) {
        /* First call: headers only. Answer now (refusals), or on a later
         * call once the body is in. */
        r->headers_seen = true;
        return on_headers(s, conn, r, url, method, api);
    }
    if (*upload_data_size != 0) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        if (r->uploading) return upload_chunk(s, conn, r, upload_data, size);
        return MHD_YES; /* a body nobody asked for: read and drop it */
    }
    if (r->uploading) return upload_end(s, conn, r);
    if (r->nul_in_path) {
        if (!api) return not_found(conn);
        return queue_static(conn, MHD_HTTP_NOT_FOUND, "{\"error\":\"no such API endpoint\"}",
                            json_type);
    }
    if (api) return serve_api(s, conn, url, method);
    return serve_web(s, conn, url, method);
}

/* ---- Start and stop --------------------------------------------------------- */

static int prepare_assets(pv_http_server *s, pv_error *err)
{
    s->nassets = pv_embed_count;
    s->assets = calloc(s->nassets ? s->nassets : 1, sizeof *s->assets);
    if (!s->assets) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
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
        if (gai != 0)
            return pv_fail(err, PV_ERR_IO, -1, "cannot listen on %s: %s", host, gai_strerror(gai));
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
                return pv_fail(err, PV_ERR_IO, -1, "cannot listen on %s: %s", host,
                               strerror(saved));
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
            return pv_fail(err, PV_ERR_IO, -1, "cannot listen on %s port %u: %s", host, p,
                           strerror(saved ? saved : EINVAL));
    }
    if (last == port) return pv_fail(err, PV_ERR_IO, -1, "port %u on %s is in use", port, host);
    return pv_fail(err, PV_ERR_IO, -1, "ports %u to %u on %s are all in use", port, last, host);
}

int pv_http_start(const pv_http_config *config, pv_http_server **out, pv_error *err)
{
    pv_http_server *s = calloc(1, sizeof *s);
    int fd = -1;
    if (!s) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    s->registry = config->registry;
    s->folder = config->folder;
    s->max_upload = config->max_upload_bytes ? config->max_upload_bytes : (size_t)200 << 20;
    if (config->token && !(s->token = strdup(config->token))) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto fail;
    }
    if (config->web_root) {
        struct stat st;
        if (stat(config->web_root, &st) < 0 || !S_ISDIR(st.st_mode)) {
            pv_fail(err, PV_ERR_ARGUMENT, -1, "--web-root %s: not a folder", config->web_root);
            goto fail;
        }
        s->web_root = strdup(config->web_root);
        if (!s->web_root) {
            pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
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
    unsigned per_ip = config->per_ip_connections ? config->per_ip_connections : 128;
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, on_request, s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
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
    free(s->token);
    free(s);
}
