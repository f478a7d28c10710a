/* pool.c: the worker pool (see pool.h). One mutex guards the queue and the
 * counters; workers wait on one condition for the head job to fit. */
#define _DEFAULT_SOURCE /* syscall */
#include "pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define DEFAULT_THREADS 2
#define DEFAULT_QUEUE 256
#define MAX_THREADS 16

typedef struct job {
    struct job *next;
    size_t cost;
    pv_pool_fn fn;
    void *arg;
} job;

struct pv_pool {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t threads[MAX_THREADS];
    unsigned nthreads;
    job *head, *tail;
    size_t queued, queue_max;
    size_t budget, used; /* bytes */
    unsigned running;
    bool stopping;
};

/* True when the head job may start now (lock held). */
static bool head_fits(const pv_pool *p)
{
    if (!p->head) return false;
    if (p->running == 0) return true;
    return !p->budget || p->used + p->head->cost <= p->budget;
}

static void *worker(void *arg)
{
    pv_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!head_fits(p) && !(p->stopping && !p->head))
            pthread_cond_wait(&p->changed, &p->lock);
        if (!p->head) break; /* stopping, queue empty */
        job *j = p->head;
        p->head = j->next;
        if (!p->head) p->tail = NULL;
        p->queued--;
        size_t cost = p->budget && j->cost > p->budget ? p->budget : j->cost;
        p->used += cost;
        p->running++;
        pthread_mutex_unlock(&p->lock);
        j->fn(j->arg);
        free(j);
        pthread_mutex_lock(&p->lock);
        p->used -= cost;
        p->running--;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int pv_pool_new(unsigned threads, size_t queue_max, size_t budget, pv_pool **out, pv_error *err)
{
    pv_pool *p = calloc(1, sizeof *p);
    if (!p) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return pv_fail(err, PV_ERR_NOMEM, -1, "cannot create a mutex");
    }
    if (pthread_cond_init(&p->changed, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return pv_fail(err, PV_ERR_NOMEM, -1, "cannot create a condition variable");
    }
    p->queue_max = queue_max ? queue_max : DEFAULT_QUEUE;
    p->budget = budget;
    unsigned n = threads ? threads : DEFAULT_THREADS;
    if (n > MAX_THREADS) n = MAX_THREADS;
    for (; p->nthreads < n; p->nthreads++) {
        if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) != 0) {
            pv_pool_free(p);
            return pv_fail(err, PV_ERR_NOMEM, -1, "cannot start the worker threads");
        }
    }
    *out = p;
    return 0;
}

int pv_pool_submit(pv_pool *p, size_t cost, pv_pool_fn fn, void *arg)
{
    job *j = malloc(sizeof *j);
    if (!j) return -1;
    *j = (job){.cost = cost, .fn = fn, .arg = arg};
    pthread_mutex_lock(&p->lock);
    if (p->stopping || p->queued >= p->queue_max) {
        pthread_mutex_unlock(&p->lock);
        free(j);
        return -1;
    }
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    p->queued++;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

size_t pv_pool_queued(pv_pool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->queued;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void pv_pool_free(pv_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void pv_pool_lower_priority(void)
{
#ifdef __linux__
    /* Linux keeps a nice value per thread (and threads started from this
     * one inherit it); raising one's own needs no privilege. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), PV_POOL_BACKGROUND_NICE);
#endif
}
