/* marshal_code.c: code objects in marshal data. Stats files hold none, but a
 * marshal stream may, and their layout changed with Python's versions; only
 * co_name is kept. See marshal_internal.h for the reader's state. */
#include <stdbool.h>
#include <stddef.h>

#include "marshal_internal.h"

/* Ambiguous code-object layouts are resolved by trying them; this caps the
 * retries per file so that nested hostile code objects cannot blow up. */
#define MAX_CODE_RETRIES 64

/* The byte at position p could start co_code: a bytes object, or (3.10 shares
 * equal bytecode between code objects) a back-reference to one. */
static bool bytes_object_at(const pv_marshal_reader *r, size_t p)
{
    return p < r->c.len && ((r->c.data[p] & ~FLAG_REF) == 's' || r->c.data[p] == 'r');
}

/* Reads one field of a code object into *v (all of it, if a container). */
static int code_field(pv_marshal_reader *r, pv_mvalue *v, pv_error *err)
{
    return pv_marshal_read_whole(r, v, err);
}

static int code_text_field(pv_marshal_reader *r, pv_mvalue *v, const char *what, pv_error *err)
{
    int64_t at = (int64_t)r->c.pos;
    if (code_field(r, v, err)) return -1;
    if (v->kind != PV_M_TEXT && v->kind != PV_M_BYTES)
        return pv_fail(err, PV_ERR_INPUT, at, "code object's %s is a %s, not a string", what,
                       pv_marshal_kind_name(v->kind));
    return 0;
}

/* Reads a code object's body laid out with nints leading i32 fields. Returns
 * its co_name in *v. The 3.11+ and 3.0-3.7 layouts both have five; they part
 * at the fifth object (bytes from 3.11 on, a tuple before). */
static int code_layout(pv_marshal_reader *r, int nints, pv_mvalue *v, pv_error *err)
{
    pv_mvalue field, name;
    for (int k = 0; k < nints; k++) {
        int32_t ignored;
        if (pv_cursor_i32(&r->c, &ignored, "code object field", err)) return -1;
    }
    int64_t at = (int64_t)r->c.pos;
    if (code_field(r, &field, err)) return -1;
    if (field.kind != PV_M_BYTES)
        return pv_fail(err, PV_ERR_INPUT, at, "code object's bytecode is not bytes");
    for (int k = 0; k < 3; k++) /* consts, names, varnames / localsplusnames */
        if (code_field(r, &field, err)) return -1;
    if (code_field(r, &field, err)) return -1; /* freevars / localspluskinds */
    bool modern = nints == 5 && field.kind == PV_M_BYTES;
    if (!modern && code_field(r, &field, err)) return -1; /* cellvars */
    if (code_text_field(r, &field, "file name", err) || code_text_field(r, &name, "name", err))
        return -1;
    if (modern && code_field(r, &field, err)) return -1; /* qualname */
    int32_t firstlineno;
    if (pv_cursor_i32(&r->c, &firstlineno, "code object line", err)) return -1;
    if (code_field(r, &field, err)) return -1;           /* lnotab / linetable */
    if (modern && code_field(r, &field, err)) return -1; /* exceptiontable */
    v->bytes = name.bytes;
    v->len = name.len;
    v->unescape = name.unescape;
    return 0;
}

/* Reads a code object (its 'c' byte already read), keeping only co_name.
 * Nothing in the bytes says which Python wrote it, so the layouts whose
 * co_code position holds a bytes object are tried in turn, undoing whatever a
 * failed try did to the reader. */
int pv_marshal_read_code(pv_marshal_reader *r, pv_mvalue *v, pv_error *err)
{
    static const int layouts[] = {5, 6, 4}; /* 3.0-3.7 and 3.11+, 3.8-3.10, 2.7 */
    size_t start = r->c.pos, depth = r->depth, nslots = r->nslots, ninterned = r->ninterned;
    size_t replaying = r->replaying;
    pv_error first = {PV_ERR_INPUT, v->offset, "code object matches no known layout"};
    bool tried = false;
    for (size_t k = 0; k < sizeof layouts / sizeof layouts[0]; k++) {
        if (!bytes_object_at(r, start + 4 * (size_t)layouts[k])) continue;
        if (tried && ++r->code_retries > MAX_CODE_RETRIES)
            return pv_fail(err, PV_ERR_INPUT, v->offset, "too many ambiguous code objects");
        r->c.pos = start;
        r->depth = depth;
        r->nslots = nslots;
        r->ninterned = ninterned;
        r->replaying = replaying;
        pv_error attempt;
        /* A pseudo-frame keeps the fields from counting as children of the
         * container that holds the code object. */
        if (pv_marshal_push_frame(r, PV_M_CODE, UINT32_MAX, -1, -1, v->offset, err)) return -1;
        if (code_layout(r, layouts[k], v, &attempt) == 0) {
            r->depth--;
            return 0;
        }
        if (!tried) first = attempt;
        tried = true;
    }
    r->c.pos = start;
    r->depth = depth;
    r->replaying = replaying;
    if (err) *err = first;
    return -1;
}
