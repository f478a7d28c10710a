/* error.h: how every profviz call reports failure.
 *
 * A function that can fail returns a status (0 on success, -1 on failure) and,
 * on failure, fills a caller-provided pv_error: a kind, a one-line message and,
 * when the problem is in input bytes, the byte offset where it was found.
 * Callers branch on the kind (never on the message text); pv_error_format is
 * the one way to print an error for a person. There is no error state
 * anywhere else (no globals, no errno conventions), so any number of threads
 * may parse at once. A pv_error holds no pointers and needs no freeing.
 *
 * Messages are valid UTF-8 whenever their arguments are: a message cut at
 * PV_ERROR_MESSAGE_MAX is cut at a character boundary.
 */
#ifndef PV_ERROR_H
#define PV_ERROR_H

#include <stddef.h>
#include <stdint.h>

#define PV_ERROR_MESSAGE_MAX 512

typedef enum pv_error_kind {
    PV_ERR_NONE = 0,  /* no error recorded */
    PV_ERR_INPUT,     /* the bytes given are not a usable profile (offset says where) */
    PV_ERR_ARGUMENT,  /* a parameter from the caller is malformed or out of range */
    PV_ERR_NOT_FOUND, /* something named does not exist (a file, a path step, an id) */
    PV_ERR_NOMEM,     /* out of memory, or a limit on a resource (threads, mutexes) */
    PV_ERR_IO,        /* the system refused: open, read, write, listen */
} pv_error_kind;

typedef struct pv_error {
    pv_error_kind kind;
    int64_t offset; /* byte offset in the input, or -1 when not about input bytes */
    char message[PV_ERROR_MESSAGE_MAX];
} pv_error;

/* Fills err (when not NULL) with kind, offset (a byte offset in the input, -1
 * for none) and a printf-style message. Always returns -1 so that callers can
 * write `return pv_fail(...)`. */
int pv_fail(pv_error *err, pv_error_kind kind, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Puts a printf-style prefix before err's message ("in FILE: " + message),
 * keeping its kind and offset. Does nothing when err is NULL. Returns -1. */
int pv_error_prefix(pv_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes err as one line for a person, "MESSAGE (at byte N)" (or "MESSAGE"
 * when there is no offset), into buf (size bytes, NUL-terminated, cut at a
 * character boundary). Returns the length written. */
size_t pv_error_format(const pv_error *err, char *buf, size_t size);

/* A fixed name for kind: "input", "argument", "not found", "out of memory",
 * "I/O" or "none". */
const char *pv_error_kind_name(pv_error_kind kind);

#endif
