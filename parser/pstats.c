/* pstats.c: the stats dict, read straight from the marshal stream into a
 * builder, one entry at a time. No tree of marshal values is ever built: a
 * 50 MB file is read in one pass with memory proportional to the functions and
 * edges it holds. */
#define _DEFAULT_SOURCE /* madvise */
#include "pstats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "feed.h"
#include "marshal.h"
#include "sniff.h"
#include "text.h"

typedef struct parse_state {
    pv_marshal_reader *r;
    pv_feed *feed; /* the builder's calls go through it (feed.h) */
    /* What was fed from each reference slot, two bits a slot (MADE_*): a
     * back-reference to a key or a file name already fed is passed on by its
     * slot, unread, and the feed's runner looks it up (feed.h). At 1/16 of
     * a table of function numbers, this stays in the cache. */
    uint64_t *made;
    size_t made_words;
    uint32_t nfiles, nkeys; /* file names and keys fed so far */
    const unsigned char *data;
    bool release_behind; /* data is a file mapping whose read pages may be dropped */
    size_t released;
} parse_state;

static int next(parse_state *st, pv_mvalue *v, pv_error *err)
{
    return pv_marshal_next(st->r, v, err);
}

static int expect_end(parse_state *st, const char *what, pv_error *err)
{
    pv_mvalue v;
    if (next(st, &v, err)) return -1;
    if (v.kind != PV_M_END)
        return pv_fail(err, PV_ERR_INPUT, v.offset, "%s has too many items", what);
    return 0;
}

static bool is_string(const pv_mvalue *v)
{
    return v->kind == PV_M_TEXT || v->kind == PV_M_BYTES;
}

#define MAX_FUNCTIONS 0x7ffffffeu

enum { MADE_NOTHING, MADE_KEY, MADE_FILE };

/* What was fed from a slot (-1, or one past any marked: nothing). */
static unsigned made_of(const parse_state *st, int64_t slot)
{
    if (slot < 0 || (uint64_t)slot / 32 >= st->made_words) return MADE_NOTHING;
    return (unsigned)(st->made[slot / 32] >> (slot % 32 * 2)) & 3;
}

/* Marks slot as made into a key or a file name; a slot the feed cannot
 * name (PV_FEED_NO_SLOT and beyond) is left unmarked. */
static int set_made(parse_state *st, int64_t slot, unsigned what, pv_error *err)
{
    if (slot < 0 || slot >= PV_FEED_NO_SLOT) return 0;
    size_t word = (size_t)slot / 32;
    if (word >= st->made_words) {
        size_t cap = st->made_words ? st->made_words : 256;
        while (cap <= word)
            cap *= 2;
        uint64_t *p = realloc(st->made, cap * sizeof *p);
        if (!p) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        memset(p + st->made_words, 0, (cap - st->made_words) * sizeof *p);
        st->made = p;
        st->made_words = cap;
    }
    st->made[word] |= (uint64_t)what << (slot % 32 * 2);
    return 0;
}

/* Sets *fslot to the slot by which the feed knows a key's file name, or to
 * PV_FEED_NO_SLOT: the name goes with its key. File names repeat for every
 * function of a file, and Python 3 writes them once and refers back to
 * them, so a name with a slot is fed once and named by its slot after. */
static int key_file(parse_state *st, const pv_mvalue *file, uint32_t *fslot, pv_error *err)
{
    unsigned made = made_of(st, file->slot);
    if (made == MADE_FILE) {
        *fslot = (uint32_t)file->slot;
        return 0;
    }
    *fslot = PV_FEED_NO_SLOT;
    if (file->slot < 0 || file->slot >= PV_FEED_NO_SLOT || made || st->nfiles >= MAX_FUNCTIONS)
        return 0;
    if (pv_feed_file(st->feed, (uint32_t)file->slot, file->bytes, file->len, file->unescape, err) ||
        set_made(st, file->slot, MADE_FILE, err))
        return -1;
    st->nfiles++;
    *fslot = (uint32_t)file->slot;
    return 0;
}

/* Reads the rest of a key whose header is *key. Returns 1 with *fn set, 0 for
 * a key to pass over (3.15's ("__sampled__",) marker), or -1. */
