/* marshal.c: reading marshal bytes through a bounded cursor, one header at a
 * time. See marshal.h for the model; the comments here say why. */
#include "marshal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "cursor.h"
#include "marshal_internal.h"

static const char *const kind_names[] = {
    [PV_M_END] = "end of container",
    [PV_M_NONE] = "None",
    [PV_M_BOOL] = "bool",
    [PV_M_INT] = "int",
    [PV_M_FLOAT] = "float",
    [PV_M_COMPLEX] = "complex",
    [PV_M_BYTES] = "bytes",
    [PV_M_TEXT] = "str",
    [PV_M_CODE] = "code object",
    [PV_M_TUPLE] = "tuple",
    [PV_M_LIST] = "list",
    [PV_M_SET] = "set",
    [PV_M_DICT] = "dict",
    [PV_M_SLICE] = "slice",
};

const char *pv_marshal_kind_name(pv_mkind kind)
{
    return kind <= PV_M_SLICE ? kind_names[kind] : "object";
}

pv_marshal_reader *pv_marshal_new(const unsigned char *data, size_t len)
{
    pv_marshal_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->c = (pv_cursor){data, len, 0};
    /* Replays may read at most this many objects: generous for real files,
     * whose references are mostly to small key tuples, and a hard stop for
     * references that expand exponentially. */
    r->replay_budget = (uint64_t)len * 4 + (1u << 20);
    return r;
}

void pv_marshal_free(pv_marshal_reader *r)
{
    if (!r) return;
    free(r->slots);
    free(r->interned);
    free(r);
}

size_t pv_marshal_offset(const pv_marshal_reader *r)
{
    return r->c.pos;
}

size_t pv_marshal_depth(const pv_marshal_reader *r)
{
    return r->depth;
}

static int oom(pv_error *err, size_t offset)
{
    return pv_fail(err, PV_ERR_NOMEM, (int64_t)offset, "out of memory");
}

/* Takes a reference slot for an object whose type byte had FLAG_REF, unless a
 * replay is re-reading objects that took theirs the first time. *index is -1
 * when no slot was taken. */
static int take_slot(pv_marshal_reader *r, bool flagged, int64_t *index, pv_error *err)
{
    *index = -1;
    if (!flagged || r->replaying) return 0;
    if (r->nslots == r->slots_cap) {
        size_t cap = r->slots_cap ? r->slots_cap + r->slots_cap / 2 : 1024;
        slot *p = realloc(r->slots, cap * sizeof *p);
        if (!p) return oom(err, r->c.pos);
        pv_bigmem_hint(p, cap * sizeof *p);
        r->slots = p;
        r->slots_cap = cap;
    }
    *index = (int64_t)r->nslots;
    r->slots[r->nslots++] = (slot){.state = SLOT_PENDING};
    return 0;
}

static void set_scalar_slot(pv_marshal_reader *r, int64_t index, const pv_mvalue *v)
{
    if (index < 0) return;
    slot *s = &r->slots[index];
    s->state = SLOT_SCALAR;
    s->kind = (uint8_t)v->kind;
    /* Only text has an unescape flag; other kinds leave it unset. */
    s->unescape = v->kind == PV_M_TEXT || v->kind == PV_M_CODE ? v->unescape : false;
    if (v->kind == PV_M_INT || v->kind == PV_M_BOOL) {
        s->u.i = v->i;
    } else if (v->kind == PV_M_FLOAT || v->kind == PV_M_COMPLEX) {
        s->u.f = v->f;
    } else if (v->bytes) {
        s->u.pos = (uint64_t)(v->bytes - r->c.data);
        s->len = (uint32_t)v->len;
    }
}

/* Closes the innermost container: finishes its slot, or ends its replay. */
static void pop_frame(pv_marshal_reader *r)
{
    frame *f = &r->frames[--r->depth];
    if (f->slot >= 0) r->slots[f->slot].state = SLOT_CONTAINER;
    if (f->resume >= 0) {
        r->c.pos = (size_t)f->resume;
        r->replaying--;
    }
}

