/* marshal_fast.c: the reader's fast paths for what a stats dict is made of:
 * a caller dict's back-referenced keys, and the number tuples that are its
 * values. Each either takes the bytes it recognises, leaving the reader as
 * pv_marshal_next() would have, or takes nothing and says so (marshal.h). */
#include <stdint.h>
#include <string.h>

#include "marshal_internal.h"

int64_t pv_marshal_peek_ref_key(const pv_marshal_reader *r)
{
    if (r->depth == 0 || r->replaying || pv_cursor_left(&r->c) < 5) return -1;
    const frame *f = &r->frames[r->depth - 1];
    const unsigned char *p = r->c.data + r->c.pos;
    if (f->kind != PV_M_DICT || f->dict_value || p[0] != 'r') return -1;
    uint32_t index = pv_marshal_load_u32(p + 1);
    /* The slot itself is not read (that would be a cache miss per caller on
     * large files): the caller knows whether it finished reading that slot. */
    return index < r->nslots ? (int64_t)index : -1;
}

void pv_marshal_take_ref_key(pv_marshal_reader *r)
{
    r->c.pos += 5;
    r->frames[r->depth - 1].dict_value = 1;
}

int64_t pv_marshal_peek_ref_item(const pv_marshal_reader *r)
{
    if (r->depth == 0 || r->replaying || pv_cursor_left(&r->c) < 5) return -1;
    const frame *f = &r->frames[r->depth - 1];
    const unsigned char *p = r->c.data + r->c.pos;
    if (f->kind == PV_M_DICT || f->kind == PV_M_CODE || f->remaining == 0 || p[0] != 'r') return -1;
    uint32_t index = pv_marshal_load_u32(p + 1);
    return index < r->nslots ? (int64_t)index : -1;
}

void pv_marshal_take_ref_item(pv_marshal_reader *r)
{
    r->c.pos += 5;
    r->frames[r->depth - 1].remaining--;
}

/* Decodes one plain number at p (an unflagged int or float, or a reference
 * to one): returns its length, or 0 for anything else. */
static size_t plain_number(const pv_marshal_reader *r, const unsigned char *p, size_t left,
                           pv_mvalue *v)
{
    if (left >= 5 && p[0] == 'i') {
        v->kind = PV_M_INT;
        v->i = (int32_t)pv_marshal_load_u32(p + 1);
        return 5;
    }
    if (left >= 9 && p[0] == 'g') {
        uint64_t bits = (uint64_t)pv_marshal_load_u32(p + 1) | (uint64_t)pv_marshal_load_u32(p + 5)
                                                                   << 32;
        v->kind = PV_M_FLOAT;
        memcpy(&v->f, &bits, sizeof v->f);
        return 9;
    }
    if (left >= 5 && p[0] == 'r') {
        uint32_t index = pv_marshal_load_u32(p + 1);
        if (index >= r->nslots || r->slots[index].state != SLOT_SCALAR) return 0;
        const slot *s = &r->slots[index];
        if (s->kind == PV_M_INT)
            v->i = s->u.i;
        else if (s->kind == PV_M_FLOAT)
            v->f = s->u.f;
        else
            return 0;
        v->kind = (pv_mkind)s->kind;
        return 5;
    }
    return 0;
}

int pv_marshal_take_numbers_then_dict(pv_marshal_reader *r, uint32_t count, uint32_t n,
                                      pv_mvalue *out, pv_error *err)
{
    if (r->depth == 0 || r->replaying || count > 255 || n + 1 != count) return 0;
    frame *parent = &r->frames[r->depth - 1];
    if (parent->kind == PV_M_DICT ? !parent->dict_value
                                  : parent->kind == PV_M_CODE || parent->remaining == 0)
        return 0;
    size_t left = pv_cursor_left(&r->c);
    const unsigned char *p = r->c.data + r->c.pos;
    if (left < 3 || p[0] != ')' || p[1] != count) return 0;
    size_t at = 2;
    for (uint32_t k = 0; k < n; k++) {
        size_t used = plain_number(r, p + at, left - at, &out[k]);
        if (!used) return 0;
        out[k].offset = (int64_t)(r->c.pos + at);
        out[k].slot = -1;
        out[k].is_ref = p[at] == 'r';
        at += used;
    }
    if (at >= left || p[at] != '{') return 0;
    /* The same frames next() would have left: the tuple with its dict as the
     * last child taken, then the dict. */
    if (parent->kind == PV_M_DICT)
        parent->dict_value = 0;
    else
        parent->remaining--;
    int64_t tuple_offset = (int64_t)r->c.pos;
    r->c.pos += at + 1;
    if (pv_marshal_push_frame(r, PV_M_TUPLE, 0, -1, -1, tuple_offset, err) ||
        pv_marshal_push_frame(r, PV_M_DICT, 0, -1, -1, (int64_t)(r->c.pos - 1), err))
        return -1;
    return 1;
}

int pv_marshal_take_ref_key_numbers(pv_marshal_reader *r, pv_mvalue *out, uint32_t *count)
{
    if (pv_marshal_peek_ref_key(r) < 0) return 0;
    const unsigned char *start = r->c.data + r->c.pos, *p = start + 5;
    size_t left = pv_cursor_left(&r->c) - 5;
    /* Offsets are only needed for messages; plain numbers never fail. */
    size_t n = plain_number(r, p, left, &out[0]);
    if (n) {
        *count = 1;
    } else if (left >= 2 && p[0] == ')' && p[1] == 4) {
        size_t at = 2;
        for (int k = 0; k < 4; k++) {
            size_t used = plain_number(r, p + at, left - at, &out[k]);
            if (!used) return 0;
            out[k].offset = (int64_t)(r->c.pos + 5 + at);
            at += used;
        }
        n = at;
        *count = 4;
    } else {
        return 0;
    }
    if (*count == 1) out[0].offset = (int64_t)(r->c.pos + 5);
    /* Key and value consumed together leave the dict expecting a key again,
     * so its frame needs no update. */
    r->c.pos += 5 + n;
    return 1;
}