static int read_key(parse_state *st, const pv_mvalue *key, pv_feed_ref *fn, pv_error *err)
{
    if (key->kind != PV_M_TUPLE)
        return pv_fail(err, PV_ERR_INPUT, key->offset,
                       "a key is a %s, not a (file, line, name) tuple",
                       pv_marshal_kind_name(key->kind));
    if (key->is_ref && made_of(st, key->slot) == MADE_KEY) {
        *fn = pv_feed_slot((uint32_t)key->slot);
        return pv_marshal_skip(st->r, err) ? -1 : 1;
    }
    pv_mvalue file, line, name;
    if (key->count == 1) {
        if (next(st, &file, err)) return -1;
        if (file.kind == PV_M_TEXT && file.len == 11 &&
            memcmp(file.bytes, "__sampled__", 11) == 0) {
            if (expect_end(st, "the key", err)) return -1;
            return 0;
        }
    }
    if (key->count != 3)
        return pv_fail(err, PV_ERR_INPUT, key->offset,
                       "a key is a tuple of %u items, not (file, line, name)", key->count);
    /* A file name fed before, referred back to: passed on by its slot,
     * which is not read. */
    uint32_t fslot = PV_FEED_NO_SLOT;
    int64_t ref = pv_marshal_peek_ref_item(st->r);
    if (made_of(st, ref) == MADE_FILE) {
        pv_marshal_take_ref_item(st->r);
        fslot = (uint32_t)ref;
        file = (pv_mvalue){.kind = PV_M_END};
    } else {
        if (next(st, &file, err)) return -1;
        if (!is_string(&file))
            return pv_fail(err, PV_ERR_INPUT, file.offset,
                           "a key's file name is a %s, not a string",
                           pv_marshal_kind_name(file.kind));
    }
    if (next(st, &line, err)) return -1;
    if (line.kind != PV_M_INT)
        return pv_fail(err, PV_ERR_INPUT, line.offset, "a key's line number is a %s, not an int",
                       pv_marshal_kind_name(line.kind));
    if (next(st, &name, err)) return -1;
    /* The profile module puts the command's code object in the name slot. */
    if (!is_string(&name) && name.kind != PV_M_CODE)
        return pv_fail(err, PV_ERR_INPUT, name.offset,
                       "a key's function name is a %s, not a string",
                       pv_marshal_kind_name(name.kind));
    if (expect_end(st, "a key", err)) return -1;

    if (fslot == PV_FEED_NO_SLOT && key_file(st, &file, &fslot, err)) return -1;
    if (st->nkeys >= MAX_FUNCTIONS)
        return pv_fail(err, PV_ERR_INPUT, key->offset, "too many functions");
    /* The builder numbers added keys 0, 1, 2, ... as they come (feed.h). */
    uint32_t slot =
        key->slot >= 0 && key->slot < PV_FEED_NO_SLOT ? (uint32_t)key->slot : PV_FEED_NO_SLOT;
    if (pv_feed_key(st->feed, slot, fslot, file.bytes, file.len, file.unescape, line.i, name.bytes,
                    name.len, name.unescape, err))
        return -1;
    *fn = pv_feed_number(st->nkeys++);
    if (set_made(st, key->slot, MADE_KEY, err)) return -1;
    return 1;
}

static int check_count(const pv_mvalue *v, const char *what, int64_t *out, pv_error *err)
{
    if (v->kind != PV_M_INT)
        return pv_fail(err, PV_ERR_INPUT, v->offset, "%s is a %s, not an int", what,
                       pv_marshal_kind_name(v->kind));
    if (v->i < 0)
        return pv_fail(err, PV_ERR_INPUT, v->offset, "%s is negative (%lld)", what,
                       (long long)v->i);
    *out = v->i;
    return 0;
}

static int check_time(const pv_mvalue *v, const char *what, double *out, pv_error *err)
{
    if (v->kind == PV_M_INT) {
        *out = (double)v->i; /* the profile module writes whole-number times as ints */
        return 0;
    }
    if (v->kind != PV_M_FLOAT)
        return pv_fail(err, PV_ERR_INPUT, v->offset, "%s is a %s, not a number", what,
                       pv_marshal_kind_name(v->kind));
    if (!isfinite(v->f))
        return pv_fail(err, PV_ERR_INPUT, v->offset, "%s is not a finite number", what);
    *out = v->f;
    return 0;
}

/* Adds a caller from its numbers: a bare count (count 1) or (nc, cc, tt, ct). */
static int add_caller_numbers(parse_state *st, pv_feed_ref caller, const pv_mvalue *n,
                              uint32_t count, pv_error *err)
{
    int64_t nc = 0, cc = 0;
    double tt = 0, ct = 0;
    if (count == 1) {
        if (check_count(&n[0], "a caller's call count", &nc, err)) return -1;
        return pv_feed_caller(st->feed, caller, nc, nc, NAN, NAN, err);
    }
    if (check_count(&n[0], "a caller's call count", &nc, err) ||
        check_count(&n[1], "a caller's primitive call count", &cc, err) ||
        check_time(&n[2], "a caller's total time", &tt, err) ||
        check_time(&n[3], "a caller's cumulative time", &ct, err))
        return -1;
    return pv_feed_caller(st->feed, caller, nc, cc, tt, ct, err);
}