static int read_length(pv_marshal_reader *r, uint8_t code, uint32_t *out, size_t min_item,
                       const char *what, int64_t offset, pv_error *err)
{
    int32_t n = 0;
    if (code == ')' || code == 'z' || code == 'Z') {
        uint8_t small;
        if (pv_cursor_u8(&r->c, &small, what, err)) return -1;
        n = small;
    } else if (pv_cursor_i32(&r->c, &n, what, err)) {
        return -1;
    }
    if (n < 0) return pv_fail(err, PV_ERR_INPUT, offset, "%s has negative length %d", what, n);
    /* Each item takes at least min_item bytes, so a count larger than the
     * bytes left is a lie; refusing it here means no allocation or loop is
     * ever sized by an unchecked number. */
    if ((uint64_t)n * min_item > pv_cursor_left(&r->c))
        return pv_fail(err, PV_ERR_INPUT, offset, "%s claims %d %s but only %zu bytes are left",
                       what, n,
                       min_item == 1 && (code == 's' || code == 't' || code == 'u' || code == 'a' ||
                                         code == 'A' || code == 'z' || code == 'Z')
                           ? "bytes"
                           : "items",
                       pv_cursor_left(&r->c));
    *out = (uint32_t)n;
    return 0;
}

static int read_float_text(pv_marshal_reader *r, double *out, int64_t offset, pv_error *err)
{
    uint8_t n = 0;
    const unsigned char *p = NULL;
    if (pv_cursor_u8(&r->c, &n, "float length", err) ||
        pv_cursor_bytes(&r->c, n, &p, "float text", err))
        return -1;
    char text[256];
    memcpy(text, p, n);
    text[n] = '\0';
    char *end;
    *out = strtod(text, &end);
    if (n == 0 || *end != '\0')
        return pv_fail(err, PV_ERR_INPUT, offset, "float text \"%s\" is not a number", text);
    return 0;
}

static int read_long(pv_marshal_reader *r, int64_t *out, int64_t offset, pv_error *err)
{
    int32_t n = 0;
    if (pv_cursor_i32(&r->c, &n, "long digit count", err)) return -1;
    if (n < -INT32_MAX)
        return pv_fail(err, PV_ERR_INPUT, offset, "long has an impossible digit count");
    uint32_t digits = (uint32_t)(n < 0 ? -n : n);
    if ((uint64_t)digits * 2 > pv_cursor_left(&r->c))
        return pv_fail(err, PV_ERR_INPUT, offset,
                       "long claims %u digits but only %zu bytes are left", digits,
                       pv_cursor_left(&r->c));
    /* Digits are base 2^15, least significant first; anything past 63 bits
     * cannot be a count or a line number, so it is refused. */
    uint64_t magnitude = 0;
    for (uint32_t k = 0; k < digits; k++) {
        const unsigned char *p = r->c.data + r->c.pos; /* two bytes are there: checked above */
        r->c.pos += 2;
        unsigned d = (unsigned)p[0] | (unsigned)p[1] << 8;
        if (d >= 1u << 15)
            return pv_fail(err, PV_ERR_INPUT, offset, "long digit %u out of range", d);
        if (k == digits - 1 && d == 0)
            return pv_fail(err, PV_ERR_INPUT, offset, "long is not normalized");
        if (d == 0) continue;
        if (k >= 5 || (k == 4 && d >= 1u << 4))
            return pv_fail(err, PV_ERR_INPUT, offset, "integer does not fit in 64 bits");
        magnitude |= (uint64_t)d << (15 * k);
    }
    if (n >= 0 ? magnitude > (uint64_t)INT64_MAX : magnitude > (uint64_t)INT64_MAX + 1)
        return pv_fail(err, PV_ERR_INPUT, offset, "integer does not fit in 64 bits");
    *out = n >= 0 ? (int64_t)magnitude : (int64_t)(0 - magnitude);
    return 0;
}

