/* feed.h: the stats reader's calls into a builder, queued, and made by a
 * second thread while the reader goes on.
 *
 * Reading a large profile is two kinds of work. The reader tokenizes the
 * marshal stream, checks every value and resolves back-references; the
 * builder copies names, hashes keys and writes function records and entries
 * into memory that is new to the process. A feed lets the two run on two
 * cores: the reader queues each call (a file name, a key, an entry, a
 * caller) as a small event, and a helper thread makes the builder calls in
 * exactly the order they were queued, so the profile is the same whether a
 * helper ran or not. Without a helper (pv_feed_new(..., false), or when no
 * thread can be started) the calls are made in the reader's thread, a block
 * of events at a time.
 *
 * The reader numbers what it feeds: the k-th key fed is function k, as
 * pv_builder_add_key numbers keys. It may also give a key or a file name
 * the reference slot of the marshal stream it was read with; a later
 * back-reference to it can then be passed on by that slot, unread (a
 * pv_feed_ref). The feed keeps the map from slots to what was fed with
 * them and looks slots up on the runner's side, some events ahead with
 * prefetching: on a large profile a lookup is a cache miss, and the reader
 * is the busier thread. Bytes given (names, file names) are not copied:
 * they must stay readable until pv_feed_finish(). The reader is never more
 * than PV_FEED_AHEAD events ahead of the builder: it waits for the helper
 * when it gets that far, so a reader that gives back the pages of a file
 * mapping some megabytes behind it does not give back pages the helper has
 * yet to read.
 *
 * Errors: the builder's first error is kept; every pv_feed_* call after it
 * returns -1 with that error, and so does pv_feed_finish(). Since the calls
 * are made in order, that error is the one a single thread would have met
 * first.
 *
 * Ownership: a feed borrows the builder; it never finishes or frees it.
 * pv_feed_finish() waits for every queued call; pv_feed_free() (after
 * finish, or instead of it on the reader's own failure) stops the helper
 * and frees the feed.
 */
#ifndef PV_FEED_H
#define PV_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

/* No reference slot: a key not given one, or a key whose file name comes
 * with it as bytes. */
#define PV_FEED_NO_SLOT UINT32_MAX

/* A function, named by number (the k-th key fed) or by the slot its key was
 * fed with. */
typedef struct pv_feed_ref {
    uint32_t n;
    bool by_slot;
} pv_feed_ref;

static inline pv_feed_ref pv_feed_number(uint32_t k)
{
    return (pv_feed_ref){k, false};
}

static inline pv_feed_ref pv_feed_slot(uint32_t slot)
{
    return (pv_feed_ref){slot, true};
}

/* Events queued ahead of the builder, at most (768 KiB of events, about
 * 8,000 functions or 1.2 MB of a real profile). */
#define PV_FEED_AHEAD (16 * 1024)

typedef struct pv_feed pv_feed;

/* A feed into b. keep_callers false: callers are checked by the reader and
 * not queued (the builder drops them: pv_builder_drop_edges). helper false:
 * no thread is started. NULL when out of memory. */
pv_feed *pv_feed_new(pv_builder *b, bool keep_callers, bool helper);

/* A file name read with reference slot `slot`: bytes as marshal gave them,
 * made valid UTF-8 (pv_text_to_utf8) and interned by the builder. Keys
 * name it by that slot. */
int pv_feed_file(pv_feed *f, uint32_t slot, const unsigned char *bytes, size_t len, bool unescape,
                 pv_error *err);

/* The next key, function number k for the k-th. slot: the reference slot
 * the key tuple was read with, or PV_FEED_NO_SLOT. file: the slot of a file
 * name fed before, or PV_FEED_NO_SLOT with the file name's bytes in
 * fbytes/flen/funescape. Names are at most UINT32_MAX bytes, as marshal's
 * are; a longer one is refused (kind argument). */
int pv_feed_key(pv_feed *f, uint32_t slot, uint32_t file, const unsigned char *fbytes, size_t flen,
                bool funescape, int64_t line, const unsigned char *name, size_t name_len,
                bool unescape, pv_error *err);

/* pv_builder_begin_entry and pv_builder_add_caller, queued. A slot that no
 * key was fed with is the builder's error (kind argument), as an unknown
 * function number is. */
int pv_feed_entry(pv_feed *f, pv_feed_ref fn, int64_t ncalls, int64_t pcalls, double tottime,
                  double cumtime, pv_error *err);
int pv_feed_caller(pv_feed *f, pv_feed_ref caller, int64_t ncalls, int64_t pcalls, double tottime,
                   double cumtime, pv_error *err);

/* Makes every queued call and waits for them. 0, or -1 with the builder's
 * first error. */
int pv_feed_finish(pv_feed *f, pv_error *err);

/* Stops the helper (calls still queued are dropped) and frees the feed. */
void pv_feed_free(pv_feed *f);

#endif