/* One caller of the entry begun last: (nc, cc, tt, ct) from cProfile and
 * yappi, or a bare call count from the profile module. */
static int read_caller(parse_state *st, pv_feed_ref caller, pv_error *err)
{
    pv_mvalue v, n[4];
    if (next(st, &v, err)) return -1;
    if (v.kind == PV_M_INT) return add_caller_numbers(st, caller, &v, 1, err);
    if (v.kind != PV_M_TUPLE)
        return pv_fail(err, PV_ERR_INPUT, v.offset,
                       "a caller's numbers are a %s, not a tuple or an int",
                       pv_marshal_kind_name(v.kind));
    if (v.count != 4)
        return pv_fail(err, PV_ERR_INPUT, v.offset,
                       "a caller's numbers are a tuple of %u items, not 4", v.count);
    if (pv_marshal_read_scalars(st->r, 4, n, err)) return -1;
    /* Check the numbers before the end, so that errors come in file order. */
    for (int k = 0; k < 4; k++)
        if (n[k].kind != PV_M_INT && n[k].kind != PV_M_FLOAT)
            return add_caller_numbers(st, caller, n, 4, err);
    if (expect_end(st, "a caller's numbers", err)) return -1;
    return add_caller_numbers(st, caller, n, 4, err);
}

/* The callers dict of the entry begun last, its header already read, through
 * the END of the stats tuple that holds it. */
static int read_callers(parse_state *st, pv_error *err)
{
    pv_mvalue v, n[4];
    for (;;) {
        int64_t ref = pv_marshal_peek_ref_key(st->r);
        uint32_t count;
        if (made_of(st, ref) == MADE_KEY && pv_marshal_take_ref_key_numbers(st->r, n, &count)) {
            if (add_caller_numbers(st, pv_feed_slot((uint32_t)ref), n, count, err)) return -1;
            continue;
        }
        if (next(st, &v, err)) return -1;
        if (v.kind == PV_M_END) break;
        pv_feed_ref caller;
        int got = read_key(st, &v, &caller, err);
        if (got < 0) return -1;
        if (got == 0) {
            if (pv_marshal_read_whole(st->r, NULL, err)) return -1;
            continue;
        }
        if (read_caller(st, caller, err)) return -1;
    }
    return expect_end(st, "a function's statistics", err);
}

static int begin_entry(parse_state *st, pv_feed_ref id, const pv_mvalue *n, pv_error *err)
{
    int64_t cc = 0, nc = 0;
    double tt = 0, ct = 0;
    if (check_count(&n[0], "a primitive call count", &cc, err) ||
        check_count(&n[1], "a call count", &nc, err) ||
        check_time(&n[2], "a total time", &tt, err) ||
        check_time(&n[3], "a cumulative time", &ct, err))
        return -1;
    return pv_feed_entry(st->feed, id, nc, cc, tt, ct, err);
}

/* The value of a stats entry: (cc, nc, tt, ct, callers). */
static int read_entry(parse_state *st, pv_feed_ref id, pv_error *err)
{
    pv_mvalue v, n[4];
    int fast = pv_marshal_take_numbers_then_dict(st->r, 5, 4, n, err);
    if (fast < 0) return -1;
    if (fast) return begin_entry(st, id, n, err) ? -1 : read_callers(st, err);

    if (next(st, &v, err)) return -1;
    if (v.kind != PV_M_TUPLE)
        return pv_fail(err, PV_ERR_INPUT, v.offset, "a function's statistics are a %s, not a tuple",
                       pv_marshal_kind_name(v.kind));
    if (v.count != 5)
        return pv_fail(
            err, PV_ERR_INPUT, v.offset,
            "a function's statistics are a tuple of %u items, not (cc, nc, tt, ct, callers)",
            v.count);
    if (pv_marshal_read_scalars(st->r, 4, n, err) || begin_entry(st, id, n, err)) return -1;
    if (next(st, &v, err)) return -1;
    if (v.kind != PV_M_DICT)
        return pv_fail(err, PV_ERR_INPUT, v.offset, "a function's callers are a %s, not a dict",
                       pv_marshal_kind_name(v.kind));
    return read_callers(st, err);
}

/* Gives back the pages of a file mapping that the reader has left behind, so
 * that a large file does not stay resident while its model is built. Pages
 * read again later (by a back-reference) are simply faulted in again. */
