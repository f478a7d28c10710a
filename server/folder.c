/* folder.c: scanning the profile folder (storing uploads in it is
 * upload.c's).
 *
 * The table of seen files is the folder's memory between scans: a file whose
 * name, size and mtime (to the nanosecond) are unchanged is not read again,
 * and a file that is not a profile is reported once; a file that changes
 * again within PV_FOLDER_RESCAN_MS of being read again keeps its row until
 * then (the bound on re-reading a file being written). Everything that touches
 * the table or renames into the folder runs under the folder's mutex;
 * reading and parsing run outside it, and scans one at a time under
 * scan_lock, which only the first scan's callers wait for.
 */
#include "folder_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- Time ----------------------------------------------------------------- */

static struct timespec monotonic_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

/* Milliseconds from a to b (negative when b is earlier). */
static long long ms_between(struct timespec a, struct timespec b)
{
    return (long long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

static struct timespec ms_after(struct timespec t, long ms)
{
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* ---- Names ---------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static bool is_profile_name(const char *name)
{
    return name[0] != '.' &&
           (ends_with(name, ".prof") || ends_with(name, ".pstats") || ends_with(name, ".prof.gz"));
}

char *pv_folder_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* ---- Opening ------------------------------------------------------------- */

/* Deletes temporary uploads older than PV_FOLDER_STALE_SECONDS. */
static void remove_stale_uploads(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, PV_FOLDER_UPLOAD_PREFIX, strlen(PV_FOLDER_UPLOAD_PREFIX)) != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            st.st_mtime < now - PV_FOLDER_STALE_SECONDS)
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

int pv_folder_open(const char *dir, pv_registry *reg, pv_folder **out, pv_error *err)
{
    struct stat st;
    if (stat(dir, &st) < 0)
        return pv_fail(err, errno == ENOENT ? PV_ERR_NOT_FOUND : PV_ERR_IO, -1, "--dir %s: %s", dir,
                       strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "--dir %s: not a folder", dir);
    if (access(dir, R_OK | X_OK) < 0)
        return pv_fail(err, PV_ERR_IO, -1, "--dir %s: cannot read it: %s", dir, strerror(errno));
    pv_folder *f = calloc(1, sizeof *f);
    if (!f || !(f->dir = strdup(dir))) {
        free(f);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    size_t len = strlen(f->dir);
    while (len > 1 && f->dir[len - 1] == '/')
        f->dir[--len] = '\0';
    if (pthread_mutex_init(&f->lock, NULL) != 0) {
        free(f->dir);
        free(f);
        return pv_fail(err, PV_ERR_NOMEM, -1, "cannot create a mutex");
    }
    if (pthread_mutex_init(&f->scan_lock, NULL) != 0) {
        pthread_mutex_destroy(&f->lock);
        free(f->dir);
        free(f);
        return pv_fail(err, PV_ERR_NOMEM, -1, "cannot create a mutex");
    }
    f->reg = reg;
    f->writable = access(dir, W_OK) == 0;
    f->notify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (f->notify_fd >= 0 &&
        inotify_add_watch(f->notify_fd, f->dir,
                          IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |
                              IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
        close(f->notify_fd);
        f->notify_fd = -1;
    }
    if (f->writable) remove_stale_uploads(f->dir);
    *out = f;
    return 0;
}

void pv_folder_set_limits(pv_folder *f, const pv_source_limits *limits)
{
    f->limits = *limits;
}

bool pv_folder_writable(const pv_folder *f)
{
    return f->writable;
}

void pv_folder_free(pv_folder *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->count; i++)
        free(f->files[i].name);
    free(f->files);
    pthread_mutex_destroy(&f->lock);
    pthread_mutex_destroy(&f->scan_lock);
    if (f->notify_fd >= 0) close(f->notify_fd);
    free(f->dir);
    free(f);
}

/* ---- The table of seen files (lock held) ----------------------------------- */

static seen *find_seen(pv_folder *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->files[i].name, name) == 0) return &f->files[i];
    return NULL;
}

/* Adds a row (name copied). Returns 0, or -1 when out of memory. */
int pv_folder_add_seen(pv_folder *f, const char *name, const struct stat *st, const char *id,
                       seen_kind kind)
{
    if (f->count == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 16;
        seen *grown = realloc(f->files, cap * sizeof *grown);
        if (!grown) return -1;
        f->files = grown;
        f->cap = cap;
    }
    seen *s = &f->files[f->count];
    memset(s, 0, sizeof *s);
    s->name = strdup(name);
    if (!s->name) return -1;
    s->size = st->st_size;
    s->mtime = st->st_mtim;
    s->read_at = monotonic_now();
    s->kind = kind;
    if (id) memcpy(s->id, id, sizeof s->id);
    f->count++;
    return 0;
}

static void drop_seen(pv_folder *f, size_t i)
{
    free(f->files[i].name);
    f->files[i] = f->files[--f->count];
}

static bool same_stat(const seen *s, const struct stat *st)
{
    return s->size == st->st_size && s->mtime.tv_sec == st->st_mtim.tv_sec &&
           s->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* A file of the folder as the scan found it. */
typedef struct found {
    char *name;
    struct stat st;
    bool changed; /* it had a row, made from other contents */
} found;

static int compare_found(const void *a, const void *b)
{
    return strcmp(((const found *)a)->name, ((const found *)b)->name);
}

static found *lookup_found(found *list, size_t n, const char *name)
{
    if (n == 0) return NULL; /* an empty folder's list is NULL */
    found key = {.name = (char *)name};
    return bsearch(&key, list, n, sizeof *list, compare_found);
}

/* A file to read in a scan, and what reading it gave. */
typedef struct todo {
    char *name;
    struct stat st; /* as fstat saw it when read */
    bool changed;   /* found.changed */
    bool read;      /* false: gone or not a regular file, try again later */
    char id[PV_REGISTRY_ID_LEN + 1];
    pv_registry_item *item; /* parsed, or NULL (alias, or invalid) */
    bool invalid;
    pv_error err;
} todo;

/* Reads and parses one new file, with no lock held: a file whose content
 * the registry holds already is not parsed at all. Returns 0, or -1 when out
 * of memory. */
static int read_one(pv_folder *f, todo *t)
{
    char *path = pv_folder_join(f->dir, t->name);
    if (!path) return -1;
    pv_source src;
    pv_source_limits limits = f->limits;
    if (pv_source_open(path, true, &limits, &src, &t->err) < 0) {
        free(path);
        if (t->err.kind == PV_ERR_NOMEM) return -1;
        /* Gone, unreadable or no longer a regular file since readdir
         * (kinds not found, I/O, argument): the next scan looks again; a
         * file over the limits is invalid. */
        t->read = t->invalid = t->err.kind == PV_ERR_INPUT;
        return 0;
    }
    t->read = true;
    t->st.st_size = (off_t)src.raw_len;
    memcpy(t->id, src.id, sizeof t->id);
    int rc = 0;
    if (!pv_registry_contains(f->reg, src.id) &&
        pv_registry_build(&src, t->name, &t->item, &t->err) < 0) {
        t->invalid = t->err.kind != PV_ERR_NOMEM;
        rc = t->invalid ? 0 : -1;
    }
    pv_source_close(&src);
    free(path);
    return rc;
}

/* Records what read_one found (lock held). Returns 0, or -1 when out of
 * memory. */
static int record(pv_folder *f, todo *t)
{
    if (!t->read || find_seen(f, t->name)) return 0; /* an upload was first */
    int rc;
    if (t->invalid) {
        char message[PV_ERROR_MESSAGE_MAX + 40];
        pv_error_format(&t->err, message, sizeof message);
        fprintf(stderr, "profviz: %s/%s is left out: %s\n", f->dir, t->name, message);
        rc = pv_folder_add_seen(f, t->name, &t->st, NULL, SEEN_INVALID);
    } else if (!t->item) {
        rc = pv_folder_add_seen(f, t->name, &t->st, t->id, SEEN_ALIAS);
    } else {
        char *path = pv_folder_join(f->dir, t->name);
        if (!path) return -1;
        pv_error err;
        int added =
            pv_registry_insert(f->reg, t->item, NULL, path, (int64_t)t->st.st_mtime, NULL, &err);
        t->item = NULL;
        free(path);
        if (added < 0) return -1;
        rc = pv_folder_add_seen(f, t->name, &t->st, t->id, added ? SEEN_PRIMARY : SEEN_ALIAS);
    }
    if (rc == 0) f->files[f->count - 1].reread = t->changed;
    return rc;
}

/* Lists the folder's profile files (no lock held). Returns 0 with *out and
 * *count set (sorted by name; the caller frees), or -1 with err filled. */
static int list_folder(pv_folder *f, found **out, size_t *count, pv_error *err)
{
    DIR *d = opendir(f->dir);
    if (!d) return pv_fail(err, PV_ERR_IO, -1, "cannot read %s: %s", f->dir, strerror(errno));
    found *list = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!is_profile_name(de->d_name)) continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode)) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            found *grown = realloc(list, cap * sizeof *grown);
            if (!grown) goto oom;
            list = grown;
        }
        list[n].name = strdup(de->d_name);
        if (!list[n].name) goto oom;
        list[n].changed = false;
        list[n++].st = st;
    }
    closedir(d);
    if (n) qsort(list, n, sizeof *list, compare_found);
    *out = list;
    *count = n;
    return 0;
