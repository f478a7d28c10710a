/* feed.c: see feed.h.
 *
 * The events live in a ring of blocks. The reader fills one block at a time
 * and hands it over whole (one lock per block, not per event); the helper
 * takes handed-over blocks in order, makes their calls and gives the block
 * back. published and done count blocks: blocks done..published-1 belong
 * to the helper, block `published` is the one the reader fills, and the
 * reader waits while the ring has no free block. Without a helper, a block
 * is run by the reader as soon as it is full. */
#include "feed.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "text.h"

#define HELPER_BLOCKS 8
#define HELPER_BLOCK_EVENTS (PV_FEED_AHEAD / HELPER_BLOCKS)
#define INLINE_BLOCK_EVENTS 256

typedef enum { EV_FILE, EV_KEY, EV_ENTRY, EV_CALLER } event_kind;

typedef struct event {
    uint8_t kind;
    bool unescape, funescape;
    bool by_slot;   /* EV_ENTRY, EV_CALLER: index is a slot, not a number */
    uint32_t index; /* EV_FILE, EV_KEY: its slot; EV_ENTRY, EV_CALLER: its function */
    union {
        struct {
            const unsigned char *bytes, *fbytes;
            uint32_t len, flen;
            int64_t line;
            uint32_t file; /* the file name's slot, or PV_FEED_NO_SLOT */
        } key;             /* EV_FILE uses bytes and len */
        struct {
            int64_t ncalls, pcalls;
            double tottime, cumtime;
        } num;
    } u;
} event;

/* What a slot was fed with, in the runner's map: 0 nothing, FILE_TAG | i
 * the i-th file name, else function number + 1. */
#define FILE_TAG 0x80000000u

/* How many events ahead the runner prefetches the slots it will look up:
 * enough to cover a miss at the rate a block's events are made. */
#define PREFETCH_AHEAD 16

/* The reader's fields, the shared ones and the runner's lie on separate
 * cache lines: a field one thread writes per event must not share a line
 * with one the other reads per event, or every event moves the line
 * between the cores. */
#define LINE 64

struct pv_feed {
    /* Set before the helper starts, then only read. */
    pv_builder *b;
    bool keep_callers;
    event *events; /* nblocks blocks of block_events */
    unsigned nblocks, block_events;
    unsigned *count; /* events in each block handed over */
    bool helper;     /* a helper thread runs */
    pthread_t thread;

    /* The reader's. */
    _Alignas(LINE) unsigned filling; /* events in the block being filled */
    uint64_t filling_block;          /* its number: published, as the reader last saw it */

    /* Shared, under mu. */
    _Alignas(LINE) pthread_mutex_t mu;
    pthread_cond_t handed, returned;
    uint64_t published, done; /* blocks */
    bool closing, stop;

    /* The builder's first error: written by whoever runs the calls, before
     * failed is set (release), read after failed is seen (acquire). */
    _Alignas(LINE) atomic_bool failed;
    pv_error error;

    /* The runner's. */
    _Alignas(LINE) const char **files;
    size_t nfiles, files_cap;
    uint32_t *slots; /* reference slot -> what was fed with it (FILE_TAG) */
    size_t slots_cap;
    char *text;
    size_t text_cap;
    uint32_t nkeys;
};

/* ---- the runner: making the builder calls ---- */

static int runner_fail(pv_error *err, pv_error_kind kind, const char *message)
{
    return pv_fail(err, kind, -1, "%s", message);
}

/* Converts bytes to UTF-8 in the runner's text buffer; returns its length. */
static int to_text(pv_feed *f, const unsigned char *bytes, size_t len, bool unescape, size_t *out,
                   pv_error *err)
{
    if (len > (SIZE_MAX - 1) / 3) return runner_fail(err, PV_ERR_NOMEM, "out of memory");
    size_t need = PV_TEXT_MAX_OUT(len) + 1;
    if (need > f->text_cap) {
        size_t cap = f->text_cap ? f->text_cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        char *p = realloc(f->text, cap);
        if (!p) return runner_fail(err, PV_ERR_NOMEM, "out of memory");
        f->text = p;
        f->text_cap = cap;
    }
    *out = pv_text_to_utf8(bytes, len, unescape, f->text);
    return 0;
}

