#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int pv_fail(pv_error *err, int64_t offset, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->offset = offset;
    }
    return -1;
}
