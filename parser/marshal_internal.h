/* marshal_internal.h: the marshal reader's state, shared by marshal.c (the
 * reader: headers, scalars, back-references, skipping), marshal_code.c (code
 * objects, of which only co_name is kept) and marshal_fast.c (the fast paths
 * for the stats dict's keys and number tuples).
 *
 * Everything here belongs to the reader (pv_marshal_new / pv_marshal_free):
 * the slot and interned-string stacks are its own; positions are offsets into
 * the caller's buffer, which the reader never owns.
 */
#ifndef PV_MARSHAL_INTERNAL_H
#define PV_MARSHAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "error.h"
#include "marshal.h"

#define FLAG_REF 0x80

enum slot_state { SLOT_PENDING, SLOT_SCALAR, SLOT_CONTAINER };

/* What a back-reference can give back: a scalar's value, or where a finished
 * container's children start and how many there are, so that it can be
 * replayed without touching its bytes until a child is asked for. 16 bytes
 * each, because real files take a slot for most key tuples and names. */
typedef struct slot {
    uint8_t state;
    uint8_t kind; /* pv_mkind */
    uint8_t unescape;
    uint32_t len; /* string length, or container child count */
    union {
        int64_t i;
        double f;
        uint64_t pos; /* string start, or offset of a container's first child */
    } u;
} slot;

typedef struct span {
    uint64_t pos;
    uint32_t len;
} span;

typedef struct frame {
    uint8_t kind;       /* pv_mkind of the container */
    uint8_t dict_value; /* dict: the next child is a value */
    uint32_t remaining; /* sized containers: children still to come */
    int64_t slot;       /* slot to finish at END, or -1 */
    int64_t resume;     /* replay: where reading continues after END, or -1 */
} frame;

struct pv_marshal_reader {
    pv_cursor c;
    slot *slots;
    size_t nslots, slots_cap;
    span *interned; /* Python 2's list for 't' / 'R' */
    size_t ninterned, interned_cap;
    size_t depth;
    size_t replaying;       /* replay frames open: while > 0, no slots are taken */
    uint64_t replay_budget; /* objects that replays may still read */
    int code_retries;
    frame frames[PV_MARSHAL_MAX_DEPTH + 2];
};

static inline uint32_t pv_marshal_load_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline int pv_marshal_push_frame(pv_marshal_reader *r, pv_mkind kind, uint32_t count,
                                        int64_t slot_index, int64_t resume, int64_t offset,
                                        pv_error *err)
{
    if (r->depth > PV_MARSHAL_MAX_DEPTH)
        return pv_fail(err, PV_ERR_INPUT, offset, "objects nested deeper than %d levels",
                       PV_MARSHAL_MAX_DEPTH);
    if (slot_index >= 0) {
        /* The slot exists from the type byte on, so that a reference from
         * inside the container can be recognised as one into it. */
        r->slots[slot_index].kind = (uint8_t)kind;
        r->slots[slot_index].u.pos = r->c.pos;
        r->slots[slot_index].len = count;
    }
    r->frames[r->depth++] = (frame){(uint8_t)kind, 0, count, slot_index, resume};
    if (resume >= 0) r->replaying++;
    return 0;
}

/* Reads a code object (its 'c' byte already read at v->offset) into *v: its
 * co_name as text. 0 on success; -1 with *err filled (kind input, the byte
 * offset of the field that matches no layout). marshal_code.c. */
int pv_marshal_read_code(pv_marshal_reader *r, pv_mvalue *v, pv_error *err);

#endif
