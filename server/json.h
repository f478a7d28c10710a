/* json.h: one streaming JSON writer into a growable buffer.
 *
 * A pv_json is a byte buffer the writer appends to, token by token: begin and
 * end objects and arrays, keys, and values (strings, int64 integers, doubles,
 * booleans, null). Commas and colons are placed by the writer. Nothing is
 * built in memory but the text itself, so a response costs its length and no
 * more. The API answers with the buffer (pv_json_take); `profviz report
 * --json` drains it to a FILE as it grows (pv_json_flush).
 *
 * Values as written:
 * - strings are valid UTF-8 whatever bytes they are given: each invalid
 *   sequence becomes U+FFFD (as text.h does), '"', '\\' and control
 *   characters are escaped (\n, \t, ..., \u00XX, so a NUL becomes \u0000);
 * - int64 values are integers, never through floating point;
 * - doubles are the shortest text that reads back to the same double
 *   (dtoa.h, no printf); NaN and the infinities, which JSON cannot hold,
 *   are written as null (what pstats leaves blank is NaN in the model).
 *
 * Ownership: the pv_json owns its buffer until pv_json_take hands it over
 * (then the caller frees it with free()) or pv_json_free releases it. When
 * an allocation fails the writer records it and ignores everything after:
 * check pv_json_failed (or the NULL from pv_json_take) once at the end. A
 * writer is used by one thread at a time.
 */
#ifndef PV_JSON_H
#define PV_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct pv_json {
    char *buf;
    size_t len, cap;
    char last;   /* the last byte written ('\0' at the start): places commas */
    bool failed; /* out of memory (or a failed write when flushing) */
} pv_json;

/* An empty writer (the same as zero-initializing one). */
void pv_json_init(pv_json *w);

/* Frees the buffer. The writer may be initialized again. */
void pv_json_free(pv_json *w);

/* True when an allocation or a flush has failed: the text is incomplete. */
bool pv_json_failed(const pv_json *w);

/* Returns the text (NUL-terminated, length in *len when len is not NULL),
 * which the caller frees, and leaves w empty; or NULL (and frees the text)
 * when the writer failed. */
char *pv_json_take(pv_json *w, size_t *len);

/* Writes what is buffered to out and empties the buffer (the writer keeps its
 * place in the document). Returns 0, or -1 when the writer failed before or
 * the write fails now (w is then failed). */
int pv_json_flush(pv_json *w, FILE *out);

void pv_json_begin_object(pv_json *w);
void pv_json_end_object(pv_json *w);
void pv_json_begin_array(pv_json *w);
void pv_json_end_array(pv_json *w);

/* An object key of len bytes (escaped like any string); the next call writes
 * its value. */
void pv_json_key_n(pv_json *w, const char *key, size_t len);

/* Private: makes room for n more bytes and a comma, or fails the writer. */
bool pv_json_room_(pv_json *w, size_t n);

/* A key that is a name from the program, not from data: printable ASCII
 * with no '"' or '\\' (every key of the API is), copied as it is. Inline,
 * so that a literal's length is known when compiling: most of the bytes of
 * a large answer are keys. Use pv_json_key_n for anything else. */
static inline void pv_json_key(pv_json *w, const char *key)
{
    size_t len = __builtin_strlen(key);
    if (w->failed || (len + 4 >= w->cap - w->len && !pv_json_room_(w, len + 3))) return;
    char *out = w->buf + w->len;
    char c = w->last;
    if (c != '\0' && c != '{' && c != '[' && c != ':') *out++ = ',';
    *out++ = '"';
    __builtin_memcpy(out, key, len);
    out += len;
    *out++ = '"';
    *out++ = ':';
    w->len = (size_t)(out - w->buf);
    w->last = ':';
}

/* Values. pv_json_string takes len bytes (which may hold NUL or be invalid
 * UTF-8); pv_json_cstring a NUL-terminated string. */
void pv_json_string(pv_json *w, const char *s, size_t len);
void pv_json_cstring(pv_json *w, const char *s);
void pv_json_int(pv_json *w, int64_t v);
void pv_json_double(pv_json *w, double v);
void pv_json_bool(pv_json *w, bool v);
void pv_json_null(pv_json *w);

/* Members: pv_json_key and then the value. */
static inline void pv_json_key_cstring(pv_json *w, const char *key, const char *s)
{
    pv_json_key(w, key);
    pv_json_cstring(w, s);
}

static inline void pv_json_key_int(pv_json *w, const char *key, int64_t v)
{
    pv_json_key(w, key);
    pv_json_int(w, v);
}

static inline void pv_json_key_double(pv_json *w, const char *key, double v)
{
    pv_json_key(w, key);
    pv_json_double(w, v);
}

static inline void pv_json_key_bool(pv_json *w, const char *key, bool v)
{
    pv_json_key(w, key);
    pv_json_bool(w, v);
}

#endif
