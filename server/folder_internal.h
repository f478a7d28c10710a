/* folder_internal.h: what folder.c (scans) and upload.c (storing uploads)
 * share: the folder's table of seen files and the helpers both use. Not for
 * any other file.
 *
 * Ownership: the folder owns its dir string, the table and each row's name
 * (pv_folder_free releases them); it borrows the registry. An upload
 * owns its temporary file's descriptor and path until pv_upload_finish() or
 * pv_upload_abort() (folder.h). */
#ifndef PV_FOLDER_INTERNAL_H
#define PV_FOLDER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "folder.h"
#include "source.h"

#define PV_FOLDER_UPLOAD_PREFIX ".upload-"

typedef enum seen_kind {
    SEEN_PRIMARY, /* the file the registry entry was made from */
    SEEN_ALIAS,   /* same content as another file's entry */
    SEEN_INVALID, /* not a profile (reported once) */
} seen_kind;

typedef struct seen {
    char *name;
    off_t size;
    struct timespec mtime;
    struct timespec read_at; /* CLOCK_MONOTONIC, when the row was made */
    char id[PV_REGISTRY_ID_LEN + 1];
    seen_kind kind;
    bool reread; /* made because the file changed (folder.c defers the next) */
} seen;

struct pv_folder {
    char *dir;
    pv_registry *reg;
    pthread_mutex_t lock;      /* the table and the flags below; never held across I/O
                                  but naming an upload */
    pthread_mutex_t scan_lock; /* one scan at a time; waited for only by the first */
    pv_source_limits limits;
    int notify_fd; /* inotify on dir, or -1: then scans are timed */
    bool scanned;  /* a scan has completed */
    bool pending;  /* something changed since the running or last scan began */
    bool deferred; /* a changed file was kept as it was read, until deferred_at */
    struct timespec deferred_at;
    struct timespec last_scan; /* when the last scan began */
    seen *files;
    size_t count, cap;
    bool writable;
};

struct pv_upload {
    pv_folder *folder;
    int fd;
    char *path;
    size_t size;
};

/* dir + "/" + name in a new string, or NULL when out of memory. */
char *pv_folder_join(const char *dir, const char *name);

/* Adds a row to the table (lock held; name copied). Returns 0, or -1 when
 * out of memory. */
int pv_folder_add_seen(pv_folder *f, const char *name, const struct stat *st, const char *id,
                       seen_kind kind);

#endif
