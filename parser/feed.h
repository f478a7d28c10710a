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
 * pv_builder_add_key numbers keys, and entries and callers name functions
 * by that number; the k-th file name fed is file k. Bytes given
 * (names, file names) are not copied: they must stay readable until
 * pv_feed_finish(). The reader is never more than PV_FEED_AHEAD events
 * ahead of the builder: it waits for the helper when it gets that far, so a
 * reader that gives back the pages of a file mapping some megabytes behind
 * it does not give back pages the helper has yet to read.
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

/* A key whose file name is given with it, not as an earlier file name. */
#define PV_FEED_NO_FILE UINT32_MAX

/* Events queued ahead of the builder, at most (768 KiB of events, about
 * 8,000 functions or 1.2 MB of a real profile). */
#define PV_FEED_AHEAD (16 * 1024)

typedef struct pv_feed pv_feed;

/* A feed into b. keep_callers false: callers are checked by the reader and
 * not queued (the builder drops them: pv_builder_drop_edges). helper false:
 * no thread is started. NULL when out of memory. */
pv_feed *pv_feed_new(pv_builder *b, bool keep_callers, bool helper);

/* File name number `index` (0, 1, 2, ... in order): bytes as marshal gave
 * them, made valid UTF-8 (pv_text_to_utf8) and interned by the builder. */
int pv_feed_file(pv_feed *f, const unsigned char *bytes, size_t len, bool unescape, pv_error *err);

/* The next key: file is the index of a file name fed before, or
 * PV_FEED_NO_FILE with the file name's bytes in fbytes/flen/funescape. */
int pv_feed_key(pv_feed *f, uint32_t file, const unsigned char *fbytes, size_t flen, bool funescape,
                int64_t line, const unsigned char *name, size_t name_len, bool unescape,
                pv_error *err);

/* pv_builder_begin_entry and pv_builder_add_caller, queued. */
int pv_feed_entry(pv_feed *f, uint32_t id, int64_t ncalls, int64_t pcalls, double tottime,
                  double cumtime, pv_error *err);
int pv_feed_caller(pv_feed *f, uint32_t caller, int64_t ncalls, int64_t pcalls, double tottime,
                   double cumtime, pv_error *err);

/* Makes every queued call and waits for them. 0, or -1 with the builder's
 * first error. */
int pv_feed_finish(pv_feed *f, pv_error *err);

/* Stops the helper (calls still queued are dropped) and frees the feed. */
void pv_feed_free(pv_feed *f);

#endif
