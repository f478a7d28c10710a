/* multipart.c: the streaming multipart/form-data parser (see multipart.h).
 *
 * The stream is read as if it started with CRLF, so that every boundary,
 * the first included, is the delimiter CRLF "--" boundary. Bytes that may
 * be the start of a delimiter cut by a chunk end are held back (at most the
 * delimiter's length minus one) and scanned again with the next chunk.
 */
#define _GNU_SOURCE /* memmem */
#include "multipart.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum state {
    ST_PREAMBLE, /* before the first delimiter: dropped */
    ST_AFTER,    /* just after a delimiter: "--" ends, CRLF starts headers */
    ST_HEADERS,
    ST_BODY,
    ST_DONE, /* after the closing delimiter: the epilogue is dropped */
} state;

struct pv_multipart {
    pv_multipart_events ev;
    char delim[PV_MULTIPART_MAX_BOUNDARY + 5]; /* CRLF "--" boundary */
    size_t dlen;
    state st;
    char *work; /* held-back bytes, then the chunk being parsed */
    size_t work_cap;
    size_t held;
    char headers[PV_MULTIPART_MAX_HEADERS];
    size_t headers_len;
    uint64_t fed; /* bytes of the body so far */
    bool padded;  /* ST_AFTER: padding seen after the delimiter */
    bool stopped;
};

int pv_multipart_boundary(const char *ct, char *out, size_t size, pv_error *err)
{
    if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
        return pv_fail(err, PV_ERR_INPUT, -1, "the Content-Type is not multipart/form-data");
    const char *p = ct + 19;
    while ((p = strchr(p, ';')) != NULL) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary=", 9) != 0) continue;
        p += 9;
        size_t n;
        if (*p == '"') {
            p++;
            const char *end = strchr(p, '"');
            if (!end) break;
            n = (size_t)(end - p);
        } else {
            n = strcspn(p, "; \t");
        }
        if (n == 0 || n > PV_MULTIPART_MAX_BOUNDARY || n >= size) break;
        memcpy(out, p, n);
        out[n] = '\0';
        return 0;
    }
    return pv_fail(err, PV_ERR_INPUT, -1,
                   "bad multipart/form-data: no usable boundary in the Content-Type");
}

pv_multipart *pv_multipart_new(const char *boundary, const pv_multipart_events *events,
                               pv_error *err)
{
    size_t n = strlen(boundary);
    if (n == 0 || n > PV_MULTIPART_MAX_BOUNDARY) {
        pv_fail(err, PV_ERR_INPUT, -1,
                "bad multipart/form-data: the boundary is empty or too long");
        return NULL;
    }
    pv_multipart *m = calloc(1, sizeof *m);
    if (!m) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        return NULL;
    }
    m->ev = *events;
    memcpy(m->delim, "\r\n--", 4);
    memcpy(m->delim + 4, boundary, n);
    m->dlen = n + 4;
    m->st = ST_PREAMBLE;
    m->work_cap = 4096;
    m->work = malloc(m->work_cap);
    if (!m->work) {
        free(m);
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        return NULL;
    }
    memcpy(m->work, "\r\n", 2); /* the virtual CRLF before the first boundary */
    m->held = 2;
    return m;
}

void pv_multipart_free(pv_multipart *m)
{
    if (!m) return;
    free(m->work);
    free(m);
}

/* Copies the value of param (name= or filename=) of a Content-Disposition
 * value into out; returns false when absent. */
static bool disposition_param(const char *v, const char *param, char *out, size_t size)
{
    size_t plen = strlen(param);
    for (const char *p = v; (p = strchr(p, ';')) != NULL;) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, param, plen) != 0 || p[plen] != '=') continue;
        p += plen + 1;
        size_t n = 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"' && n + 1 < size) {
                if (*p == '\\' && p[1]) p++;
                out[n++] = *p++;
            }
        } else {
            while (*p && *p != ';' && *p != ' ' && *p != '\t' && n + 1 < size)
                out[n++] = *p++;
        }
        out[n] = '\0';
        return true;
    }
    return false;
}

/* The part headers are complete in m->headers (NUL-terminated, lines split
 * by CRLF): reports the part. */
