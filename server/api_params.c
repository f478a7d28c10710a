/* api_params.c: the replies and parameter readers of every /api handler
 * (api_params.h), and pv_api_error_reply (api.h). */
#include "api_params.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "status.h"
#include "text.h"

/* ---- Replies ------------------------------------------------------------ */

int pv_api_reply_error(pv_api_reply *reply, unsigned status, const char *fmt, ...)
{
    char message[PV_ERROR_MESSAGE_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof message) message[pv_utf8_prefix_len(message, sizeof message - 1)] = '\0';
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key_cstring(&w, "error", message);
    pv_json_end_object(&w);
    reply->status = status;
    reply->body = pv_json_take(&w, &reply->len);
    if (!reply->body) {
        reply->status = 500;
        reply->len = 0;
        return -1;
    }
    return 0;
}

int pv_api_error_reply(unsigned status, const char *message, pv_api_reply *reply)
{
    return pv_api_reply_error(reply, status, "%s", message);
}

int pv_api_reply_fail(pv_api_reply *reply, const pv_error *err)
{
    char message[PV_ERROR_MESSAGE_MAX + 32];
    pv_error_format(err, message, sizeof message);
    return pv_api_reply_error(reply, pv_status_of(err->kind), "%s", message);
}

int pv_api_reply_json(pv_api_reply *reply, pv_json *w)
{
    reply->body = pv_json_take(w, &reply->len);
    if (!reply->body) return pv_api_reply_error(reply, 500, "out of memory");
    reply->status = 200;
    return 0;
}

/* ---- Echoing input in messages ------------------------------------------ */

int pv_api_clip(const char *s, size_t max)
{
    return (int)pv_utf8_prefix_len(s, strnlen(s, max));
}

int pv_api_echo_len(const char *v)
{
    return pv_api_clip(v, 40);
}

/* ---- Parameters ---------------------------------------------------------- */

int pv_api_get_param(const pv_api_request *req, const char *name, const char **value,
                     pv_error *perr)
{
    size_t len = 0;
    const char *v = NULL;
    if (!req->arg || !req->arg(req->arg_ctx, name, &v, &len)) return 0;
    if (strlen(v) != len)
        return pv_fail(perr, PV_ERR_ARGUMENT, -1, "bad parameter '%s': it contains a NUL byte",
                       name);
    *value = v;
    return 1;
}

