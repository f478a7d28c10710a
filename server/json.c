#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dtoa.h"
#include "text.h"

void pv_json_init(pv_json *w)
{
    *w = (pv_json){0};
}

void pv_json_free(pv_json *w)
{
    free(w->buf);
    pv_json_init(w);
}

bool pv_json_failed(const pv_json *w)
{
    return w->failed;
}

/* Makes room for n more bytes (and a NUL). Returns false when out of memory,
 * leaving w failed. */
static bool reserve(pv_json *w, size_t n)
{
    if (w->failed) return false;
    if (n < w->cap - w->len) return true;
    if (n > SIZE_MAX / 2 - w->len) {
        w->failed = true;
        return false;
    }
    size_t cap = w->cap ? w->cap * 2 : 4096;
    while (cap - w->len <= n)
        cap *= 2;
    char *buf = realloc(w->buf, cap);
    if (!buf) {
        w->failed = true;
        return false;
    }
    w->buf = buf;
    w->cap = cap;
    return true;
}

bool pv_json_room_(pv_json *w, size_t n)
{
    return reserve(w, n + 1);
}

/* Before a value, a key or an opening bracket: a comma unless it is the first
 * thing in its container (or follows a key). Returns false when failed. */
static bool start_item(pv_json *w, size_t room)
{
    if (!reserve(w, room + 1)) return false;
    char c = w->last;
    if (c != '\0' && c != '{' && c != '[' && c != ':') w->buf[w->len++] = ',';
    return true;
}

static void put_byte(pv_json *w, char c, size_t room)
{
    if (!start_item(w, room)) return;
    w->buf[w->len++] = c;
    w->last = c;
}

static void put_close(pv_json *w, char c)
{
    if (!reserve(w, 1)) return;
    w->buf[w->len++] = c;
    w->last = c;
}

void pv_json_begin_object(pv_json *w)
{
    put_byte(w, '{', 1);
}

void pv_json_end_object(pv_json *w)
{
    put_close(w, '}');
}

void pv_json_begin_array(pv_json *w)
{
    put_byte(w, '[', 1);
}

void pv_json_end_array(pv_json *w)
{
    put_close(w, ']');
}

/* What each byte needs inside a string: 0 copy, 1 escape, 2 check UTF-8. */
static const unsigned char byte_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* Appends the quoted, escaped form of s (room for it is reserved: at most 6
 * bytes per input byte, plus the quotes). */
static void put_string(pv_json *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (len > (SIZE_MAX - 16) / 6) {
        w->failed = true;
        return;
    }
    if (!start_item(w, 6 * len + 2)) return;
    const unsigned char *u = (const unsigned char *)s;
    char *out = w->buf + w->len;
    *out++ = '"';
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && byte_class[u[run]] == 0)
            run++;
        memcpy(out, u + i, run - i);
        out += run - i;
        i = run;
        if (i == len) break;
        unsigned char c = u[i];
        if (byte_class[c] == 1) {
            *out++ = '\\';
            switch (c) {
            case '"':
                *out++ = '"';
                break;
            case '\\':
                *out++ = '\\';
                break;
            case '\n':
                *out++ = 'n';
                break;
            case '\t':
                *out++ = 't';
                break;
            case '\r':
                *out++ = 'r';
                break;
            case '\b':
                *out++ = 'b';
                break;
            case '\f':
                *out++ = 'f';
                break;
            default:
                *out++ = 'u';
                *out++ = '0';
                *out++ = '0';
                *out++ = hex[c >> 4];
                *out++ = hex[c & 15];
            }
            i++;
            continue;
        }
        size_t maximal, k = pv_utf8_char_len(u + i, len - i, &maximal);
        if (k) {
            memcpy(out, u + i, k);
            out += k;
            i += k;
        } else {
            memcpy(out, "\xef\xbf\xbd", 3); /* U+FFFD */
            out += 3;
            i += maximal;
        }
    }
    *out++ = '"';
    w->len = (size_t)(out - w->buf);
    w->last = '"';
}

void pv_json_key_n(pv_json *w, const char *key, size_t len)
{
    put_string(w, key, len);
    if (!reserve(w, 1)) return;
    w->buf[w->len++] = ':';
    w->last = ':';
}

void pv_json_string(pv_json *w, const char *s, size_t len)
{
    put_string(w, s, len);
}

void pv_json_cstring(pv_json *w, const char *s)
{
    put_string(w, s, strlen(s));
}

void pv_json_int(pv_json *w, int64_t v)
{
    static const char two_digits[201] = "00010203040506070809101112131415161718192021222324"
                                        "25262728293031323334353637383940414243444546474849"
                                        "50515253545556575859606162636465666768697071727374"
                                        "75767778798081828384858687888990919293949596979899";
    if (!start_item(w, 20)) return;
    char digits[20];
    char *end = digits + sizeof digits, *p = end;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    while (u >= 100) {
        p -= 2;
        memcpy(p, two_digits + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, two_digits + 2 * u, 2);
    } else {
        *--p = (char)('0' + u);
    }
    char *out = w->buf + w->len;
    if (v < 0) *out++ = '-';
    memcpy(out, p, (size_t)(end - p));
    w->len = (size_t)(out - w->buf) + (size_t)(end - p);
    w->last = '0';
}

static void put_literal(pv_json *w, const char *text, size_t n)
{
    if (!start_item(w, n)) return;
    memcpy(w->buf + w->len, text, n);
    w->len += n;
    w->last = text[n - 1];
}

void pv_json_double(pv_json *w, double v)
{
    if (!isfinite(v)) {
        put_literal(w, "null", 4);
        return;
    }
    if (!start_item(w, PV_DTOA_MAX)) return;
    w->len += pv_dtoa(v, w->buf + w->len);
    w->last = '0';
}

void pv_json_bool(pv_json *w, bool v)
{
    if (v)
        put_literal(w, "true", 4);
    else
        put_literal(w, "false", 5);
}

void pv_json_null(pv_json *w)
{
    put_literal(w, "null", 4);
}

char *pv_json_take(pv_json *w, size_t *len)
{
    if (w->failed || !reserve(w, 0)) {
        pv_json_free(w);
        return NULL;
    }
    w->buf[w->len] = '\0';
    char *text = w->buf;
    if (len) *len = w->len;
    pv_json_init(w);
    return text;
}

int pv_json_flush(pv_json *w, FILE *out)
{
    if (w->failed) return -1;
    if (w->len && fwrite(w->buf, 1, w->len, out) != w->len) {
        w->failed = true;
        return -1;
    }
    w->len = 0;
    return 0;
}