static int begin_part(pv_multipart *m)
{
    char name[256], filename[256];
    bool has_name = false, has_filename = false;
    char *line = m->headers;
    while (*line) {
        char *end = strstr(line, "\r\n");
        if (end) *end = '\0';
        if (strncasecmp(line, "Content-Disposition:", 20) == 0) {
            has_name = disposition_param(line + 20, "name", name, sizeof name);
            has_filename = disposition_param(line + 20, "filename", filename, sizeof filename);
        }
        if (!end) break;
        line = end + 2;
    }
    if (m->ev.part_begin &&
        m->ev.part_begin(m->ev.ctx, has_name ? name : NULL, has_filename ? filename : NULL))
        return -1;
    return 0;
}

static int emit(pv_multipart *m, const char *data, size_t len)
{
    if (len == 0 || m->st != ST_BODY || !m->ev.part_data) return 0;
    return m->ev.part_data(m->ev.ctx, data, len);
}

int pv_multipart_feed(pv_multipart *m, const char *data, size_t len, pv_error *err)
{
    if (m->stopped) return pv_fail(err, PV_ERR_INPUT, (int64_t)m->fed, "stopped");
    if (m->st == ST_DONE || len == 0) {
        m->fed += len;
        return 0;
    }
    if (m->held + len > m->work_cap) {
        size_t cap = m->held + len;
        char *grown = realloc(m->work, cap);
        if (!grown) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        m->work = grown;
        m->work_cap = cap;
    }
    memcpy(m->work + m->held, data, len);
    size_t n = m->held + len, p = 0;
    m->held = 0;
    int64_t base = (int64_t)m->fed - (int64_t)(n - len); /* body offset of work[0] */
    m->fed += len;
    while (p < n && m->st != ST_DONE) {
        if (m->st == ST_PREAMBLE || m->st == ST_BODY) {
            const char *hit = memmem(m->work + p, n - p, m->delim, m->dlen);
            if (!hit) {
                /* Keep what may begin a delimiter. */
                size_t keep = n - p < m->dlen - 1 ? n - p : m->dlen - 1;
                if (emit(m, m->work + p, n - p - keep)) goto stop;
                memmove(m->work, m->work + n - keep, keep);
                m->held = keep;
                return 0;
            }
            size_t at = (size_t)(hit - m->work);
            if (emit(m, m->work + p, at - p)) goto stop;
            p = at + m->dlen;
            m->st = ST_AFTER;
            m->padded = false;
        } else if (m->st == ST_AFTER) {
            /* "--" ends; otherwise optional padding, then CRLF. */
            if (n - p < 2) break;
            if (!m->padded && m->work[p] == '-' && m->work[p + 1] == '-') {
                m->st = ST_DONE;
                break;
            }
            while (p < n && (m->work[p] == ' ' || m->work[p] == '\t')) {
                p++;
                m->padded = true; /* "--" no longer closes */
            }
            if (n - p < 2) break;
            if (m->work[p] != '\r' || m->work[p + 1] != '\n')
                return pv_fail(err, PV_ERR_INPUT, base + (int64_t)p,
                               "bad multipart/form-data body: no line break after a boundary");
            p += 2;
            m->st = ST_HEADERS;
            m->headers_len = 0;
        } else { /* ST_HEADERS */
            while (p < n) {
                if (m->headers_len + 1 >= sizeof m->headers)
                    return pv_fail(err, PV_ERR_INPUT, base + (int64_t)p,
                                   "bad multipart/form-data body: part headers over %d bytes",
                                   PV_MULTIPART_MAX_HEADERS);
                m->headers[m->headers_len++] = m->work[p++];
                size_t h = m->headers_len;
                if (h == 2 && memcmp(m->headers, "\r\n", 2) == 0) {
                    m->headers_len = 0; /* no headers at all */
                } else if (h >= 4 && memcmp(m->headers + h - 4, "\r\n\r\n", 4) == 0) {
                    m->headers_len -= 2;
                } else {
                    continue;
                }
                m->headers[m->headers_len] = '\0';
                if (begin_part(m)) goto stop;
                m->st = ST_BODY;
                break;
            }
        }
    }
    /* Bytes of a delimiter's tail not yet decided (ST_AFTER): keep them. */
    if (p < n && m->st == ST_AFTER) {
        memmove(m->work, m->work + p, n - p);
        m->held = n - p;
    }
    return 0;
stop:
    m->stopped = true;
    return pv_fail(err, PV_ERR_INPUT, (int64_t)m->fed, "stopped");
}

int pv_multipart_finish(pv_multipart *m, pv_error *err)
{
    if (m->st == ST_DONE) return 0;
    return pv_fail(err, PV_ERR_INPUT, (int64_t)m->fed,
                   "bad multipart/form-data body: it ends before its closing boundary");
}
