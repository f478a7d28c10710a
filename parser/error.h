/* error.h: how every profviz call reports failure.
 *
 * A function that can fail returns a status (0 on success, -1 on failure) and,
 * on failure, fills a caller-provided pv_error: a one-line message and, when
 * the problem is in input bytes, the byte offset where it was found. There is
 * no error state anywhere else (no globals, no errno conventions), so any
 * number of threads may parse at once. A pv_error holds no pointers and needs
 * no freeing.
 */
#ifndef PV_ERROR_H
#define PV_ERROR_H

#include <stdint.h>

#define PV_ERROR_MESSAGE_MAX 256

typedef struct pv_error {
    char message[PV_ERROR_MESSAGE_MAX];
    int64_t offset; /* byte offset in the input, or -1 when not about input bytes */
} pv_error;

/* Fills err (when not NULL) with a printf-style message and an offset (-1 for
 * none). Always returns -1 so that callers can write `return pv_fail(...)`. */
int pv_fail(pv_error *err, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