static int read_header_slow(pv_marshal_reader *r, pv_mvalue *v, pv_error *err);
static inline int read_header(pv_marshal_reader *r, pv_mvalue *v, pv_error *err);

/* Starts the replay of a finished container: its children are read again
 * from where they stand, and END returns to resume. Nothing of the container
 * is touched until a child is asked for, so a caller that recognises the
 * slot and skips costs nothing. */
static int replay_container(pv_marshal_reader *r, const slot *s, int64_t index, pv_mvalue *v,
                            pv_error *err)
{
    size_t resume = r->c.pos;
    v->kind = (pv_mkind)s->kind;
    v->count = s->len;
    v->is_ref = true;
    v->slot = index;
    if (pv_marshal_push_frame(r, v->kind, s->len, -1, (int64_t)resume, v->offset, err)) return -1;
    r->c.pos = (size_t)s->u.pos;
    return 0;
}

static int read_reference(pv_marshal_reader *r, pv_mvalue *v, pv_error *err)
{
    int32_t index;
    if (pv_cursor_i32(&r->c, &index, "reference index", err)) return -1;
    if (index < 0 || (size_t)index >= r->nslots)
        return pv_fail(err, PV_ERR_INPUT, v->offset,
                       "reference to object %d, but only %zu objects were stored before it", index,
                       r->nslots);
    const slot *s = &r->slots[index];
    if (s->state == SLOT_PENDING)
        return pv_fail(err, PV_ERR_INPUT, v->offset,
                       "reference to object %d, whose container is still being read", index);
    if (s->state == SLOT_CONTAINER) return replay_container(r, s, index, v, err);
    v->kind = (pv_mkind)s->kind;
    v->is_ref = true;
    v->slot = index;
    v->unescape = s->unescape;
    if (v->kind == PV_M_INT || v->kind == PV_M_BOOL)
        v->i = s->u.i;
    else if (v->kind == PV_M_FLOAT || v->kind == PV_M_COMPLEX)
        v->f = s->u.f;
    else if (v->kind == PV_M_TEXT || v->kind == PV_M_BYTES || v->kind == PV_M_CODE) {
        v->bytes = r->c.data + s->u.pos;
        v->len = s->len;
    }
    return 0;
}

static int read_string(pv_marshal_reader *r, uint8_t code, pv_mvalue *v, pv_error *err)
{
    uint32_t n;
    if (read_length(r, code, &n, 1, "string", v->offset, err)) return -1;
    pv_cursor_bytes(&r->c, n, &v->bytes, "string", err);
    v->len = n;
    v->kind = code == 's' ? PV_M_BYTES : PV_M_TEXT;
    v->count = 0;
    /* Only text written by Python 3 ('u', interned 't') carries surrogate
     * escapes; ASCII kinds cannot. */
    v->unescape = code == 'u' || code == 't';
    if (code == 't' && !r->replaying) {
        if (r->ninterned == r->interned_cap) {
            size_t cap = r->interned_cap ? r->interned_cap * 2 : 256;
            span *p = realloc(r->interned, cap * sizeof *p);
            if (!p) return oom(err, r->c.pos);
            r->interned = p;
            r->interned_cap = cap;
        }
        r->interned[r->ninterned++] = (span){(uint64_t)(v->bytes - r->c.data), n};
    }
    return 0;
}

/* Reads the object starting at the cursor: a scalar whole, a container's
 * header (pushing its frame). Only the fields that belong to the value's kind
 * are set (and kind, offset, slot, is_ref always). */
