/* Unit tests of server/source.c: opening (regular files only, never
 * blocking), content ids before parsing, gzip against its cap, the merge
 * path, with error kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "source.h"

#define FIXTURE(name) PROFVIZ_SOURCE_DIR "/tests/golden/" name

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(1 << 22);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 22, f);
    fclose(f);
    return buf;
}

/* gzip of len bytes (caller frees). */
static unsigned char *gz(const unsigned char *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)len) + 64;
    unsigned char *out = malloc(cap);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

static void source_gives_a_file_and_its_bytes_the_same_id(void **state)
{
    pv_error err;
    pv_source a, b;
    assert_int_equal(pv_source_open(FIXTURE("cprofile-py313.prof"), false, NULL, &a, &err), 0);
    size_t len;
    unsigned char *data = read_all(FIXTURE("cprofile-py313.prof"), &len);
    assert_int_equal(pv_source_from_bytes(data, len, NULL, &b, &err), 0);
    assert_string_equal(a.id, b.id);
    assert_int_equal(strlen(a.id), PV_SOURCE_ID_LEN);
    assert_false(a.gzip);
    assert_int_equal(a.len, len);
    assert_true(a.modified > 0);
    /* The id is the hash of the length and the bytes. */
    uint64_t n64 = len;
    uint64_t h = pv_source_hash(pv_source_hash(PV_SOURCE_HASH_SEED, &n64, 8), data, len);
    char id[PV_SOURCE_ID_LEN + 1];
    pv_source_format_id(h, id);
    assert_string_equal(a.id, id);
    pv_profile *p;
    assert_int_equal(pv_source_parse(&a, 0, &p, &err), 0);
    assert_true(p->nfunctions > 0);
    pv_profile_free(p);
    pv_source_close(&a);
    pv_source_close(&b);
    free(data);
}

/* Known answers, worked out by a model of the hash in Python (four lanes of
 * little-endian words, then FNV-1a over the lanes, the length and the tail,
 * splitmix64's mix at the end): ids must not change from machine to machine
 * or from build to build. 100 bytes are three blocks and a tail of four. */
static void source_hash_gives_known_answers(void **state)
{
    (void)state;
    unsigned char bytes[100];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)i;
    assert_true(pv_source_hash(PV_SOURCE_HASH_SEED, "", 0) == UINT64_C(0x4955684774b6b0db));
    assert_true(pv_source_hash(PV_SOURCE_HASH_SEED, bytes, sizeof bytes) ==
                UINT64_C(0x791ea72b37ddbcb7));
    uint64_t h = pv_source_hash(PV_SOURCE_HASH_SEED, "abc", 3);
    assert_true(pv_source_hash(h, bytes, sizeof bytes) == UINT64_C(0x8ea49b94697c167c));
    /* Every byte counts, in a block and in the tail. */
    uint64_t whole = pv_source_hash(PV_SOURCE_HASH_SEED, bytes, sizeof bytes);
    for (size_t at = 0; at < sizeof bytes; at += 33) {
        bytes[at] ^= 1;
        assert_true(pv_source_hash(PV_SOURCE_HASH_SEED, bytes, sizeof bytes) != whole);
        bytes[at] ^= 1;
    }
}

static void source_refuses_a_fifo_at_once_and_a_missing_file_as_not_found(void **state)
{
    pv_error err;
    pv_source s;
    char path[] = "/tmp/profviz-source-fifo-XXXXXX";
    assert_non_null(mkdtemp(path));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/x.prof", path);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* Without O_NONBLOCK this open would wait for a writer forever. */
    assert_int_equal(pv_source_open(fifo, true, NULL, &s, &err), -1);
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "not a regular file"));
    assert_int_equal(pv_source_open(path, true, NULL, &s, &err), -1);
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    unlink(fifo);
    rmdir(path);
    assert_int_equal(pv_source_open("/nonexistent/x.prof", false, NULL, &s, &err), -1);
    assert_int_equal(err.kind, PV_ERR_NOT_FOUND);
    assert_int_equal(err.offset, -1);
}

static void source_inflates_gzip_and_ids_the_compressed_bytes(void **state)
{
    pv_error err;
    size_t len, glen;
    unsigned char *data = read_all(FIXTURE("cprofile-py313.prof"), &len);
    unsigned char *g = gz(data, len, &glen);
    pv_source plain, packed;
    assert_int_equal(pv_source_from_bytes(data, len, NULL, &plain, &err), 0);
    assert_int_equal(pv_source_from_bytes(g, glen, NULL, &packed, &err), 0);
    assert_true(packed.gzip);
    assert_int_equal(packed.len, len);
    assert_memory_equal(packed.data, data, len);
    assert_int_equal(packed.raw_len, glen);
    assert_string_not_equal(packed.id, plain.id); /* the bytes as given */
    pv_source_close(&plain);
    pv_source_close(&packed);
    free(g);
    free(data);
}

