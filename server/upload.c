/* upload.c: storing uploads in the profile folder (see folder.h): a hidden
 * temporary file, the parse (outside any lock; content the registry holds
 * already is not parsed), then the final name under the folder's lock.
 */
#define _GNU_SOURCE /* mkostemp */
#include "folder_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_NAME_TRIES 100

/* Length of the well-formed UTF-8 sequence of 2 to 4 bytes at s (no
 * overlongs, no surrogates, at most U+10FFFF), or 0 when there is none. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n = 0;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && s[1] < 0xa0) return 0;  /* overlong */
    if (c == 0xed && s[1] >= 0xa0) return 0; /* surrogate */
    if (c == 0xf0 && s[1] < 0x90) return 0;  /* overlong */
    if (c == 0xf4 && s[1] >= 0x90) return 0; /* past U+10FFFF */
    return n;
}

void pv_folder_safe_name(const char *name, int gzip, const char *id, char *out, size_t size)
{
    const char *base = name ? name : "";
    for (const char *c = base; *c; c++)
        if (*c == '/' || *c == '\\') base = c + 1;
    /* The name as uploaded: printable ASCII and well-formed UTF-8 are kept
     * (the UI shows names as text, never as markup); control bytes and
     * malformed UTF-8 are dropped, and a leading '.' or '-' (hidden, or an
     * option to a shell tool) too. */
    char stem[101];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)base; *c && n < sizeof stem - 1;) {
        if (*c >= 0x80) {
            size_t len = utf8_len(c);
            if (!len) {
                c++;
                continue;
            }
            if (n + len > sizeof stem - 1) break;
            memcpy(stem + n, c, len);
            n += len;
            c += len;
            continue;
        }
        char ch = (char)*c++;
        if (ch < 0x20 || ch == 0x7f) continue;
        if (n == 0 && (ch == '.' || ch == '-' || ch == ' '))
            continue; /* never hidden, never an option */
        stem[n++] = ch;
    }
    stem[n] = '\0';
    static const char *const exts[] = {".gz", ".prof", ".pstats"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t len = strlen(stem), el = strlen(exts[i]);
        if (len >= el && strcmp(stem + len - el, exts[i]) == 0) stem[len - el] = '\0';
    }
    /* The suffix always fits (so the name stays a profile's): a small out
     * cuts the stem instead, at a character boundary. */
    const char *ext = gzip ? ".prof.gz" : ".prof";
    size_t suffix = (id ? 1 + strlen(id) : 0) + strlen(ext);
    n = strlen(stem);
    if (size > suffix && n > size - 1 - suffix) {
        n = size - 1 - suffix;
        while (n > 0 && ((unsigned char)stem[n] & 0xc0) == 0x80)
            n--;
        stem[n] = '\0';
    }
    while (n = strlen(stem), n > 0 && (stem[n - 1] == '.' || stem[n - 1] == ' '))
        stem[n - 1] = '\0';
    if (!stem[0]) snprintf(stem, sizeof stem, "upload");
    snprintf(out, size, "%s%s%s%s", stem, id ? "-" : "", id ? id : "", ext);
}

/* ---- Uploads ---------------------------------------------------------------- */