static int read_header_slow(pv_marshal_reader *r, pv_mvalue *v, pv_error *err)
{
    uint8_t type;
    if (pv_cursor_u8(&r->c, &type, "type code", err)) return -1;
    uint8_t code = type & ~FLAG_REF;
    bool flagged = (type & FLAG_REF) != 0;
    int64_t index;
    uint32_t count;
    switch (code) {
    case '0':
        return pv_fail(err, PV_ERR_INPUT, v->offset,
                       "unexpected NULL object outside a dict key position");
    case 'N':
    case '.':
    case 'S':
        v->kind = PV_M_NONE;
        return 0;
    case 'F':
    case 'T':
        v->kind = PV_M_BOOL;
        v->i = code == 'T';
        return 0;
    case 'r':
        return read_reference(r, v, err);
    case 'R': {
        int32_t k;
        if (pv_cursor_i32(&r->c, &k, "string reference", err)) return -1;
        if (k < 0 || (size_t)k >= r->ninterned)
            return pv_fail(err, PV_ERR_INPUT, v->offset,
                           "string reference %d, but only %zu strings were interned before it", k,
                           r->ninterned);
        v->kind = PV_M_TEXT;
        v->bytes = r->c.data + r->interned[k].pos;
        v->len = r->interned[k].len;
        v->unescape = true;
        return 0;
    }
    case '?':
        return pv_fail(err, PV_ERR_INPUT, v->offset,
                       "marshal type UNKNOWN ('?') is always invalid");
    default:
        break;
    }

    if (take_slot(r, flagged, &index, err)) return -1;
    v->slot = index;
    switch (code) {
    case 'i': {
        int32_t x;
        if (pv_cursor_i32(&r->c, &x, "int", err)) return -1;
        v->kind = PV_M_INT;
        v->i = x;
        break;
    }
    case 'I': {
        uint64_t x;
        if (pv_cursor_u64(&r->c, &x, "int64", err)) return -1;
        v->kind = PV_M_INT;
        v->i = (int64_t)x;
        break;
    }
    case 'l':
        v->kind = PV_M_INT;
        if (read_long(r, &v->i, v->offset, err)) return -1;
        break;
    case 'f':
        v->kind = PV_M_FLOAT;
        if (read_float_text(r, &v->f, v->offset, err)) return -1;
        break;
    case 'g': {
        uint64_t bits;
        if (pv_cursor_u64(&r->c, &bits, "float", err)) return -1;
        memcpy(&v->f, &bits, sizeof v->f);
        v->kind = PV_M_FLOAT;
        break;
    }
    case 'x': {
        double imag;
        v->kind = PV_M_COMPLEX;
        if (read_float_text(r, &v->f, v->offset, err) || read_float_text(r, &imag, v->offset, err))
            return -1;
        break;
    }
    case 'y': {
        uint64_t bits[2];
        if (pv_cursor_u64(&r->c, &bits[0], "complex", err) ||
            pv_cursor_u64(&r->c, &bits[1], "complex", err))
            return -1;
        memcpy(&v->f, &bits[0], sizeof v->f);
        v->kind = PV_M_COMPLEX;
        break;
    }
    case 's':
    case 't':
    case 'u':
    case 'a':
    case 'A':
    case 'z':
    case 'Z':
        if (read_string(r, code, v, err)) return -1;
        break;
    case 'c':
        v->kind = PV_M_CODE;
        if (pv_marshal_read_code(r, v, err)) return -1;
        break;
    case '(':
    case ')':
    case '[':
    case '<':
    case '>':
        if (read_length(r, code, &count, 1,
                        code == '['                  ? "list"
                        : code == '<' || code == '>' ? "set"
                                                     : "tuple",
                        v->offset, err))
            return -1;
        v->kind = code == '[' ? PV_M_LIST : code == '<' || code == '>' ? PV_M_SET : PV_M_TUPLE;
        v->count = count;
        return pv_marshal_push_frame(r, v->kind, count, index, -1, v->offset, err);
    case '{':
        v->kind = PV_M_DICT;
        v->count = 0;
        return pv_marshal_push_frame(r, v->kind, 0, index, -1, v->offset, err);
    case ':':
        v->kind = PV_M_SLICE;
        v->count = 3;
        return pv_marshal_push_frame(r, v->kind, 3, index, -1, v->offset, err);
    default:
        if (code >= 0x20 && code < 0x7f)
            return pv_fail(err, PV_ERR_INPUT, v->offset, "unknown marshal type code '%c' (0x%02x)",
                           code, type);
        return pv_fail(err, PV_ERR_INPUT, v->offset, "unknown marshal type code 0x%02x", type);
    }
    set_scalar_slot(r, index, v);
    return 0;
}

