/* source.c: opening, mapping, inflating and identifying profiles (see
 * source.h). */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gzip.h"
#include "pstats.h"
#include "sniff.h"

size_t pv_source_cap(size_t cache_bytes, size_t max_upload_bytes)
{
    size_t four = max_upload_bytes > SIZE_MAX / 4 ? SIZE_MAX : max_upload_bytes * 4;
    size_t room = cache_bytes > max_upload_bytes ? cache_bytes : max_upload_bytes;
    size_t cap = room < four ? room : four;
    return cap ? cap : PV_SOURCE_DEFAULT_MAX_INFLATED;
}

size_t pv_source_inflate_cap(size_t cap, size_t raw_len)
{
    size_t ratio =
        raw_len > SIZE_MAX / PV_SOURCE_MAX_RATIO ? SIZE_MAX : raw_len * PV_SOURCE_MAX_RATIO;
    size_t room = ratio > PV_SOURCE_RATIO_FREE ? ratio : PV_SOURCE_RATIO_FREE;
    return room < cap ? room : cap;
}

/* Bytes p[0..8) as a little-endian number, on any machine. */
static uint64_t load_le64(const unsigned char *p)
{
    uint64_t w = 0;
    for (int k = 7; k >= 0; k--)
        w = w << 8 | p[k];
    return w;
}

/* The last step of splitmix64: every bit of x moves every bit out. */
static uint64_t mix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

#define FNV_PRIME UINT64_C(0x100000001b3)
#define LANE_PRIME UINT64_C(0x9e3779b97f4a7c15)

uint64_t pv_source_hash(uint64_t h, const void *data, size_t len)
{
    /* Four lanes take the 32-byte blocks, a word each: a word is xored in,
     * the lane multiplied and its high half folded down. The lanes do not
     * wait for each other, so a block costs about one multiply's latency,
     * where FNV-1a waits for one multiply per byte (45 MB took 70 ms of a
     * core that the parser needs). The lanes, the length and the bytes
     * after the last block then go into one FNV-1a state, mixed at the end. */
    const unsigned char *p = data;
    uint64_t lane[4] = {h, h ^ UINT64_C(0x243f6a8885a308d3), h ^ UINT64_C(0x13198a2e03707344),
                        h ^ UINT64_C(0xa4093822299f31d0)};
    size_t i = 0;
    for (; len - i >= 32; i += 32)
        for (int k = 0; k < 4; k++) {
            uint64_t x = (lane[k] ^ load_le64(p + i + 8 * k)) * LANE_PRIME;
            lane[k] = x ^ (x >> 32);
        }
    uint64_t out = (h ^ (uint64_t)len) * FNV_PRIME;
    for (int k = 0; k < 4; k++)
        out = (out ^ mix64(lane[k])) * FNV_PRIME;
    for (; i < len; i++)
        out = (out ^ p[i]) * FNV_PRIME;
    return mix64(out);
}

void pv_source_format_id(uint64_t hash, char *out)
{
    snprintf(out, PV_SOURCE_ID_LEN + 1, "%012llx",
             (unsigned long long)(hash >> (64 - 4 * PV_SOURCE_ID_LEN)));
}

/* A marshalled dict starts with '{' (with or without the reference flag).
 * Anything else is refused, named when it is a known kind of file (a Go
 * pprof is gzip'd protobuf). */
static bool looks_like_profile(const unsigned char *data, size_t len, pv_error *err)
{
    if (len == 0 || (data[0] & 0x7f) == '{') return true;
    const pv_sniffed *what = pv_sniff(data, len);
    if (what)
        pv_fail(err, PV_ERR_INPUT, 0,
                "in the gzip-compressed data: not a Python profile: this is %s; %s", what->what,
                what->advice);
    else
        pv_fail(err, PV_ERR_INPUT, 0,
                "the gzip-compressed data is not a profile; " PV_SNIFF_HOW_TO);
    return false;
}

static void hash_now(pv_source *src)
{
    uint64_t n64 = src->raw_len;
    src->hash = pv_source_hash(PV_SOURCE_HASH_SEED, &n64, sizeof n64);
    src->hash = pv_source_hash(src->hash, src->raw, src->raw_len);
    pv_source_format_id(src->hash, src->id);
}

static void *hash_thread(void *arg)
{
    hash_now(arg);
    return NULL;
}

void pv_source_wait_id(pv_source *src)
{
    if (!src->hashing_) return;
    pthread_join(src->hasher_, NULL);
    src->hashing_ = false;
}

/* Hashes (now, or on a second thread for large inputs with id_later), and
 * inflates gzip data (src->data/len set to the bytes as given). */
static int finish(pv_source *src, const pv_source_limits *limits, pv_error *err)
{
    src->raw = src->data;
    if (!limits || !limits->no_id) {
        if (limits && limits->id_later && src->raw_len >= ((size_t)4 << 20))
            src->hashing_ = pthread_create(&src->hasher_, NULL, hash_thread, src) == 0;
        if (!src->hashing_) hash_now(src);
    }
    src->gzip = pv_gzip_is_gzip(src->data, src->raw_len);
    if (!src->gzip) return 0;
    size_t cap = pv_source_inflate_cap(
        limits && limits->max_inflated ? limits->max_inflated : PV_SOURCE_DEFAULT_MAX_INFLATED,
        src->raw_len);
    size_t len = 0;
    if (pv_gzip_inflate(src->data, src->raw_len, cap, looks_like_profile, &src->inflated_, &len,
                        err) < 0)
        return -1;
    src->data = src->inflated_;
    src->len = len;
    return 0;
}

