#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* vsnprintf into buf, then, when the text was cut, drop a partial UTF-8
 * character at the end. */
static void format_into(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void format_into(char *buf, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, size, fmt, ap);
    if (n < 0) {
        buf[0] = '\0';
        return;
    }
    if ((size_t)n >= size) {
        size_t len = pv_utf8_prefix_len(buf, size - 1);
        buf[len] = '\0';
    }
}

int pv_fail(pv_error *err, pv_error_kind kind, int64_t offset, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        format_into(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->kind = kind;
        err->offset = offset;
    }
    return -1;
}

int pv_error_prefix(pv_error *err, const char *fmt, ...)
{
    if (!err) return -1;
    char prefix[PV_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    format_into(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char message[PV_ERROR_MESSAGE_MAX];
    memcpy(message, err->message, sizeof message);
    pv_fail(err, err->kind, err->offset, "%s%s", prefix, message);
    return -1;
}

size_t pv_error_format(const pv_error *err, char *buf, size_t size)
{
    if (!size) return 0;
    int n;
    if (err->offset >= 0)
        n = snprintf(buf, size, "%s (at byte %lld)", err->message, (long long)err->offset);
    else
        n = snprintf(buf, size, "%s", err->message);
    if (n < 0) n = 0;
    size_t len = (size_t)n;
    if (len >= size) {
        len = pv_utf8_prefix_len(buf, size - 1);
        buf[len] = '\0';
    }
    return len;
}

const char *pv_error_kind_name(pv_error_kind kind)
{
    switch (kind) {
    case PV_ERR_INPUT:
        return "input";
    case PV_ERR_ARGUMENT:
        return "argument";
    case PV_ERR_NOT_FOUND:
        return "not found";
    case PV_ERR_NOMEM:
        return "out of memory";
    case PV_ERR_IO:
        return "I/O";
    case PV_ERR_NONE:
        break;
    }
    return "none";
}
