/* pool.h: a small worker pool for the slow work of requests (parsing
 * uploads and new folder files, building trees and pages), so that the
 * threads that read and write connections never wait on it.
 *
 * Jobs run in the order they were submitted, at most `threads` at once and
 * only while the memory they declare (cost, in bytes) fits the budget with
 * the jobs already running; a job whose cost exceeds the whole budget runs
 * when nothing else does. A queue of at most queue_max waiting jobs makes
 * pv_pool_submit refuse the rest, so callers answer "busy" instead of
 * piling work up.
 *
 * Ownership: the pool owns its threads and queue records; the job's arg
 * belongs to the caller (the job typically hands it back through
 * MHD_resume_connection). pv_pool_free runs every job still queued, waits
 * for all of them and then stops the threads.
 */
#ifndef PV_POOL_H
#define PV_POOL_H

#include <stddef.h>

#include "error.h"

typedef struct pv_pool pv_pool;
typedef void (*pv_pool_fn)(void *arg);

/* Starts threads workers (0 = 2) with a queue of queue_max (0 = 256) and a
 * memory budget in bytes (0 = no limit). Returns 0 and sets *out, or -1
 * with err filled. */
int pv_pool_new(unsigned threads, size_t queue_max, size_t budget, pv_pool **out, pv_error *err);

/* Queues fn(arg) with its memory cost. Returns 0, or -1 when the queue is
 * full or the pool is stopping (fn is then not called). */
int pv_pool_submit(pv_pool *pool, size_t cost, pv_pool_fn fn, void *arg);

/* Jobs waiting (not running). */
size_t pv_pool_queued(pv_pool *pool);

/* Runs what is queued, waits, stops and frees. NULL is fine. */
void pv_pool_free(pv_pool *pool);

/* The nice value of threads doing work ahead of need. */
#define PV_POOL_BACKGROUND_NICE 10

/* Lowers the calling thread's priority to PV_POOL_BACKGROUND_NICE (on
 * Linux; elsewhere nothing), for work done ahead of need (a function index,
 * a comparison's text orders) that requests should not wait behind. */
void pv_pool_lower_priority(void);

#endif
