/* assets.c: embedded files and the --web-root folder (see assets.h). */
#include "assets.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "embed.h"
#include "gzip.h"
#include "source.h"

#define MAX_WEB_ROOT_FILE ((size_t)64 << 20)

typedef struct record {
    const pv_embed_file *file;
    const char *content_type;
    char etag[24];     /* "\"<16 hex>\"" */
    unsigned char *gz; /* compressed copy, or NULL when not worth it */
    size_t gz_size;
} record;

struct pv_assets {
    char *web_root;
    record *records;
    size_t count;
};

const char *pv_assets_content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".txt", "text/plain; charset=utf-8"},
        {".wasm", "application/wasm"},
    };
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash)) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    }
    return "application/octet-stream";
}

bool pv_assets_compressible(const char *content_type)
{
    return strncmp(content_type, "text/", 5) == 0 || strstr(content_type, "javascript") ||
           strstr(content_type, "json") || strstr(content_type, "svg");
}

bool pv_assets_path(const char *url, char *out, size_t size)
{
    if (url[0] != '/') return false;
    const char *p = url + 1;
    if (!*p) p = "index.html";
    size_t len = strlen(p);
    if (len >= size) return false;
    bool segment_start = true;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '/') {
            if (segment_start) return false; /* empty segment */
            segment_start = true;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok || (segment_start && c == '.')) return false;
        segment_start = false;
    }
    if (segment_start) return false; /* trailing slash */
    memcpy(out, p, len + 1);
    return true;
}

int pv_assets_new(const char *web_root, pv_assets **out, pv_error *err)
{
    pv_assets *a = calloc(1, sizeof *a);
    if (!a) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    if (web_root) {
        struct stat st;
        if (stat(web_root, &st) < 0 || !S_ISDIR(st.st_mode)) {
            free(a);
            return pv_fail(err, PV_ERR_ARGUMENT, -1, "--web-root %s: not a folder", web_root);
        }
        if (!(a->web_root = strdup(web_root))) goto oom;
    }
    a->count = pv_embed_count;
    a->records = calloc(a->count ? a->count : 1, sizeof *a->records);
    if (!a->records) goto oom;
    for (size_t i = 0; i < a->count; i++) {
        record *r = &a->records[i];
        r->file = &pv_embed_files[i];
        r->content_type = pv_assets_content_type(r->file->path);
        uint64_t h = pv_source_hash(PV_SOURCE_HASH_SEED, r->file->data, r->file->size);
        snprintf(r->etag, sizeof r->etag, "\"%016llx\"", (unsigned long long)h);
        /* With a web root the embedded copies are never served. */
        if (!a->web_root && pv_assets_compressible(r->content_type) && r->file->size > 1024)
            r->gz = pv_gzip_compress(r->file->data, r->file->size, 9, &r->gz_size);
    }
    *out = a;
    return 0;
oom:
    pv_assets_free(a);
    return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
}

struct pv_assets_job {
    char *web_root;
    pthread_t thread;
    bool threaded; /* thread not joined yet */
    int status;    /* pv_assets_new's outcome, once done */
    pv_assets *assets;
    pv_error err;
};

static void *assets_job_run(void *arg)
{
    pv_assets_job *job = arg;
    job->status = pv_assets_new(job->web_root, &job->assets, &job->err);
    return NULL;
}

int pv_assets_start(const char *web_root, pv_assets_job **out, pv_error *err)
{
    pv_assets_job *job = calloc(1, sizeof *job);
    if (!job || (web_root && !(job->web_root = strdup(web_root)))) {
        free(job);
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    job->threaded = pthread_create(&job->thread, NULL, assets_job_run, job) == 0;
    if (!job->threaded) assets_job_run(job);
    *out = job;
    return 0;
}

int pv_assets_finish(pv_assets_job *job, pv_assets **out, pv_error *err)
{
    if (job->threaded) pthread_join(job->thread, NULL);
    int status = job->status;
    if (status == 0)
        *out = job->assets;
    else
        *err = job->err;
    free(job->web_root);
    free(job);
    return status;
}

void pv_assets_free(pv_assets *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->count; i++)
        free(a->records[i].gz);
    free(a->records);
    free(a->web_root);
    free(a);
}

static const record *find_record(const pv_assets *a, const char *path)
{
    size_t lo = 0, hi = a->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(a->records[mid].file->path, path);
        if (c == 0) return &a->records[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The web root's modules joined, as the build joins web/js (bundle.h): made
 * anew for each request, so an edit shows on reload. */
static int bundle_disk(const pv_assets *a, pv_asset *out, unsigned char **owned, pv_error *err)
{
    char *data = NULL;
    size_t len = 0;
    if (pv_bundle(PV_ASSETS_BUNDLE_ENTRY, pv_bundle_read_folder, a->web_root, &data, &len, err) < 0)
        return err->kind == PV_ERR_NOT_FOUND ? 0 : -1;
    *out = (pv_asset){.data = (unsigned char *)data,
                      .size = len,
                      .content_type = pv_assets_content_type(PV_ASSETS_BUNDLE)};
    *owned = (unsigned char *)data;
    return 1;
}

/* Reads rel from the web root. */
static int find_disk(const pv_assets *a, const char *rel, pv_asset *out, unsigned char **owned,
                     pv_error *err)
{
    char full[4096];
    int w = snprintf(full, sizeof full, "%s/%s", a->web_root, rel);
    if (w < 0 || (size_t)w >= sizeof full) return 0;
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && strcmp(rel, PV_ASSETS_BUNDLE) == 0) return bundle_disk(a, out, owned, err);
    if (fd < 0) return 0;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > MAX_WEB_ROOT_FILE) {
        close(fd);
        return 0;
    }
    size_t size = (size_t)st.st_size, got = 0;
    unsigned char *buf = malloc(size ? size : 1);
    while (buf && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != size) {
        free(buf);
        return pv_fail(err, PV_ERR_IO, -1, "cannot read the file");
    }
    *out = (pv_asset){.data = buf, .size = size, .content_type = pv_assets_content_type(rel)};
    *owned = buf;
    return 1;
}

int pv_assets_find(const pv_assets *a, const char *rel, pv_asset *out, unsigned char **owned,
                   pv_error *err)
{
    *owned = NULL;
    if (a->web_root) return find_disk(a, rel, out, owned, err);
    const record *r = find_record(a, rel);
    if (!r) return 0;
    *out = (pv_asset){.data = r->file->data,
                      .size = r->file->size,
                      .gz = r->gz,
                      .gz_size = r->gz_size,
                      .content_type = r->content_type,
                      .etag = r->etag};
    return 1;
}