static const char *intern_file(pv_feed *f, const unsigned char *bytes, size_t len, bool unescape,
                               pv_error *err)
{
    size_t n;
    if (to_text(f, bytes, len, unescape, &n, err)) return NULL;
    return pv_builder_intern_file(f->b, f->text, n, err);
}

/* Records that reference slot `slot` was fed with `what`. */
static int set_slot(pv_feed *f, uint32_t slot, uint32_t what, pv_error *err)
{
    if (slot >= f->slots_cap) {
        size_t cap = f->slots_cap ? f->slots_cap : 1024;
        while (cap <= slot)
            cap *= 2;
        uint32_t *p = realloc(f->slots, cap * sizeof *p);
        if (!p) return runner_fail(err, PV_ERR_NOMEM, "out of memory");
        pv_bigmem_hint(p, cap * sizeof *p);
        memset(p + f->slots_cap, 0, (cap - f->slots_cap) * sizeof *p);
        f->slots = p;
        f->slots_cap = cap;
    }
    f->slots[slot] = what;
    return 0;
}

static uint32_t slot_value(const pv_feed *f, uint32_t slot)
{
    return slot < f->slots_cap ? f->slots[slot] : 0;
}

/* The function number an entry or a caller names. */
static int function_of(const pv_feed *f, const event *e, uint32_t *id, pv_error *err)
{
    if (!e->by_slot) {
        *id = e->index;
        return 0;
    }
    uint32_t what = slot_value(f, e->index);
    if (!what || what & FILE_TAG)
        return runner_fail(err, PV_ERR_ARGUMENT,
                           "a function is named by a slot no key was fed with");
    *id = what - 1;
    return 0;
}

static int run_event(pv_feed *f, const event *e, pv_error *err)
{
    switch (e->kind) {
    case EV_FILE: {
        if (f->nfiles == f->files_cap) {
            size_t cap = f->files_cap ? f->files_cap * 2 : 64;
            const char **p = realloc(f->files, cap * sizeof *p);
            if (!p) return runner_fail(err, PV_ERR_NOMEM, "out of memory");
            f->files = p;
            f->files_cap = cap;
        }
        if (f->nfiles >= FILE_TAG) return runner_fail(err, PV_ERR_ARGUMENT, "too many file names");
        const char *file = intern_file(f, e->u.key.bytes, e->u.key.len, e->unescape, err);
        if (!file || set_slot(f, e->index, FILE_TAG | (uint32_t)f->nfiles, err)) return -1;
        f->files[f->nfiles++] = file;
        return 0;
    }
    case EV_KEY: {
        const char *file;
        if (e->u.key.file == PV_FEED_NO_SLOT) {
            file = intern_file(f, e->u.key.fbytes, e->u.key.flen, e->funescape, err);
        } else {
            uint32_t what = slot_value(f, e->u.key.file);
            if (!(what & FILE_TAG))
                return runner_fail(err, PV_ERR_ARGUMENT, "a key names a file name not fed");
            file = f->files[what & ~FILE_TAG];
        }
        if (!file) return -1;
        size_t n;
        if (to_text(f, e->u.key.bytes, e->u.key.len, e->unescape, &n, err)) return -1;
        /* Added, not interned: equal keys are merged in pv_builder_finish,
         * whose one pass with prefetching costs less than a lookup here
         * (this thread is the busier one on a large profile). */
        int64_t id = pv_builder_add_key(f->b, file, e->u.key.line, f->text, n, err);
        if (id < 0) return -1;
        if (id != (int64_t)f->nkeys || id >= (int64_t)FILE_TAG - 1)
            return runner_fail(err, PV_ERR_ARGUMENT, "the builder numbered a key out of order");
        f->nkeys++;
        if (e->index != PV_FEED_NO_SLOT) return set_slot(f, e->index, (uint32_t)id + 1, err);
        return 0;
    }
    case EV_ENTRY: {
        uint32_t id;
        if (function_of(f, e, &id, err)) return -1;
        return pv_builder_begin_entry(f->b, id, e->u.num.ncalls, e->u.num.pcalls, e->u.num.tottime,
                                      e->u.num.cumtime, err);
    }
    default: {
        uint32_t id;
        if (function_of(f, e, &id, err)) return -1;
        return pv_builder_add_caller(f->b, id, e->u.num.ncalls, e->u.num.pcalls, e->u.num.tottime,
                                     e->u.num.cumtime, err);
    }
    }
}

