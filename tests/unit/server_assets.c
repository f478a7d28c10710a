/* Unit tests of server/assets.c: the embedded files with their gzip copies,
 * made at once (pv_assets_new) or on a thread (pv_assets_start and
 * pv_assets_finish) with the same result, a --web-root that is no folder
 * refused with its kind either way, and the URL path rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assets.h"
#include "embed.h"
#include "gzip.h"

/* The first embedded file big and compressible enough to have a gzip copy. */
static const char *compressed_path(void)
{
    for (size_t i = 0; i < pv_embed_count; i++) {
        const pv_embed_file *f = &pv_embed_files[i];
        if (f->size > 1024 && pv_assets_compressible(pv_assets_content_type(f->path)))
            return f->path;
    }
    return NULL;
}

static void assets_from_a_thread_match_those_made_at_once(void **state)
{
    (void)state;
    const char *path = compressed_path();
    assert_non_null(path); /* the UI has scripts and styles over 1 KB */
    pv_error err;
    pv_assets *now = NULL, *later = NULL;
    pv_assets_job *job = NULL;
    assert_int_equal(pv_assets_start(NULL, &job, &err), 0);
    assert_int_equal(pv_assets_new(NULL, &now, &err), 0);
    assert_int_equal(pv_assets_finish(job, &later, &err), 0);
    assert_non_null(later);

    pv_asset a, b;
    unsigned char *owned_a = NULL, *owned_b = NULL;
    assert_int_equal(pv_assets_find(now, path, &a, &owned_a, &err), 1);
    assert_int_equal(pv_assets_find(later, path, &b, &owned_b, &err), 1);
    assert_null(owned_a);
    assert_null(owned_b);
    assert_non_null(b.gz);
    assert_true(b.gz_size < b.size);
    assert_int_equal(a.gz_size, b.gz_size);
    assert_memory_equal(a.gz, b.gz, a.gz_size);
    assert_string_equal(a.etag, b.etag);
    assert_string_equal(a.content_type, b.content_type);

    /* The copy inflates back to the file. */
    unsigned char *plain = NULL;
    size_t plain_len = 0;
    assert_int_equal(pv_gzip_inflate(b.gz, b.gz_size, b.size, NULL, &plain, &plain_len, &err), 0);
    assert_int_equal(plain_len, b.size);
    assert_memory_equal(plain, b.data, b.size);
    free(plain);
    assert_int_equal(pv_assets_find(later, "no-such-file.js", &b, &owned_b, &err), 0);
    pv_assets_free(now);
    pv_assets_free(later);
}

static void a_web_root_that_is_no_folder_fails_at_finish(void **state)
{
    (void)state;
    pv_error err;
    pv_assets *assets = NULL;
    pv_assets_job *job = NULL;
    assert_int_equal(pv_assets_start("/no/such/folder", &job, &err), 0);
    memset(&err, 0, sizeof err);
    assert_int_equal(pv_assets_finish(job, &assets, &err), -1);
    assert_null(assets);
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "/no/such/folder"));

    assert_int_equal(pv_assets_new("/no/such/folder", &assets, &err), -1);
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
}

static void a_web_root_serves_its_own_files(void **state)
{
    (void)state;
    pv_error err;
    pv_assets *assets = NULL;
    pv_assets_job *job = NULL;
    assert_int_equal(pv_assets_start(PROFVIZ_SOURCE_DIR "/web", &job, &err), 0);
    assert_int_equal(pv_assets_finish(job, &assets, &err), 0);
    pv_asset a;
    unsigned char *owned = NULL;
    assert_int_equal(pv_assets_find(assets, "index.html", &a, &owned, &err), 1);
    assert_non_null(owned); /* read from the folder, not the embedded copy */
    assert_null(a.etag);
    assert_string_equal(a.content_type, "text/html; charset=utf-8");
    free(owned);
    pv_assets_free(assets);
}

static void asset_paths_refuse_what_names_no_file(void **state)
{
    (void)state;
    char out[64];
    assert_true(pv_assets_path("/", out, sizeof out));
    assert_string_equal(out, "index.html");
    assert_true(pv_assets_path("/js/app.js", out, sizeof out));
    assert_string_equal(out, "js/app.js");
    assert_false(pv_assets_path("/../etc/passwd", out, sizeof out));
    assert_false(pv_assets_path("/js//app.js", out, sizeof out));
    assert_false(pv_assets_path("/.hidden", out, sizeof out));
    assert_false(pv_assets_path("/js/", out, sizeof out));
    assert_false(pv_assets_path("relative", out, sizeof out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(assets_from_a_thread_match_those_made_at_once),
        cmocka_unit_test(a_web_root_that_is_no_folder_fails_at_finish),
        cmocka_unit_test(a_web_root_serves_its_own_files),
        cmocka_unit_test(asset_paths_refuse_what_names_no_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