bool pv_api_parse_int(const char *s, long long *out)
{
    if (!*s) return false;
    const char *digits = *s == '-' ? s + 1 : s;
    if (*digits < '0' || *digits > '9') return false;
    for (const char *c = digits; *c; c++)
        if (*c < '0' || *c > '9') return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

int pv_api_int_param(const pv_api_request *req, const char *name, long long min, long long max,
                     long long *out, pv_error *perr)
{
    const char *v = NULL;
    int got = pv_api_get_param(req, name, &v, perr);
    if (got <= 0) return got;
    long long n = 0;
    if (!pv_api_parse_int(v, &n) || n < min || n > max)
        return pv_fail(perr, PV_ERR_ARGUMENT, -1,
                       "bad parameter '%s': expected an integer from %lld to %lld, got \"%.*s\"",
                       name, min, max, pv_api_echo_len(v), v);
    *out = n;
    return 0;
}

int pv_api_fraction_param(const pv_api_request *req, const char *name, double *out, pv_error *perr)
{
    const char *v = NULL;
    int got = pv_api_get_param(req, name, &v, perr);
    if (got <= 0) return got;
    bool ok = (*v >= '0' && *v <= '9') || *v == '.';
    char *end = NULL;
    double d = ok ? strtod(v, &end) : 0;
    if (!ok || *end || !isfinite(d) || d < 0 || d > 1)
        return pv_fail(perr, PV_ERR_ARGUMENT, -1,
                       "bad parameter '%s': expected a number from 0 to 1, got \"%.*s\"", name,
                       pv_api_echo_len(v), v);
    *out = d;
    return 0;
}

int pv_api_word_param(const pv_api_request *req, const char *name, const char *const *words, int n,
                      const char *expected, int *out, pv_error *perr)
{
    const char *v = NULL;
    int got = pv_api_get_param(req, name, &v, perr);
    if (got <= 0) return got;
    for (int i = 0; i < n; i++) {
        if (strcmp(v, words[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return pv_fail(perr, PV_ERR_ARGUMENT, -1, "bad parameter '%s': expected %s, got \"%.*s\"", name,
                   expected, pv_api_echo_len(v), v);
}

int pv_api_path_param(const pv_api_request *req, const char *name, int64_t **ids, size_t *n,
                      pv_error *perr)
{
    *ids = NULL;
    *n = 0;
    const char *s = NULL;
    int got = pv_api_get_param(req, name, &s, perr);
    if (got <= 0) return got;
    if (!*s) return 1;
    size_t count = 1;
    for (const char *c = s; *c; c++)
        count += *c == ',';
    if (count > PV_API_MAX_PATH)
        return pv_fail(perr, PV_ERR_ARGUMENT, -1, "bad parameter '%s': more than %d steps", name,
                       PV_API_MAX_PATH);
    int64_t *out = malloc(count * sizeof *out);
    if (!out) return pv_fail(perr, PV_ERR_NOMEM, -1, "out of memory");
    const char *c = s;
    for (size_t i = 0; i < count; i++) {
        int64_t v = 0;
        const char *start = c;
        while (*c >= '0' && *c <= '9' && v <= UINT32_MAX)
            v = v * 10 + (*c++ - '0');
        if (c == start || (*c && *c != ',') || v > UINT32_MAX) {
            free(out);
            return pv_fail(perr, PV_ERR_ARGUMENT, -1,
                           "bad parameter '%s': expected function ids separated by commas, "
                           "got \"%.*s\"",
                           name, pv_api_echo_len(s), s);
        }
        out[i] = v;
        if (*c == ',') c++;
    }
    *ids = out;
    *n = count;
    return 1;
}

int pv_api_tree_params(const pv_api_request *req, pv_tree_request *treq, pv_error *perr)
{
    pv_tree_request_defaults(treq);
    long long depth = treq->depth, max_nodes = (long long)treq->max_nodes;
    if (pv_api_int_param(req, "depth", 0, PV_API_MAX_DEPTH, &depth, perr) < 0 ||
        pv_api_int_param(req, "max_nodes", 1, INT64_MAX, &max_nodes, perr) < 0 ||
        pv_api_fraction_param(req, "cutoff", &treq->cutoff, perr) < 0)
        return -1;
    if (max_nodes > PV_API_MAX_NODES)
        return pv_fail(perr, PV_ERR_ARGUMENT, -1,
                       "bad parameter 'max_nodes': at most %d nodes per tree request, got %lld",
                       PV_API_MAX_NODES, max_nodes);
    treq->depth = (int)depth;
    treq->max_nodes = (size_t)max_nodes;
    int64_t *path = NULL;
    size_t path_len = 0;
    if (pv_api_path_param(req, "path", &path, &path_len, perr) < 0) return -1;
    treq->path = path;
    treq->path_len = path_len;
    return 0;
}

/* ---- Summaries ---------------------------------------------------------- */

/* Writes t (seconds since 1970) as ISO 8601 UTC, "2026-11-25T10:33:00Z". */
static void iso_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, size, "1970-01-01T00:00:00Z");
}

void pv_api_put_summary_members(pv_json *w, const pv_registry_entry *entry)
{
    char modified[32];
    iso_time(entry->modified, modified, sizeof modified);
    pv_json_key_cstring(w, "id", entry->id);
    pv_json_key_cstring(w, "name", entry->name);
    pv_json_key_int(w, "functions", entry->functions);
    pv_json_key_int(w, "total_calls", entry->total_calls);
    pv_json_key_int(w, "primitive_calls", entry->primitive_calls);
    pv_json_key_double(w, "total_time", entry->total_time);
    pv_json_key_int(w, "size", (int64_t)entry->bytes);
    pv_json_key_cstring(w, "modified", modified);
}

/* ---- Paths ---------------------------------------------------------------- */

int pv_api_split_path(const char *rest, char seg[][PV_API_SEGMENT_MAX], int max)
{
    int n = 0;
    while (*rest) {
        if (n == max) return -1;
        const char *slash = strchr(rest, '/');
        size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
        if (len == 0 || len >= PV_API_SEGMENT_MAX) return -1;
        memcpy(seg[n], rest, len);
        seg[n][len] = '\0';
        n++;
        rest += len;
        if (*rest == '/' && !*++rest) return -1; /* trailing slash */
    }
    return n;
}

void pv_api_put_hidden(pv_json *w, double time, int64_t count)
{
    if (count <= 0) return;
    pv_json_key(w, "hidden");
    pv_json_begin_object(w);
    pv_json_key_double(w, "time", time);
    pv_json_key_int(w, "count", count);
    pv_json_end_object(w);
}

void pv_api_put_why(pv_json *w, pv_tree_why why)
{
    const char *name = pv_tree_why_name(why);
    pv_json_key(w, "why");
    if (name)
        pv_json_cstring(w, name);
    else
        pv_json_null(w);
}