int pv_upload_begin(pv_folder *f, pv_upload **out, pv_error *err)
{
    pv_upload *u = calloc(1, sizeof *u);
    if (!u || !(u->path = pv_folder_join(f->dir, PV_FOLDER_UPLOAD_PREFIX "XXXXXX"))) {
        free(u);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    /* mkostemp: O_CREAT | O_EXCL, mode 0600. */
    u->fd = mkostemp(u->path, O_CLOEXEC);
    if (u->fd < 0) {
        pv_fail(err, PV_ERR_IO, -1, "cannot create a temporary file in %s: %s", f->dir,
                strerror(errno));
        free(u->path);
        free(u);
        return -1;
    }
    u->folder = f;
    *out = u;
    return 0;
}

int pv_upload_write(pv_upload *u, const void *data, size_t len, pv_error *err)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(u->fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return pv_fail(err, PV_ERR_IO, -1, "cannot write the upload: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
        u->size += (size_t)n;
    }
    return 0;
}

size_t pv_upload_size(const pv_upload *u)
{
    return u->size;
}

void pv_upload_abort(pv_upload *u)
{
    if (!u) return;
    if (u->fd >= 0) close(u->fd);
    unlink(u->path);
    free(u->path);
    free(u);
}

/* Links the temporary file to a free final name in the folder (lock held):
 * the safe name, else with -ID, else with -ID-2 and so on. Writes the name
 * into final. Returns 0, or -1 with err filled. */
static int link_final(pv_upload *u, const char *name, bool gzip, const char *id, char *final,
                      size_t size, bool *renamed, pv_error *err)
{
    *renamed = false;
    pv_folder *f = u->folder;
    for (int attempt = 0; attempt < MAX_NAME_TRIES; attempt++) {
        char suffix[PV_REGISTRY_ID_LEN + 16];
        if (attempt == 1) snprintf(suffix, sizeof suffix, "%s", id);
        if (attempt > 1) snprintf(suffix, sizeof suffix, "%s-%d", id, attempt);
        pv_folder_safe_name(name, gzip, attempt ? suffix : NULL, final, size);
        char *path = pv_folder_join(f->dir, final);
        if (!path) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        int rc = link(u->path, path);
        int saved = errno;
        if (rc < 0 && saved != EEXIST) {
            /* No hard links here (some file systems): rename, having checked
             * under the lock that the name is free. */
            struct stat st;
            if (lstat(path, &st) == 0) {
                free(path);
                continue;
            }
            rc = rename(u->path, path);
            saved = errno;
            *renamed = rc == 0;
        }
        free(path);
        if (rc == 0) return 0;
        if (saved != EEXIST)
            return pv_fail(err, PV_ERR_IO, -1, "cannot store the upload in %s: %s", f->dir,
                           strerror(saved));
    }
    return pv_fail(err, PV_ERR_IO, -1, "no free file name for the upload in %s", f->dir);
}

pv_upload_result pv_upload_finish(pv_upload *u, const char *name, char *id_out, pv_error *err)
{
    pv_folder *f = u->folder;
    pv_source src;
    pv_source_limits limits = f->limits;
    pv_registry_item *item = NULL;
    if (pv_source_open_fd(u->fd, &limits, &src, err) < 0) {
        pv_upload_abort(u);
        return err->kind == PV_ERR_INPUT ? PV_UPLOAD_INVALID : PV_UPLOAD_FAILED;
    }
    bool gzip = src.gzip;
    char id[PV_REGISTRY_ID_LEN + 1];
    memcpy(id, src.id, sizeof id);
    if (id_out) memcpy(id_out, id, sizeof id);
    /* Known content needs no parse (and no second copy). */
    bool known = pv_registry_contains(f->reg, id);
    int parsed = known ? 0 : pv_registry_build(&src, "", &item, err);
    pv_source_close(&src);
    if (parsed < 0) {
        pv_upload_abort(u);
        return err->kind == PV_ERR_INPUT ? PV_UPLOAD_INVALID : PV_UPLOAD_FAILED;
    }
    if (known) {
        pv_upload_abort(u);
        return PV_UPLOAD_EXISTS;
    }
    /* Readable like any other file of the folder once it has its name. */
    if (fchmod(u->fd, 0644) < 0 || fsync(u->fd) < 0) {
        pv_fail(err, PV_ERR_IO, -1, "cannot sync the upload: %s", strerror(errno));
        pv_registry_item_free(item);
        pv_upload_abort(u);
        return PV_UPLOAD_FAILED;
    }

    /* Naming is the one step under the lock: the name must still be free. */
    pthread_mutex_lock(&f->lock);
    pv_upload_result result = PV_UPLOAD_FAILED;
    if (pv_registry_contains(f->reg, id)) {
        result = PV_UPLOAD_EXISTS;
        goto fail;
    }
    char final[160];
    bool renamed = false;
    if (link_final(u, name, gzip, id, final, sizeof final, &renamed, err) < 0) goto fail;
    if (!renamed) unlink(u->path);
    struct stat st;
    char *path = pv_folder_join(f->dir, final);
    if (!path || stat(path, &st) < 0) {
        pv_fail(err, PV_ERR_IO, -1, "cannot stat the stored upload");
        free(path);
        goto fail;
    }
    int added = pv_registry_insert(f->reg, item, final, path, (int64_t)st.st_mtime, NULL, err);
    item = NULL;
    free(path);
    if (added < 0 || pv_folder_add_seen(f, final, &st, id, added ? SEEN_PRIMARY : SEEN_ALIAS) < 0) {
        pthread_mutex_unlock(&f->lock);
        close(u->fd);
        free(u->path);
        free(u);
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        return PV_UPLOAD_FAILED;
    }
    pthread_mutex_unlock(&f->lock);
    int dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    close(u->fd);
    free(u->path);
    free(u);
    return PV_UPLOAD_STORED;

fail:
    pthread_mutex_unlock(&f->lock);
    pv_registry_item_free(item);
    pv_upload_abort(u);
    return result;
}
