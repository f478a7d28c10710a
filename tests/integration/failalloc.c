/* failalloc.c: an LD_PRELOAD shim that makes one allocation fail, for the
 * out-of-memory tests (run_oom.py, tests/unit/server_api_oom.c). glibc only.
 *
 * It replaces malloc, calloc and realloc with versions that count their calls
 * and pass them on to glibc's own __libc_malloc and friends (no dlsym, so no
 * recursion); free is glibc's. Counting starts when the shim's constructor
 * has run, that is after the loader and libc are set up.
 *
 * Environment:
 *   PV_FAIL_ALLOC_AT=N       call N (1-based) returns NULL with errno ENOMEM;
 *                            unset or 0: nothing fails
 *   PV_FAIL_ALLOC_AFTER=1    every call from N on fails, not only call N
 *   PV_FAIL_ALLOC_COUNT=FILE at exit, write the number of calls counted to FILE
 *
 * A program can also drive it itself: pv_failalloc_arm(n, after) restarts the
 * count and fails call n from now (0 disarms); pv_failalloc_calls() says how
 * many calls were counted since. A test finds both with dlsym(RTLD_DEFAULT),
 * and knows the shim is not loaded when they are missing. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void pv_failalloc_arm(unsigned long n, int after);
unsigned long pv_failalloc_calls(void);

static atomic_bool counting;
static atomic_ulong calls;
static atomic_ulong fail_at; /* 0: never */
static atomic_bool fail_after;
static const char *count_file;

/* Counts one call; true when it is to fail. */
static bool fails(void)
{
    if (!atomic_load(&counting)) return false;
    unsigned long k = atomic_fetch_add(&calls, 1) + 1;
    unsigned long at = atomic_load(&fail_at);
    if (!at) return false;
    if (k == at || (k > at && atomic_load(&fail_after))) {
        errno = ENOMEM;
        return true;
    }
    return false;
}

void *malloc(size_t size)
{
    return fails() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    return fails() ? NULL : __libc_calloc(n, size);
}

/* realloc(p, 0) frees p in glibc, and realloc(NULL, n) is malloc: both are
 * counted like any other call. */
void *realloc(void *p, size_t size)
{
    return fails() ? NULL : __libc_realloc(p, size);
}

void pv_failalloc_arm(unsigned long n, int after)
{
    atomic_store(&counting, false);
    atomic_store(&calls, 0);
    atomic_store(&fail_at, n);
    atomic_store(&fail_after, after != 0);
    atomic_store(&counting, true);
}

unsigned long pv_failalloc_calls(void)
{
    return atomic_load(&calls);
}

__attribute__((constructor)) static void start(void)
{
    const char *at = getenv("PV_FAIL_ALLOC_AT");
    const char *after = getenv("PV_FAIL_ALLOC_AFTER");
    count_file = getenv("PV_FAIL_ALLOC_COUNT");
    atomic_store(&fail_at, at ? strtoul(at, NULL, 10) : 0);
    atomic_store(&fail_after, after && *after && *after != '0');
    atomic_store(&counting, true);
}

__attribute__((destructor)) static void stop(void)
{
    unsigned long n = atomic_load(&calls);
    atomic_store(&counting, false); /* fopen below allocates */
    if (!count_file) return;
    FILE *f = fopen(count_file, "w");
    if (!f) return;
    fprintf(f, "%lu\n", n);
    fclose(f);
}