/* A stats file is millions of small objects, mostly unflagged ints, floats,
 * short strings, small tuples and references to scalars: those are decoded
 * here, in a function small enough to inline, and the rest out of line. */
static inline int read_header(pv_marshal_reader *r, pv_mvalue *v, pv_error *err)
{
    v->offset = (int64_t)r->c.pos;
    v->slot = -1;
    v->is_ref = false;
    if (pv_cursor_left(&r->c) < 9) return read_header_slow(r, v, err);
    const unsigned char *p = r->c.data + r->c.pos;
    switch (p[0]) {
    case 'i':
        v->kind = PV_M_INT;
        v->i = (int32_t)pv_marshal_load_u32(p + 1);
        r->c.pos += 5;
        return 0;
    case 'g': {
        uint64_t bits = (uint64_t)pv_marshal_load_u32(p + 1) | (uint64_t)pv_marshal_load_u32(p + 5)
                                                                   << 32;
        v->kind = PV_M_FLOAT;
        memcpy(&v->f, &bits, sizeof v->f);
        r->c.pos += 9;
        return 0;
    }
    case 'r': {
        uint32_t index = pv_marshal_load_u32(p + 1);
        if (index >= r->nslots) break;
        const slot *sl = &r->slots[index];
        if (sl->state == SLOT_CONTAINER) {
            r->c.pos += 5;
            return replay_container(r, sl, index, v, err);
        }
        if (sl->state != SLOT_SCALAR) break;
        v->kind = (pv_mkind)sl->kind;
        v->is_ref = true;
        v->slot = index;
        if (v->kind == PV_M_INT)
            v->i = sl->u.i;
        else if (v->kind == PV_M_FLOAT)
            v->f = sl->u.f;
        else
            break;
        r->c.pos += 5;
        return 0;
    }
    case ')':
    case ')' | FLAG_REF: {
        if (p[1] > pv_cursor_left(&r->c) - 2) break;
        int64_t index = -1;
        if (p[0] & FLAG_REF && take_slot(r, true, &index, err)) return -1;
        v->kind = PV_M_TUPLE;
        v->slot = index;
        v->count = p[1];
        r->c.pos += 2;
        return pv_marshal_push_frame(r, PV_M_TUPLE, v->count, index, -1, v->offset, err);
    }
    case '{':
    case '{' | FLAG_REF: {
        int64_t index = -1;
        if (p[0] & FLAG_REF && take_slot(r, true, &index, err)) return -1;
        v->kind = PV_M_DICT;
        v->slot = index;
        v->count = 0;
        r->c.pos += 1;
        return pv_marshal_push_frame(r, PV_M_DICT, 0, index, -1, v->offset, err);
    }
    case 'z':
    case 'Z':
    case 'z' | FLAG_REF:
    case 'Z' | FLAG_REF: {
        if (p[1] > pv_cursor_left(&r->c) - 2) break;
        int64_t index = -1;
        if (p[0] & FLAG_REF && take_slot(r, true, &index, err)) return -1;
        v->kind = PV_M_TEXT;
        v->slot = index;
        v->unescape = false;
        v->bytes = p + 2;
        v->len = p[1];
        r->c.pos += 2 + (size_t)p[1];
        set_scalar_slot(r, index, v);
        return 0;
    }
    default:
        break;
    }
    return read_header_slow(r, v, err);
}