static void run_block(pv_feed *f, unsigned block)
{
    if (atomic_load_explicit(&f->failed, memory_order_relaxed)) return;
    const event *e = &f->events[(size_t)block * f->block_events];
    for (unsigned k = 0, n = f->count[block]; k < n; k++) {
        /* The slot an event some way ahead will look up: a random place in
         * a table of megabytes on a large profile. */
        if (k + PREFETCH_AHEAD < n) {
            const event *ahead = &e[k + PREFETCH_AHEAD];
            if (ahead->by_slot && ahead->index < f->slots_cap)
                __builtin_prefetch(&f->slots[ahead->index]);
        }
        pv_error err;
        if (run_event(f, &e[k], &err)) {
            f->error = err;
            atomic_store_explicit(&f->failed, true, memory_order_release);
            return;
        }
    }
}

static void *helper_main(void *arg)
{
    pv_feed *f = arg;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (f->done == f->published && !f->closing && !f->stop)
            pthread_cond_wait(&f->handed, &f->mu);
        if (f->stop || f->done == f->published) break;
        unsigned block = (unsigned)(f->done % f->nblocks);
        pthread_mutex_unlock(&f->mu);
        run_block(f, block);
        pthread_mutex_lock(&f->mu);
        f->done++;
        pthread_cond_signal(&f->returned);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* ---- the reader's side ---- */

pv_feed *pv_feed_new(pv_builder *b, bool keep_callers, bool helper)
{
    /* sizeof is a multiple of the alignment, as aligned_alloc wants. */
    pv_feed *f = aligned_alloc(_Alignof(pv_feed), sizeof *f);
    if (!f) return NULL;
    memset(f, 0, sizeof *f);
    f->b = b;
    f->keep_callers = keep_callers;
    f->nblocks = helper ? HELPER_BLOCKS : 1;
    f->block_events = helper ? HELPER_BLOCK_EVENTS : INLINE_BLOCK_EVENTS;
    f->events = malloc((size_t)f->nblocks * f->block_events * sizeof *f->events);
    f->count = calloc(f->nblocks, sizeof *f->count);
    if (!f->events || !f->count) {
        pv_feed_free(f);
        return NULL;
    }
    atomic_init(&f->failed, false);
    if (helper && pthread_mutex_init(&f->mu, NULL) == 0) {
        if (pthread_cond_init(&f->handed, NULL) == 0) {
            if (pthread_cond_init(&f->returned, NULL) == 0) {
                if (pthread_create(&f->thread, NULL, helper_main, f) == 0) {
                    f->helper = true;
                    return f;
                }
                pthread_cond_destroy(&f->returned);
            }
            pthread_cond_destroy(&f->handed);
        }
        pthread_mutex_destroy(&f->mu);
    }
    /* No helper: the same blocks, run by the reader. */
    f->nblocks = 1;
    return f;
}

/* Hands the block being filled over (or runs it) and makes the next one
 * ready to fill, waiting for the helper when the ring is full. */
static void hand_over(pv_feed *f)
{
    if (!f->helper) {
        f->count[0] = f->filling;
        run_block(f, 0);
        f->filling = 0;
        return;
    }
    pthread_mutex_lock(&f->mu);
    f->count[f->published % f->nblocks] = f->filling;
    f->published++;
    pthread_cond_signal(&f->handed);
    while (f->published - f->done >= f->nblocks)
        pthread_cond_wait(&f->returned, &f->mu);
    f->filling_block = f->published;
    pthread_mutex_unlock(&f->mu);
    f->filling = 0;
}

static int failed(pv_feed *f, pv_error *err)
{
    if (!atomic_load_explicit(&f->failed, memory_order_acquire)) return 0;
    *err = f->error;
    return -1;
}

/* The next free event, or NULL (err filled) once the builder has failed. */
static event *next_event(pv_feed *f, pv_error *err)
{
    if (failed(f, err)) return NULL;
    unsigned block = (unsigned)(f->filling_block % f->nblocks);
    return &f->events[(size_t)block * f->block_events + f->filling];
}

/* Counts the event just written, handing the block over when it is full. */
static int queued(pv_feed *f, pv_error *err)
{
    if (++f->filling == f->block_events) hand_over(f);
    return failed(f, err);
}

int pv_feed_file(pv_feed *f, uint32_t slot, const unsigned char *bytes, size_t len, bool unescape,
                 pv_error *err)
{
    if (len > UINT32_MAX || slot == PV_FEED_NO_SLOT)
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "a file name too long, or without a slot");
    event *e = next_event(f, err);
    if (!e) return -1;
    e->kind = EV_FILE;
    e->by_slot = false;
    e->unescape = unescape;
    e->index = slot;
    e->u.key.bytes = bytes;
    e->u.key.len = (uint32_t)len;
    return queued(f, err);
}