int pv_source_from_bytes(const unsigned char *data, size_t len, const pv_source_limits *limits,
                         pv_source *out, pv_error *err)
{
    memset(out, 0, sizeof *out);
    out->data = data;
    out->len = out->raw_len = len;
    if (finish(out, limits, err) < 0) {
        pv_source_close(out);
        return -1;
    }
    return 0;
}

int pv_source_open_fd(int fd, const pv_source_limits *limits, pv_source *out, pv_error *err)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (fstat(fd, &st) < 0) return pv_fail(err, PV_ERR_IO, -1, "cannot stat: %s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "not a regular file (a folder, FIFO or device)");
    if (limits && limits->max_file && (uint64_t)st.st_size > limits->max_file)
        return pv_fail(err, PV_ERR_INPUT, -1, "the file is larger than the limit of %zu MB",
                       limits->max_file >> 20);
    if ((uint64_t)st.st_size > SIZE_MAX)
        return pv_fail(err, PV_ERR_INPUT, -1, "the file is too large");
    size_t size = (size_t)st.st_size;
    out->modified = (int64_t)st.st_mtime;
    if (size > 0) {
        void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
            return pv_fail(err, errno == ENOMEM ? PV_ERR_NOMEM : PV_ERR_IO, -1, "cannot map: %s",
                           strerror(errno));
        /* Every byte is read (hashed, inflated or parsed): the pages not in
         * the page cache are asked for at once, and come in while the first
         * ones are used. */
        posix_madvise(map, size, POSIX_MADV_WILLNEED);
        out->map_ = map;
        out->map_len_ = size;
        out->data = map;
    } else {
        out->data = (const unsigned char *)"";
    }
    out->len = out->raw_len = size;
    if (finish(out, limits, err) < 0) {
        pv_source_close(out);
        return -1;
    }
    return 0;
}

int pv_source_open(const char *path, bool nofollow, const pv_source_limits *limits, pv_source *out,
                   pv_error *err)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0)
        return pv_fail(err, errno == ENOENT ? PV_ERR_NOT_FOUND : PV_ERR_IO, -1, "cannot open: %s",
                       strerror(errno));
    int rc = pv_source_open_fd(fd, limits, out, err);
    close(fd); /* a mapping outlives its descriptor */
    return rc;
}

void pv_source_close(pv_source *src)
{
    pv_source_wait_id(src);
    if (src->map_) munmap(src->map_, src->map_len_);
    free(src->inflated_);
    memset(src, 0, sizeof *src);
}

int pv_source_parse(const pv_source *src, unsigned flags, pv_profile **out, pv_error *err)
{
    *out = NULL;
    int rc = pv_pstats_parse_with(src->data, src->len, flags, out, err);
    /* Say where the problem is: inside the compressed stream. */
    if (rc < 0 && src->gzip) pv_error_prefix(err, "in the gzip-compressed data: ");
    return rc;
}

int pv_source_load(const char *const *paths, size_t n, unsigned flags,
                   const pv_source_limits *limits, pv_profile **out, uint64_t *hash, size_t *bytes,
                   int64_t *modified, size_t *failed, pv_error *err)
{
    *out = NULL;
    *failed = n;
    if (n == 0) return pv_fail(err, PV_ERR_ARGUMENT, -1, "no profile given");
    pv_profile **parts = calloc(n, sizeof *parts);
    if (!parts) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    uint64_t h = PV_SOURCE_HASH_SEED;
    size_t total = 0;
    /* The id is needed only once every part is parsed: hash beside the
     * parser. */
    bool want_id = !limits || !limits->no_id;
    pv_source_limits mine = limits ? *limits : (pv_source_limits){0};
    mine.id_later = true;
    mine.no_id = mine.no_id || n > 1; /* a merge hashes its parts below */
    limits = &mine;
    int64_t newest = 0;
    int status = -1;
    for (size_t i = 0; i < n; i++) {
        pv_source src;
        int rc = pv_source_open(paths[i], false, limits, &src, err);
        if (rc == 0) {
            /* The mapping is closed right after: its pages may go as they
             * are read (the model of a large file then fits beside little
             * of the file). */
            unsigned release = src.map_ && !src.gzip ? PV_LOAD_RELEASE_BEHIND : 0;
            if (release) posix_madvise(src.map_, src.map_len_, POSIX_MADV_SEQUENTIAL);
            rc = pv_source_parse(&src, flags | release, &parts[i], err);
            if (rc < 0) pv_source_close(&src);
        }
        if (rc < 0) {
            pv_error_prefix(err, "%s: ", paths[i]);
            *failed = i;
            goto done;
        }
        pv_source_wait_id(&src);
        if (n == 1) {
            h = src.hash;
        } else if (want_id) {
            /* The id of a merge continues over every part as given. */
            uint64_t n64 = src.raw_len;
            h = pv_source_hash(h, &n64, sizeof n64);
            h = pv_source_hash(h, src.raw, src.raw_len);
        }
        total += src.raw_len;
        if (src.modified > newest) newest = src.modified;
        pv_source_close(&src);
    }
    if (n == 1) {
        *out = parts[0];
        parts[0] = NULL;
    } else {
        *out = pv_profile_merge((const pv_profile *const *)parts, n, err);
    }
    status = *out ? 0 : -1;
    if (hash) *hash = h;
    if (bytes) *bytes = total;
    if (modified) *modified = newest;
done:
    for (size_t i = 0; i < n; i++)
        pv_profile_free(parts[i]);
    free(parts);
    return status;
}