int pv_marshal_next(pv_marshal_reader *r, pv_mvalue *v, pv_error *err)
{
    if (r->depth > 0) {
        frame *f = &r->frames[r->depth - 1];
        if (r->replaying && r->replay_budget-- == 0)
            return pv_fail(err, PV_ERR_INPUT, (int64_t)r->c.pos,
                           "back-references expand to more objects than the file could hold");
        if (f->kind == PV_M_DICT) {
            if (!f->dict_value && pv_cursor_left(&r->c) > 0 &&
                (r->c.data[r->c.pos] & ~FLAG_REF) == '0') {
                *v = (pv_mvalue){.kind = PV_M_END, .offset = (int64_t)r->c.pos, .slot = -1};
                r->c.pos++;
                pop_frame(r);
                return 0;
            }
            if (f->dict_value && pv_cursor_left(&r->c) > 0 &&
                (r->c.data[r->c.pos] & ~FLAG_REF) == '0')
                return pv_fail(err, PV_ERR_INPUT, (int64_t)r->c.pos,
                               "dict ends where a value was expected");
            f->dict_value = !f->dict_value;
        } else if (f->kind != PV_M_CODE) {
            if (f->remaining == 0) {
                *v = (pv_mvalue){.kind = PV_M_END, .offset = (int64_t)r->c.pos, .slot = -1};
                pop_frame(r);
                return 0;
            }
            f->remaining--;
        }
    }
    return read_header(r, v, err);
}

static int mark_unread(pv_mvalue *out, uint32_t from, uint32_t n)
{
    for (uint32_t k = from; k < n; k++)
        out[k] = (pv_mvalue){.kind = PV_M_END, .offset = -1, .slot = -1};
    return 0;
}

int pv_marshal_read_scalars(pv_marshal_reader *r, uint32_t n, pv_mvalue *out, pv_error *err)
{
    frame *f = r->depth ? &r->frames[r->depth - 1] : NULL;
    size_t depth = r->depth;
    if (!f || f->kind == PV_M_DICT || f->kind == PV_M_CODE || f->remaining < n) {
        /* Not the plain case: the general path gives the same results. */
        for (uint32_t k = 0; k < n; k++) {
            if (pv_marshal_next(r, &out[k], err)) return -1;
            if (out[k].kind == PV_M_END || r->depth > depth) return mark_unread(out, k + 1, n);
        }
        return 0;
    }
    /* The container has at least n children left, so none of them can be
     * its end: read them without the per-child bookkeeping of next(). */
    for (uint32_t k = 0; k < n; k++) {
        if (r->replaying && r->replay_budget-- == 0)
            return pv_fail(err, PV_ERR_INPUT, (int64_t)r->c.pos,
                           "back-references expand to more objects than the file could hold");
        r->frames[depth - 1].remaining--;
        if (read_header(r, &out[k], err)) return -1;
        if (r->depth > depth) return mark_unread(out, k + 1, n); /* the caller sees its header */
    }
    return 0;
}

int pv_marshal_skip(pv_marshal_reader *r, pv_error *err)
{
    if (r->depth == 0) return 0;
    frame *f = &r->frames[r->depth - 1];
    if (f->resume >= 0) {
        /* A replayed container's bytes were read once already: jump back. */
        pop_frame(r);
        return 0;
    }
    size_t target = r->depth - 1;
    pv_mvalue v;
    while (r->depth > target)
        if (pv_marshal_next(r, &v, err)) return -1;
    return 0;
}

int pv_marshal_read_whole(pv_marshal_reader *r, pv_mvalue *v, pv_error *err)
{
    pv_mvalue local;
    if (!v) v = &local;
    size_t depth = r->depth;
    if (pv_marshal_next(r, v, err)) return -1;
    if (v->kind == PV_M_END)
        return pv_fail(err, PV_ERR_INPUT, v->offset,
                       "a container ended where an object was expected");
    if (r->depth > depth) return pv_marshal_skip(r, err);
    return 0;
}