static void release_read_pages(parse_state *st)
{
    size_t pos = pv_marshal_offset(st->r);
    const size_t step = 4u << 20;
    if (!st->release_behind || pos < st->released + 2 * step) return;
    long page = sysconf(_SC_PAGESIZE);
    size_t upto = (pos - step) & ~((size_t)page - 1);
    madvise((void *)(st->data + st->released), upto - st->released, MADV_DONTNEED);
    st->released = upto;
}

static int parse_stats(parse_state *st, pv_error *err)
{
    pv_mvalue top, key;
    if (next(st, &top, err)) return -1;
    if (top.kind != PV_M_DICT)
        return pv_fail(err, PV_ERR_INPUT, top.offset,
                       "the file holds a %s, not a dict of function statistics",
                       pv_marshal_kind_name(top.kind));
    for (;;) {
        pv_feed_ref id;
        int got;
        /* A function first met as a caller comes back here as a reference to
         * a key already made: take it without reading the reference's slot. */
        int64_t ref = pv_marshal_peek_ref_key(st->r);
        if (made_of(st, ref) == MADE_KEY) {
            pv_marshal_take_ref_key(st->r);
            id = pv_feed_slot((uint32_t)ref);
            got = 1;
        } else {
            if (next(st, &key, err)) return -1;
            if (key.kind == PV_M_END) return 0;
            got = read_key(st, &key, &id, err);
        }
        if (got < 0) return -1;
        if (got == 0) {
            if (pv_marshal_read_whole(st->r, NULL, err)) return -1;
            continue;
        }
        if (read_entry(st, id, err)) return -1;
        release_read_pages(st);
    }
}

const char *pv_pstats_sniff(const unsigned char *data, size_t len)
{
    const pv_sniffed *what = pv_sniff(data, len);
    return what ? what->what : NULL;
}

static int parse(const unsigned char *data, size_t len, unsigned flags, pv_profile **out,
                 pv_error *err)
{
    *out = NULL;
    if (len == 0)
        return pv_fail(err, PV_ERR_INPUT, 0, "empty file: not a Python profile; " PV_SNIFF_HOW_TO);
    parse_state st = {.data = data, .release_behind = (flags & PV_LOAD_RELEASE_BEHIND) != 0};
    int status = -1;
    st.r = pv_marshal_new(data, len);
    pv_builder *b = pv_builder_new();
    if (!st.r || !b) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    if (flags & PV_LOAD_NO_EDGES) pv_builder_drop_edges(b);
    /* Real profiles take about 150 to 250 bytes per function (its key, its
     * numbers and two or three callers). */
    pv_builder_expect(b, len / 200);
    bool helper =
        !(flags & PV_LOAD_ONE_THREAD) && (len >= PV_LOAD_HELPER_MIN || (flags & PV_LOAD_HELPER));
    st.feed = pv_feed_new(b, !(flags & PV_LOAD_NO_EDGES), helper);
    if (!st.feed) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    int failed = parse_stats(&st, err);
    /* Calls still queued come before where the reader stopped: an error of
     * the builder's among them is the first error. */
    pv_error builder_err;
    if (pv_feed_finish(st.feed, &builder_err)) {
        *err = builder_err;
        failed = -1;
    }
    pv_feed_free(st.feed);
    st.feed = NULL;
    if (failed) {
        /* Only once the bytes have failed as marshal: an empty stats dict
         * ("{0") looks like text, and real profiles must never be second-guessed. */
        const pv_sniffed *what = pv_sniff(data, len);
        if (what)
            pv_fail(err, PV_ERR_INPUT, 0, "not a Python profile: this is %s; %s", what->what,
                    what->advice);
        goto done;
    }
    /* The reader's slots and what was made of them are spent: freed before
     * the builder's last step, which can then use their memory (fresh
     * memory costs more to touch than memory just given back). */
    pv_marshal_free(st.r);
    st.r = NULL;
    free(st.made);
    st.made = NULL;
    *out = pv_builder_finish(b, err);
    b = NULL;
    status = *out ? 0 : -1;
done:
    pv_feed_free(st.feed); /* stops the helper before the builder goes */
    pv_builder_free(b);
    pv_marshal_free(st.r);
    free(st.made);
    return status;
}

int pv_pstats_parse(const unsigned char *data, size_t len, pv_profile **out, pv_error *err)
{
    return parse(data, len, 0, out, err);
}

int pv_pstats_parse_with(const unsigned char *data, size_t len, unsigned flags, pv_profile **out,
                         pv_error *err)
{
    return parse(data, len, flags, out, err);
}
