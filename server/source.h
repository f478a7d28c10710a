/* source.h: the one way profviz reads a profile: a path or bytes in, the
 * bytes to parse and their content id out.
 *
 * Data model: a pv_source is one profile's bytes as given (a file mapped
 * into memory, or a buffer the caller holds) and, when those are gzip, the
 * inflated bytes; plus the content id, computed from the bytes as given
 * before anything is parsed, so callers can tell a profile they hold
 * already without parsing it again.
 *
 * - A path is opened with O_NONBLOCK (a FIFO or device never blocks the
 *   open) and then must be a regular file (fstat), else the error names it.
 * - gzip is inflated as a stream against limits.max_inflated, and no more
 *   than PV_SOURCE_MAX_RATIO times its size (pv_source_inflate_cap; a bomb stops
 *   there, or at once when its first bytes are not a profile: gzip.h).
 *   limits.max_file bounds a plain file's size the same way (0 = none).
 * - Ids: the first PV_SOURCE_ID_LEN hex digits of the 64-bit content hash
 *   (pv_source_hash: FNV-style lanes over little-endian words, the same on
 *   every machine) of the length (8 bytes, little-endian on every machine
 *   profviz runs on) and the bytes as given; for a merge, of every part's in
 *   order.
 *
 * Ownership: a pv_source owns its mapping and its inflated buffer (never
 * the caller's bytes); pv_source_close frees them. The profile returned by
 * pv_source_parse or pv_source_load belongs to the caller
 * (pv_profile_free). Errors: PV_ERR_NOT_FOUND (no such file), PV_ERR_IO
 * (cannot open or map), PV_ERR_ARGUMENT (not a regular file), PV_ERR_INPUT
 * (over a limit, bad gzip or not a profile: the offset is into the bytes as
 * given, or for problems inside gzip data into the inflated bytes, and the
 * message says so), PV_ERR_NOMEM.
 */
#ifndef PV_SOURCE_H
#define PV_SOURCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

#define PV_SOURCE_ID_LEN 12
#define PV_SOURCE_HASH_SEED UINT64_C(0xcbf29ce484222325)

/* The inflation cap when nothing else is said: what the defaults of
 * --cache-mb (1024) and --max-upload-mb (200) give (see pv_source_cap). */
#define PV_SOURCE_DEFAULT_MAX_INFLATED ((size_t)800 << 20)

typedef struct pv_source_limits {
    size_t max_inflated; /* most bytes gzip data may inflate to; 0 = the default */
    size_t max_file;     /* largest plain file; 0 = no limit */
    bool no_id;          /* skip the content id (profviz report needs none) */
    bool id_later;       /* hash on a second thread: id valid after pv_source_wait_id */
} pv_source_limits;

typedef struct pv_source {
    const unsigned char *data; /* the bytes to parse (inflated when gzip) */
    size_t len;
    const unsigned char *raw; /* the bytes as given */
    size_t raw_len;
    bool gzip;
    uint64_t hash;                 /* content hash of the bytes as given */
    char id[PV_SOURCE_ID_LEN + 1]; /* its hex id */
    int64_t modified;              /* the file's mtime (seconds since 1970); 0 for bytes */
    pthread_t hasher_;             /* private: the id_later thread, */
    bool hashing_;                 /* not joined yet, */
    void *map_;                    /* the mapping, */
    size_t map_len_;               /* its length, */
    unsigned char *inflated_;      /* and the inflated buffer */
} pv_source;

/* The inflation cap for the server's options: four times the largest
 * upload (--max-upload-mb; profiles compress about 5:1, so a real upload
 * inflates to less), but no more than the parsed profiles' memory
 * (--cache-mb) or the upload limit, whichever is larger. 800 MB with the
 * defaults. */
size_t pv_source_cap(size_t cache_bytes, size_t max_upload_bytes);

/* What gzip data of raw_len bytes may inflate to under a cap: no more than
 * PV_SOURCE_MAX_RATIO times its size (real profiles compress 2:1 to 8:1,
 * Python 2's the most), beyond the first PV_SOURCE_RATIO_FREE bytes, which
 * any gzip data may inflate to. So a 4 MB bomb stops at 128 MB, not at the
 * cap. */
#define PV_SOURCE_MAX_RATIO 32
#define PV_SOURCE_RATIO_FREE ((size_t)64 << 20)
size_t pv_source_inflate_cap(size_t cap, size_t raw_len);

/* Continues the content hash h over len bytes and returns it: h and the
 * bytes (in four 64-bit lanes, by 32-byte blocks, the rest byte by byte)
 * make a new 64-bit hash. Not FNV-1a itself (ids before 2026-12-02 were):
 * that waits for one multiply per byte. */
uint64_t pv_source_hash(uint64_t h, const void *data, size_t len);

/* Writes the id of hash into out (PV_SOURCE_ID_LEN + 1 bytes). */
void pv_source_format_id(uint64_t hash, char *out);

/* Opens the file at path (see above). nofollow refuses a symbolic link.
 * Returns 0 with *out filled, or -1 with err filled and nothing to close. */
int pv_source_open(const char *path, bool nofollow, const pv_source_limits *limits, pv_source *out,
                   pv_error *err);

/* The same for a file already open (an upload's temporary file); fd stays
 * the caller's. */
int pv_source_open_fd(int fd, const pv_source_limits *limits, pv_source *out, pv_error *err);

/* Takes len bytes the caller keeps until pv_source_close. Returns 0, or -1
 * with err filled. */
int pv_source_from_bytes(const unsigned char *data, size_t len, const pv_source_limits *limits,
                         pv_source *out, pv_error *err);

/* Waits for the content id when it was computed on a second thread
 * (limits.id_later); does nothing otherwise. */
void pv_source_wait_id(pv_source *src);

/* Frees what the source holds. A zeroed source is fine. */
void pv_source_close(pv_source *src);

/* Parses the source (pstats.h's PV_LOAD_... flags). Returns 0 and sets *out,
 * or -1 with err filled (inside gzip data, the message says so). */
int pv_source_parse(const pv_source *src, unsigned flags, pv_profile **out, pv_error *err);

/* The one merge path: opens and parses paths[0..n) and merges them (as
 * pstats.Stats.add does; n == 1 is that file). Sets *out, and when not
 * NULL *hash (over every part in order), *bytes (their total size) and
 * *modified (the newest mtime). Returns 0, or -1 with err filled ("PATH: "
 * before the message) and *failed the index of the file at fault (n when
 * merging itself failed). */
int pv_source_load(const char *const *paths, size_t n, unsigned flags,
                   const pv_source_limits *limits, pv_profile **out, uint64_t *hash, size_t *bytes,
                   int64_t *modified, size_t *failed, pv_error *err);

#endif
