/* marshal.h: a pull reader for Python's marshal format, versions 0 to 5.
 *
 * The reader hands out one object header at a time, so a 50 MB stats dump is
 * never held as a tree. Scalars (None, bools, ints, floats, strings, code
 * objects — of which only co_name is kept) come complete. A container (tuple,
 * list, set, frozenset, dict, slice) comes as a header; its children follow
 * from further calls, then one PV_M_END. A dict's children alternate key,
 * value. The caller may abandon a container at any point with
 * pv_marshal_skip(), which reads (or, for a back-reference, jumps) past the rest of it.
 *
 * Back-references (FLAG_REF / 'r', Python 3.4+) are resolved here: a
 * reference to a scalar returns a copy of it; a reference to a container
 * replays that container's bytes, so the caller sees it exactly as the first
 * time. Either way the value carries the slot number it refers to, so a caller
 * may cache what it made of a slot. A reference into a container that is still
 * being read is refused, as are forward and out-of-range ones; nesting is
 * capped at PV_MARSHAL_MAX_DEPTH, and replays at a multiple of the input size.
 *
 * Ownership: the reader reads a buffer it does not own (which must outlive it)
 * and owns its stacks; pv_marshal_free() releases them. Spans in values point
 * into the buffer. Errors fill a pv_error with the byte offset of the problem.
 */
#ifndef PV_MARSHAL_H
#define PV_MARSHAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define PV_MARSHAL_MAX_DEPTH 2000

typedef enum pv_mkind {
    PV_M_END,   /* no object: the current container has ended */
    PV_M_NONE,  /* None, Ellipsis, StopIteration */
    PV_M_BOOL,  /* .i is 0 or 1 */
    PV_M_INT,   /* .i */
    PV_M_FLOAT, /* .f */
    PV_M_COMPLEX,
    PV_M_BYTES, /* .bytes/.len: Python 2 str or Python 3 bytes */
    PV_M_TEXT,  /* .bytes/.len: UTF-8, maybe with surrogate escapes (.unescape) */
    PV_M_CODE,  /* .bytes/.len: the code object's co_name */
    PV_M_TUPLE, /* containers: .count children follow, then PV_M_END */
    PV_M_LIST,
    PV_M_SET,
    PV_M_DICT, /* key, value pairs follow until PV_M_END; .count is 0 */
    PV_M_SLICE,
} pv_mkind;

typedef struct pv_mvalue {
    pv_mkind kind;
    int64_t offset; /* of the type byte (of the 'r' byte for a reference) */
    int64_t slot;   /* the reference slot it took or refers to, or -1 */
    bool is_ref;    /* arrived through a back-reference */
    bool unescape;  /* TEXT from Python 3: surrogate escapes may stand for bytes */
    int64_t i;
    double f;
    const unsigned char *bytes;
    size_t len;
    uint32_t count;
} pv_mvalue;

typedef struct pv_marshal_reader pv_marshal_reader;

/* Returns a reader over the len bytes at data, or NULL when out of memory. */
pv_marshal_reader *pv_marshal_new(const unsigned char *data, size_t len);

/* Frees the reader (not the buffer). NULL is fine. */
void pv_marshal_free(pv_marshal_reader *r);

/* Reads the next object header (or PV_M_END) into *v. Returns 0, or -1 with
 * err filled. */
int pv_marshal_next(pv_marshal_reader *r, pv_mvalue *v, pv_error *err);

/* Reads the next n children of the innermost open container into out[0..n),
 * as n calls of pv_marshal_next would, but faster when they are scalars. It
 * stops early after a child that is a container (its frame then open) or an
 * END, and marks the values it did not read as PV_M_END. Returns 0, or -1. */
int pv_marshal_read_scalars(pv_marshal_reader *r, uint32_t n, pv_mvalue *out, pv_error *err);

/* The slot of the back-reference that is the next key of the innermost
 * dict, or -1 when the next object is not such a key (nothing is read). The
 * slot may still be unfinished: use it only if the caller itself finished
 * reading that slot's object earlier (and so remembers what it was). */
int64_t pv_marshal_peek_ref_key(const pv_marshal_reader *r);

/* Consumes the back-reference key that pv_marshal_peek_ref_key just found;
 * the dict's value comes next. Only valid right after that peek said yes. */
void pv_marshal_take_ref_key(pv_marshal_reader *r);

/* The same for the next child of the innermost open tuple (or other sized
 * container): the slot of the back-reference it is, or -1 (nothing read).
 * pv_marshal_take_ref_item consumes it, right after that peek said yes. */
int64_t pv_marshal_peek_ref_item(const pv_marshal_reader *r);
void pv_marshal_take_ref_item(pv_marshal_reader *r);

/* A fast lane for the shape of nearly every caller entry in real files: when
 * the next key of the innermost dict is a back-reference and its value is a
 * plain number or a tuple of four plain numbers (unflagged ints and floats,
 * or references to them), reads both and returns 1 with the numbers in
 * out[0..*count) (*count 1 or 4); the key is the slot pv_marshal_peek_ref_key
 * gave. Returns 0, reading nothing, for any other shape: the caller then reads
 * the pair with pv_marshal_next. Never fails. */
int pv_marshal_take_ref_key_numbers(pv_marshal_reader *r, pv_mvalue *out, uint32_t *count);

/* A fast lane for a stats value (cc, nc, tt, ct, {callers}): when the next
 * object is a plain tuple of count items whose first n = count - 1 are plain
 * numbers (as in pv_marshal_take_ref_key_numbers) and whose last is a plain
 * dict, reads the numbers into out[0..n) and the dict's header, leaving the
 * reader inside the dict exactly as pv_marshal_next would (the tuple's END
 * follows the dict's). Returns 1; 0 for any other shape (nothing read); -1
 * with err filled when nesting is too deep. */
int pv_marshal_take_numbers_then_dict(pv_marshal_reader *r, uint32_t count, uint32_t n,
                                      pv_mvalue *out, pv_error *err);

/* Skips the rest of the innermost open container, through its END. Returns 0,
 * or -1 with err filled. */
int pv_marshal_skip(pv_marshal_reader *r, pv_error *err);

/* Reads and discards one whole object (a container with all its children).
 * Returns 0 and the object's header in *v (may be NULL), or -1. */
int pv_marshal_read_whole(pv_marshal_reader *r, pv_mvalue *v, pv_error *err);

/* The offset of the next byte to read, and the number of open containers. */
size_t pv_marshal_offset(const pv_marshal_reader *r);
size_t pv_marshal_depth(const pv_marshal_reader *r);

/* A name for a kind, for messages ("tuple", "dict", ...). */
const char *pv_marshal_kind_name(pv_mkind kind);

#endif