int pv_feed_key(pv_feed *f, uint32_t slot, uint32_t file, const unsigned char *fbytes, size_t flen,
                bool funescape, int64_t line, const unsigned char *name, size_t name_len,
                bool unescape, pv_error *err)
{
    if (flen > UINT32_MAX || name_len > UINT32_MAX)
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "a name longer than %u bytes", UINT32_MAX);
    event *e = next_event(f, err);
    if (!e) return -1;
    e->kind = EV_KEY;
    e->by_slot = false;
    e->index = slot;
    e->unescape = unescape;
    e->funescape = funescape;
    e->u.key.bytes = name;
    e->u.key.len = (uint32_t)name_len;
    e->u.key.fbytes = fbytes;
    e->u.key.flen = (uint32_t)flen;
    e->u.key.line = line;
    e->u.key.file = file;
    return queued(f, err);
}

static int numbers(pv_feed *f, event_kind kind, pv_feed_ref fn, int64_t ncalls, int64_t pcalls,
                   double tottime, double cumtime, pv_error *err)
{
    event *e = next_event(f, err);
    if (!e) return -1;
    e->kind = (uint8_t)kind;
    e->by_slot = fn.by_slot;
    e->index = fn.n;
    e->u.num.ncalls = ncalls;
    e->u.num.pcalls = pcalls;
    e->u.num.tottime = tottime;
    e->u.num.cumtime = cumtime;
    return queued(f, err);
}

int pv_feed_entry(pv_feed *f, pv_feed_ref fn, int64_t ncalls, int64_t pcalls, double tottime,
                  double cumtime, pv_error *err)
{
    return numbers(f, EV_ENTRY, fn, ncalls, pcalls, tottime, cumtime, err);
}

int pv_feed_caller(pv_feed *f, pv_feed_ref caller, int64_t ncalls, int64_t pcalls, double tottime,
                   double cumtime, pv_error *err)
{
    if (!f->keep_callers) return failed(f, err);
    return numbers(f, EV_CALLER, caller, ncalls, pcalls, tottime, cumtime, err);
}

int pv_feed_finish(pv_feed *f, pv_error *err)
{
    if (!f->helper) {
        if (f->filling) hand_over(f);
        return failed(f, err);
    }
    pthread_mutex_lock(&f->mu);
    if (f->filling) {
        f->count[f->published % f->nblocks] = f->filling;
        f->published++;
        f->filling = 0;
    }
    f->closing = true;
    pthread_cond_signal(&f->handed);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    f->helper = false;
    pthread_cond_destroy(&f->returned);
    pthread_cond_destroy(&f->handed);
    pthread_mutex_destroy(&f->mu);
    return failed(f, err);
}

void pv_feed_free(pv_feed *f)
{
    if (!f) return;
    if (f->helper) {
        pthread_mutex_lock(&f->mu);
        f->stop = true;
        pthread_cond_signal(&f->handed);
        pthread_mutex_unlock(&f->mu);
        pthread_join(f->thread, NULL);
        pthread_cond_destroy(&f->returned);
        pthread_cond_destroy(&f->handed);
        pthread_mutex_destroy(&f->mu);
    }
    free(f->files);
    free(f->slots);
    free(f->text);
    free(f->count);
    free(f->events);
    free(f);
}