oom:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(list[i].name);
    free(list);
    return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory scanning %s", f->dir);
}

/* Whether a changed file is kept as it was read for now: its row was made
 * because it changed, less than PV_FOLDER_RESCAN_MS ago. Notes when to look
 * again. (Lock held.) */
static bool defer_changed(pv_folder *f, const seen *s, struct timespec now)
{
    if (!s->reread) return false;
    struct timespec due = ms_after(s->read_at, PV_FOLDER_RESCAN_MS);
    if (ms_between(now, due) <= 0) return false;
    if (!f->deferred || ms_between(due, f->deferred_at) > 0) f->deferred_at = due;
    f->deferred = true;
    return true;
}

/* Files gone or changed: forgets them; an entry whose file it was goes, and
 * so do the aliases of that entry (read again, one of them becomes its
 * file). A file changed again soon after it was read waits (defer_changed).
 * Then collects the files not in the table. (Lock held.) */
static int diff_locked(pv_folder *f, found *list, size_t n, struct timespec now, todo **out,
                       size_t *count)
{
    for (size_t i = 0; i < f->count;) {
        seen *s = &f->files[i];
        found *cur = lookup_found(list, n, s->name);
        if (cur && (same_stat(s, &cur->st) || defer_changed(f, s, now))) {
            i++;
            continue;
        }
        if (cur) cur->changed = true;
        if (s->kind == SEEN_PRIMARY) {
            char id[PV_REGISTRY_ID_LEN + 1];
            memcpy(id, s->id, sizeof id);
            pv_registry_remove(f->reg, id);
            drop_seen(f, i);
            for (size_t j = 0; j < f->count;) {
                if (f->files[j].kind == SEEN_ALIAS && strcmp(f->files[j].id, id) == 0)
                    drop_seen(f, j);
                else
                    j++;
            }
            i = 0; /* rows moved: start over (the table is small) */
            continue;
        }
        drop_seen(f, i);
    }
    todo *todos = calloc(n ? n : 1, sizeof *todos);
    if (!todos) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (find_seen(f, list[i].name)) continue;
        todos[k].name = list[i].name;
        todos[k].st = list[i].st;
        todos[k].changed = list[i].changed;
        k++;
    }
    *out = todos;
    *count = k;
    return 0;
}

