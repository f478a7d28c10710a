/* guard.c: header deadline and fair connection limits (see guard.h).
 *
 * Records form a doubly linked list in opening order, so the oldest record
 * comes first. A record is only ever cut (shutdown) while the lock is held
 * and before microhttpd reports it closed, and microhttpd reports a close
 * before it closes the socket, so the socket cut is always the record's own.
 */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_HEADER_SECONDS 10
#define DEFAULT_MAX_CONNECTIONS 256
#define DEFAULT_PER_ADDRESS 128
#define TICK_MS 250

struct pv_guard_conn {
    pv_guard_conn *prev, *next;
    int fd;
    unsigned char addr[16]; /* IPv4 in the first 4 bytes, or IPv6 */
    unsigned char addr_len;
    bool busy; /* inside a request */
    bool cut;  /* shut down, waiting for microhttpd to close it */
    bool linger;
    struct timespec since;
};

typedef struct lingering {
    int fd;
    size_t bytes;
    struct timespec since;
} lingering;

struct pv_guard {
    lingering linger[PV_GUARD_MAX_LINGERING];
    size_t nlinger;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool stopping;
    pv_guard_conn *head, *tail;
    size_t live; /* records not cut */
    unsigned header_seconds, max_connections, per_address;
};

static struct timespec now_monotonic(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

static double seconds_since(const struct timespec *then, const struct timespec *now)
{
    return (double)(now->tv_sec - then->tv_sec) + (double)(now->tv_nsec - then->tv_nsec) / 1e9;
}

static bool same_address(const pv_guard_conn *a, const pv_guard_conn *b)
{
    return a->addr_len == b->addr_len && memcmp(a->addr, b->addr, a->addr_len) == 0;
}

/* Shuts the connection's socket down (lock held). */
static void cut(pv_guard *g, pv_guard_conn *c)
{
    if (c->cut) return;
    c->cut = true;
    g->live--;
    shutdown(c->fd, SHUT_RDWR);
}

static size_t count_address(const pv_guard *g, const pv_guard_conn *like)
{
    size_t n = 0;
    for (const pv_guard_conn *c = g->head; c; c = c->next)
        if (!c->cut && same_address(c, like)) n++;
    return n;
}

/* The oldest waiting, uncut record with like's address (any address when
 * like is NULL), other than skip. */
static pv_guard_conn *oldest_waiting(pv_guard *g, const pv_guard_conn *like,
                                     const pv_guard_conn *skip)
{
    for (pv_guard_conn *c = g->head; c; c = c->next)
        if (c != skip && !c->cut && !c->busy && (!like || same_address(c, like))) return c;
    return NULL;
}

/* The uncut record whose address holds the most connections. */
static pv_guard_conn *busiest_address(pv_guard *g)
{
    pv_guard_conn *best = NULL;
    size_t best_n = 0;
    for (pv_guard_conn *c = g->head; c; c = c->next) {
        if (c->cut) continue;
        size_t n = count_address(g, c);
        if (n > best_n) {
            best = c;
            best_n = n;
        }
    }
    return best;
}

/* Makes room after c opened (lock held). */
static void enforce_limits(pv_guard *g, pv_guard_conn *c)
{
    if (count_address(g, c) > g->per_address) {
        pv_guard_conn *victim = oldest_waiting(g, c, c);
        cut(g, victim ? victim : c);
    }
    if (c->cut || g->live <= g->max_connections) return;
    pv_guard_conn *victim = NULL;
    pv_guard_conn *busiest = busiest_address(g);
    if (busiest) victim = oldest_waiting(g, busiest, c);
    if (!victim) victim = oldest_waiting(g, NULL, c);
    cut(g, victim ? victim : c);
}

/* Reads and drops what lingering sockets hold; closes the ones done (lock
 * held). */
static void drain(pv_guard *g, const struct timespec *now)
{
    char sink[16384];
    for (size_t i = 0; i < g->nlinger;) {
        lingering *l = &g->linger[i];
        bool done = false;
        for (;;) {
            ssize_t n = recv(l->fd, sink, sizeof sink, MSG_DONTWAIT);
            if (n > 0) {
                l->bytes += (size_t)n;
                if (l->bytes > PV_GUARD_LINGER_BYTES) done = true;
                if (!done) continue;
            } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                done = true;
            }
            break;
        }
        if (done || seconds_since(&l->since, now) >= PV_GUARD_LINGER_SECONDS) {
            close(l->fd);
            g->linger[i] = g->linger[--g->nlinger];
        } else {
            i++;
        }
    }
}

/* Waits up to a tick: on the lingering sockets when there are any, else on
 * the condition (lock held on entry and return). */
static void wait_tick(pv_guard *g)
{
    if (g->nlinger) {
        struct pollfd fds[PV_GUARD_MAX_LINGERING];
        size_t n = g->nlinger;
        for (size_t i = 0; i < n; i++)
            fds[i] = (struct pollfd){.fd = g->linger[i].fd, .events = POLLIN};
        pthread_mutex_unlock(&g->lock);
        poll(fds, n, 50);
        pthread_mutex_lock(&g->lock);
        return;
    }
    struct timespec deadline = now_monotonic();
    deadline.tv_nsec += TICK_MS * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&g->wake, &g->lock, &deadline);
}