static void source_stops_a_gzip_bomb_at_the_cap_or_at_its_first_bytes(void **state)
{
    pv_error err;
    size_t n = 8 << 20, glen;
    unsigned char *zeros = calloc(1, n);
    unsigned char *g = gz(zeros, n, &glen);
    pv_source s;
    assert_int_equal(pv_source_from_bytes(g, glen, NULL, &s, &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "not a profile"));
    free(g);
    /* A profile's first byte, then zeros: only the cap stops it. */
    zeros[0] = '{';
    g = gz(zeros, n, &glen);
    pv_source_limits lim = {.max_inflated = 1 << 20};
    assert_int_equal(pv_source_from_bytes(g, glen, &lim, &s, &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "more than 1 MB"));
    /* Under a larger cap it inflates, and the parser refuses it. */
    lim.max_inflated = 16 << 20;
    assert_int_equal(pv_source_from_bytes(g, glen, &lim, &s, &err), 0);
    pv_profile *p;
    assert_int_equal(pv_source_parse(&s, 0, &p, &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "in the gzip-compressed data"));
    pv_source_close(&s);
    free(g);
    free(zeros);
}

static void source_refuses_truncated_gzip_with_an_offset(void **state)
{
    pv_error err;
    size_t len, glen;
    unsigned char *data = read_all(FIXTURE("cprofile-py313.prof"), &len);
    unsigned char *g = gz(data, len, &glen);
    pv_source s;
    assert_int_equal(pv_source_from_bytes(g, glen / 2, NULL, &s, &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "truncated"));
    assert_true(err.offset >= 0 && err.offset <= (int64_t)glen);
    g[12] ^= 0xff; /* inside the deflate stream */
    int rc = pv_source_from_bytes(g, glen, NULL, &s, &err);
    if (rc == 0)
        pv_source_close(&s);
    else
        assert_int_equal(err.kind, PV_ERR_INPUT);
    free(g);
    free(data);
}

static void source_caps_follow_the_server_options(void **state)
{
    assert_int_equal(pv_source_cap((size_t)1024 << 20, (size_t)200 << 20), (size_t)800 << 20);
    assert_int_equal(pv_source_cap((size_t)100 << 20, (size_t)200 << 20), (size_t)200 << 20);
    assert_int_equal(pv_source_cap((size_t)1 << 20, (size_t)50 << 20), (size_t)50 << 20);
    assert_int_equal(pv_source_cap((size_t)4096 << 20, (size_t)50 << 20), (size_t)200 << 20);
    /* Gzip data inflates to 32 times its size at most, past the first 64 MB. */
    size_t cap = (size_t)800 << 20;
    assert_int_equal(pv_source_inflate_cap(cap, (size_t)4 << 20), (size_t)128 << 20);
    assert_int_equal(pv_source_inflate_cap(cap, 1000), (size_t)64 << 20);
    assert_int_equal(pv_source_inflate_cap(cap, (size_t)100 << 20), cap);
    assert_int_equal(pv_source_inflate_cap((size_t)1 << 20, (size_t)4 << 20), (size_t)1 << 20);
    assert_int_equal(pv_source_inflate_cap(cap, SIZE_MAX / 2), cap);
}

static void source_load_merges_and_names_the_file_at_fault(void **state)
{
    pv_error err;
    const char *paths[] = {FIXTURE("cprofile-py313.prof"), FIXTURE("cprofile-b-py313.prof")};
    pv_profile *p;
    uint64_t hash;
    size_t bytes, failed;
    int64_t modified;
    assert_int_equal(pv_source_load(paths, 2, 0, NULL, &p, &hash, &bytes, &modified, &failed, &err),
                     0);
    assert_true(p->nfunctions > 0 && bytes > 0 && modified > 0);
    pv_profile_free(p);
    /* A merge's id continues the hash over every part's length and bytes. */
    uint64_t want = PV_SOURCE_HASH_SEED;
    for (int i = 0; i < 2; i++) {
        size_t len;
        unsigned char *data = read_all(paths[i], &len);
        uint64_t n64 = len;
        want = pv_source_hash(pv_source_hash(want, &n64, 8), data, len);
        free(data);
    }
    assert_true(hash == want);
    /* One file: the file's own id, hashed beside the parser or not. */
    pv_source one;
    assert_int_equal(pv_source_open(paths[0], false, NULL, &one, &err), 0);
    assert_int_equal(pv_source_load(paths, 1, 0, NULL, &p, &hash, NULL, NULL, &failed, &err), 0);
    assert_true(hash == one.hash);
    pv_source_close(&one);
    pv_profile_free(p);
    const char *bad[] = {FIXTURE("cprofile-py313.prof"), FIXTURE("README.md")};
    assert_int_equal(pv_source_load(bad, 2, 0, NULL, &p, NULL, NULL, NULL, &failed, &err), -1);
    assert_int_equal(failed, 1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_non_null(strstr(err.message, "README.md: "));
    assert_null(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(source_gives_a_file_and_its_bytes_the_same_id),
        cmocka_unit_test(source_hash_gives_known_answers),
        cmocka_unit_test(source_refuses_a_fifo_at_once_and_a_missing_file_as_not_found),
        cmocka_unit_test(source_inflates_gzip_and_ids_the_compressed_bytes),
        cmocka_unit_test(source_stops_a_gzip_bomb_at_the_cap_or_at_its_first_bytes),
        cmocka_unit_test(source_refuses_truncated_gzip_with_an_offset),
        cmocka_unit_test(source_caps_follow_the_server_options),
        cmocka_unit_test(source_load_merges_and_names_the_file_at_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