/* A scan: list (no lock), diff (lock), read and parse (no lock), record
 * (lock). The caller holds scan_lock. */
static int scan_locked(pv_folder *f, pv_error *err)
{
    found *list = NULL;
    size_t n = 0, ntodo = 0;
    todo *todos = NULL;
    pthread_mutex_lock(&f->lock);
    struct timespec now = monotonic_now();
    f->pending = f->deferred = false;
    f->last_scan = now;
    pthread_mutex_unlock(&f->lock);
    int rc = list_folder(f, &list, &n, err);
    if (rc < 0) goto done;
    pthread_mutex_lock(&f->lock);
    rc = diff_locked(f, list, n, now, &todos, &ntodo);
    pthread_mutex_unlock(&f->lock);
    for (size_t i = 0; rc == 0 && i < ntodo; i++)
        rc = read_one(f, &todos[i]);
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; rc == 0 && i < ntodo; i++)
        rc = record(f, &todos[i]);
    pthread_mutex_unlock(&f->lock);
    if (rc < 0) pv_fail(err, PV_ERR_NOMEM, -1, "out of memory scanning %s", f->dir);
done:
    for (size_t i = 0; i < ntodo; i++)
        pv_registry_item_free(todos[i].item);
    free(todos);
    for (size_t i = 0; i < n; i++)
        free(list[i].name);
    free(list);
    pthread_mutex_lock(&f->lock);
    f->scanned = true;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

int pv_folder_scan(pv_folder *f, pv_error *err)
{
    pthread_mutex_lock(&f->scan_lock);
    int rc = scan_locked(f, err);
    pthread_mutex_unlock(&f->scan_lock);
    return rc;
}

/* Reads every pending inotify event (lock held). Returns true when there
 * was one, or the queue overflowed, or it cannot be read. */
static bool drain_events(pv_folder *f)
{
    bool any = false;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(f->notify_fd, buf, sizeof buf);
        if (n > 0) {
            any = true;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN) any = true;
        return any;
    }
}

/* Whether a scan is due (lock held): notes what changed as pending. */
static bool due_locked(pv_folder *f)
{
    struct timespec now = monotonic_now();
    if (f->notify_fd >= 0) {
        if (drain_events(f)) f->pending = true;
    } else if (ms_between(f->last_scan, now) >= PV_FOLDER_RESCAN_MS) {
        f->pending = true;
    }
    if (f->deferred && ms_between(f->deferred_at, now) >= 0) f->pending = true;
    return !f->scanned || f->pending;
}

int pv_folder_refresh(pv_folder *f, pv_error *err)
{
    pthread_mutex_lock(&f->lock);
    bool due = due_locked(f), first = !f->scanned;
    pthread_mutex_unlock(&f->lock);
    if (!due) return 0;
    /* Before the first scan has completed there is nothing to serve: wait
     * for it. After, a scan running now will look again (pending). */
    if (first)
        pthread_mutex_lock(&f->scan_lock);
    else if (pthread_mutex_trylock(&f->scan_lock) != 0)
        return 0;
    int rc = 0;
    for (;;) {
        pthread_mutex_lock(&f->lock);
        bool again = !f->scanned || f->pending;
        pthread_mutex_unlock(&f->lock);
        if (again && rc == 0) {
            rc = scan_locked(f, err);
            continue;
        }
        pthread_mutex_unlock(&f->scan_lock);
        /* a change noted after the last look, while scan_lock was held */
        pthread_mutex_lock(&f->lock);
        again = f->pending && rc == 0;
        pthread_mutex_unlock(&f->lock);
        if (!again || pthread_mutex_trylock(&f->scan_lock) != 0) return rc;
    }
}