static void *watch(void *arg)
{
    pv_guard *g = arg;
    pthread_mutex_lock(&g->lock);
    while (!g->stopping) {
        wait_tick(g);
        struct timespec now = now_monotonic();
        drain(g, &now);
        for (pv_guard_conn *c = g->head; c; c = c->next)
            if (!c->cut && !c->busy && seconds_since(&c->since, &now) >= g->header_seconds)
                cut(g, c);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

int pv_guard_new(const pv_guard_config *config, pv_guard **out, pv_error *err)
{
    pv_guard *g = calloc(1, sizeof *g);
    if (!g) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    g->header_seconds = config->header_seconds ? config->header_seconds : DEFAULT_HEADER_SECONDS;
    g->max_connections =
        config->max_connections ? config->max_connections : DEFAULT_MAX_CONNECTIONS;
    g->per_address = config->per_address ? config->per_address : DEFAULT_PER_ADDRESS;
    pthread_condattr_t attr;
    bool cond_ok = false;
    if (pthread_condattr_init(&attr) == 0) {
        cond_ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
                  pthread_cond_init(&g->wake, &attr) == 0;
        pthread_condattr_destroy(&attr);
    }
    if (!cond_ok) {
        free(g);
        return pv_fail(err, PV_ERR_NOMEM, -1, "cannot create a condition variable");
    }
    if (pthread_mutex_init(&g->lock, NULL) != 0) {
        pthread_cond_destroy(&g->wake);
        free(g);
        return pv_fail(err, PV_ERR_NOMEM, -1, "cannot create a mutex");
    }
    if (pthread_create(&g->thread, NULL, watch, g) != 0) {
        pthread_mutex_destroy(&g->lock);
        pthread_cond_destroy(&g->wake);
        free(g);
        return pv_fail(err, PV_ERR_NOMEM, -1, "cannot start the connection guard thread");
    }
    *out = g;
    return 0;
}

void pv_guard_free(pv_guard *g)
{
    if (!g) return;
    pthread_mutex_lock(&g->lock);
    g->stopping = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->thread, NULL);
    for (pv_guard_conn *c = g->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    for (size_t i = 0; i < g->nlinger; i++)
        close(g->linger[i].fd);
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

pv_guard_conn *pv_guard_opened(pv_guard *g, int fd, const struct sockaddr *addr, socklen_t addrlen)
{
    pv_guard_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = fd;
    if (addr && addr->sa_family == AF_INET && addrlen >= sizeof(struct sockaddr_in)) {
        memcpy(c->addr, &((const struct sockaddr_in *)addr)->sin_addr, 4);
        c->addr_len = 4;
    } else if (addr && addr->sa_family == AF_INET6 && addrlen >= sizeof(struct sockaddr_in6)) {
        memcpy(c->addr, &((const struct sockaddr_in6 *)addr)->sin6_addr, 16);
        c->addr_len = 16;
    }
    c->since = now_monotonic();
    pthread_mutex_lock(&g->lock);
    c->prev = g->tail;
    if (g->tail)
        g->tail->next = c;
    else
        g->head = c;
    g->tail = c;
    g->live++;
    enforce_limits(g, c);
    pthread_mutex_unlock(&g->lock);
    return c;
}

void pv_guard_closed(pv_guard *g, pv_guard_conn *c)
{
    if (!c) return;
    pthread_mutex_lock(&g->lock);
    if (c->linger && !c->cut && !g->stopping && g->nlinger < PV_GUARD_MAX_LINGERING) {
        /* Our own copy of the socket keeps it open past microhttpd's close. */
        int fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
        if (fd >= 0) {
            shutdown(fd, SHUT_WR);
            g->linger[g->nlinger++] = (lingering){.fd = fd, .since = now_monotonic()};
            pthread_cond_signal(&g->wake);
        }
    }
    if (!c->cut) g->live--;
    if (c->prev)
        c->prev->next = c->next;
    else
        g->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        g->tail = c->prev;
    pthread_mutex_unlock(&g->lock);
    free(c);
}

void pv_guard_busy(pv_guard *g, pv_guard_conn *c)
{
    if (!c) return;
    pthread_mutex_lock(&g->lock);
    c->busy = true;
    pthread_mutex_unlock(&g->lock);
}

void pv_guard_waiting(pv_guard *g, pv_guard_conn *c)
{
    if (!c) return;
    pthread_mutex_lock(&g->lock);
    c->busy = false;
    c->since = now_monotonic();
    pthread_mutex_unlock(&g->lock);
}

void pv_guard_linger(pv_guard *g, pv_guard_conn *c)
{
    if (!c) return;
    pthread_mutex_lock(&g->lock);
    c->linger = true;
    pthread_mutex_unlock(&g->lock);
}

size_t pv_guard_count(pv_guard *g)
{
    pthread_mutex_lock(&g->lock);
    size_t n = g->live;
    pthread_mutex_unlock(&g->lock);
    return n;
}
