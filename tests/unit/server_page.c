/* Unit tests of server/page.c: the escaping of the start data for an HTML
 * data block, the page with the block filled, and the data itself from a
 * registry holding a profile whose name is markup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "page.h"
#include "registry.h"
#include "source.h"

#define FIXTURE(name) PROFVIZ_SOURCE_DIR "/tests/golden/" name

static char *escape(const char *json, size_t *len)
{
    char *out = pv_page_escape_json(json, strlen(json), len);
    assert_non_null(out);
    assert_int_equal(strlen(out), *len);
    return out;
}

static void page_escapes_markup_and_line_separators(void **state)
{
    (void)state;
    size_t len;
    char *out = escape("{\"name\":\"</script><b>&amp; \xe2\x80\xa8 \xe2\x80\xa9\"}", &len);
    assert_string_equal(out, "{\"name\":\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp; \\u2028 "
                             "\\u2029\"}");
    free(out);
}

static void page_keeps_other_text_and_other_e2_sequences(void **state)
{
    (void)state;
    size_t len;
    /* U+2026 (E2 80 A6) and a lone E2 at the end stay as they are */
    char *out = escape("[\"r\xc3\xa9sum\xc3\xa9 \xe2\x80\xa6\",1.5,null,\"\xe2\"]", &len);
    assert_string_equal(out, "[\"r\xc3\xa9sum\xc3\xa9 \xe2\x80\xa6\",1.5,null,\"\xe2\"]");
    free(out);
    out = escape("", &len);
    assert_int_equal(len, 0);
    free(out);
}

static void page_fills_the_first_data_block(void **state)
{
    (void)state;
    const char tmpl[] = "<head>" PV_PAGE_BLOCK_OPEN PV_PAGE_BLOCK_EMPTY "<script src=x></script>"
                        "</head><body>" PV_PAGE_BLOCK_OPEN PV_PAGE_BLOCK_EMPTY "</body>";
    size_t len;
    char *page = pv_page_render(tmpl, sizeof tmpl - 1, "{\"a\":1}", 7, &len);
    assert_non_null(page);
    assert_int_equal(strlen(page), len);
    assert_string_equal(page,
                        "<head>" PV_PAGE_BLOCK_OPEN "{\"a\":1}</script><script src=x></script>"
                        "</head><body>" PV_PAGE_BLOCK_OPEN PV_PAGE_BLOCK_EMPTY "</body>");
    free(page);
}

static void page_without_a_block_is_copied(void **state)
{
    (void)state;
    const char tmpl[] = "<p>" PV_PAGE_BLOCK_OPEN "[]</script>"; /* not the empty block */
    size_t len;
    char *page = pv_page_render(tmpl, sizeof tmpl - 1, "{}", 2, &len);
    assert_non_null(page);
    assert_string_equal(page, tmpl);
    free(page);
    page = pv_page_render("", 0, "{}", 2, &len);
    assert_non_null(page);
    assert_int_equal(len, 0);
    free(page);
}

static pv_registry *registry_with_markup_name(void)
{
    pv_error err;
    pv_registry *reg = pv_registry_new(&err);
    assert_non_null(reg);
    FILE *f = fopen(FIXTURE("cprofile-py313.prof"), "rb");
    assert_non_null(f);
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 0 && n < sizeof buf);
    const char *name = "</script><img src=x onerror=alert(1)>&\xe2\x80\xa8.prof";
    assert_int_equal(pv_registry_add_bytes(reg, name, buf, n, NULL, &err), 0);
    return reg;
}

static void page_data_holds_health_and_the_list_with_no_markup(void **state)
{
    (void)state;
    pv_registry *reg = registry_with_markup_name();
    size_t len;
    char *json = pv_page_boot_json(reg, true, false, PV_PAGE_MAX_LIST, NULL, &len);
    assert_non_null(json);
    assert_int_equal(strlen(json), len);
    assert_non_null(strstr(json, "{\"health\":{\"status\":\"ok\","));
    assert_non_null(strstr(json, "\"uploads\":true"));
    assert_non_null(strstr(json, ",\"profiles\":[{\"id\":\""));
    assert_non_null(strstr(json, "\"name\":\"\\u003c/script\\u003e\\u003cimg src=x "
                                 "onerror=alert(1)\\u003e\\u0026\\u2028.prof\""));
    assert_null(strchr(json, '<'));
    assert_null(strchr(json, '>'));
    assert_null(strchr(json, '&'));
    assert_null(strstr(json, "\xe2\x80\xa8"));
    free(json);
    pv_registry_free(reg);
}

static void page_data_leaves_out_a_list_too_long(void **state)
{
    (void)state;
    pv_registry *reg = registry_with_markup_name();
    size_t len;
    char *json = pv_page_boot_json(reg, false, true, 10, NULL, &len);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"uploads\":false"));
    size_t tail = strlen(",\"profiles\":null,\"tree\":null}");
    assert_true(len > tail);
    assert_string_equal(json + len - tail, ",\"profiles\":null,\"tree\":null}");
    free(json);
    pv_registry_free(reg);
}

static int start_arg(void *ctx, const char *name, const char **value, size_t *len)
{
    (void)ctx;
    static const char *const pairs[] = {"path",      "",
                                        "depth",     PV_PAGE_TREE_DEPTH,
                                        "cutoff",    PV_PAGE_TREE_CUTOFF,
                                        "max_nodes", PV_PAGE_TREE_NODES,
                                        "form",      PV_PAGE_TREE_FORM,
                                        NULL};
    for (const char *const *p = pairs; *p; p += 2)
        if (strcmp(p[0], name) == 0) {
            *value = p[1];
            *len = strlen(p[1]);
            return 1;
        }
    return 0;
}

/* The block's tree for start, or NULL when it is null; checks the rest. */
static char *start_tree_of(pv_registry *reg, bool uploads, const pv_page_start *start)
{
    size_t len;
    char *json = pv_page_boot_json(reg, uploads, false, PV_PAGE_MAX_LIST, start, &len);
    assert_non_null(json);
    assert_null(strchr(json, '<'));
    char *at = strstr(json, ",\"tree\":");
    assert_non_null(at);
    if (strcmp(at, ",\"tree\":null}") == 0) {
        free(json);
        return NULL;
    }
    return json;
}

static void page_data_holds_the_start_tree_as_the_api_answers_it(void **state)
{
    (void)state;
    pv_registry *reg = registry_with_markup_name();
    pv_registry_entry *list = NULL;
    size_t count = 0;
    pv_error err;
    assert_int_equal(pv_registry_list(reg, false, &list, &count, &err), 0);
    assert_int_equal(count, 1);
    char id[PV_REGISTRY_ID_LEN + 1];
    memcpy(id, list[0].id, sizeof id);
    pv_registry_list_free(list, count);

    /* the API's answer to the same request, escaped as the block holds it */
    char path[128];
    snprintf(path, sizeof path, "/api/profiles/%s/tree", id);
    pv_api_request req = {.method = "GET", .path = path, .arg = start_arg};
    pv_api_reply reply;
    assert_int_equal(pv_api_handle(reg, &req, &reply), 0);
    assert_int_equal(reply.status, 200);
    size_t elen;
    char *escaped = pv_page_escape_json(reply.body, reply.len, &elen);
    assert_non_null(escaped);
    char want[512];
    snprintf(want, sizeof want,
             ",\"tree\":{\"profile\":\"%s\",\"path\":[],\"depth\":40,\"cutoff\":0.001,"
             "\"max_nodes\":5000,\"body\":",
             id);

    /* the only profile of a server without uploads, and the one named */
    pv_page_start only = {.plain = true, .max_tree = PV_PAGE_MAX_TREE};
    pv_page_start named = {.plain = true, .profile = id, .max_tree = PV_PAGE_MAX_TREE};
    const pv_page_start *starts[] = {&only, &named};
    const bool uploads[] = {false, true};
    for (size_t k = 0; k < 2; k++) {
        char *json = start_tree_of(reg, uploads[k], starts[k]);
        assert_non_null(json);
        char *at = strstr(json, want);
        assert_non_null(at);
        at += strlen(want);
        assert_int_equal(strlen(at), elen + 2); /* the tree's "}" and the block's */
        assert_memory_equal(at, escaped, elen);
        assert_string_equal(at + elen, "}}");
        free(json);
    }

    /* none: uploads on and no profile named, a URL asking more, a bad id,
     * an unknown one, a tree over the size limit, no start at all */
    pv_page_start more = {.plain = false, .profile = id, .max_tree = PV_PAGE_MAX_TREE};
    pv_page_start bad = {.plain = true, .profile = "ZZ", .max_tree = PV_PAGE_MAX_TREE};
    pv_page_start unknown = {
        .plain = true, .profile = "0123456789ab", .max_tree = PV_PAGE_MAX_TREE};
    pv_page_start small = {.plain = true, .profile = id, .max_tree = reply.len - 1};
    assert_null(start_tree_of(reg, true, &only));
    assert_null(start_tree_of(reg, false, &more));
    assert_null(start_tree_of(reg, false, &bad));
    assert_null(start_tree_of(reg, false, &unknown));
    assert_null(start_tree_of(reg, false, &small));
    assert_null(start_tree_of(reg, false, NULL));
    pv_page_start exact = small;
    exact.max_tree = reply.len;
    char *json = start_tree_of(reg, false, &exact);
    assert_non_null(json);
    free(json);

    free(escaped);
    free(reply.body);
    pv_registry_free(reg);
}

/* Adds the fixture file as team mode does: with its path, so that the
 * cache may drop its tables and parse it again. Copies its id to id. */
static void insert_file(pv_registry *reg, const char *path, char id[PV_REGISTRY_ID_LEN + 1])
{
    pv_error err;
    pv_source_limits limits = {.max_inflated = (size_t)1 << 30};
    pv_source src;
    assert_int_equal(pv_source_open(path, false, &limits, &src, &err), 0);
    pv_registry_item *item = NULL;
    assert_int_equal(pv_registry_build(&src, strrchr(path, '/') + 1, &item, &err), 0);
    pv_source_close(&src);
    assert_int_equal(pv_registry_insert(reg, item, NULL, path, 0, id, &err), 1);
}

static void page_data_has_no_tree_of_a_profile_evicted_from_the_cache(void **state)
{
    (void)state;
    pv_error err;
    pv_registry *reg = pv_registry_new(&err);
    assert_non_null(reg);
    char first[PV_REGISTRY_ID_LEN + 1], second[PV_REGISTRY_ID_LEN + 1];
    insert_file(reg, FIXTURE("cprofile-py313.prof"), first);
    insert_file(reg, FIXTURE("tiny-profile-py313.prof"), second);
    pv_page_start named = {.plain = true, .profile = first, .max_tree = PV_PAGE_MAX_TREE};
    char *json = start_tree_of(reg, false, &named);
    assert_non_null(json); /* parsed: the tree is there */
    free(json);
    pv_registry_set_cache_limit(reg, 1); /* drops every profile's tables */
    assert_false(pv_registry_is_loaded(reg, first));
    assert_null(start_tree_of(reg, false, &named)); /* parsing it again would hold the page back */
    assert_false(pv_registry_is_loaded(reg, first));
    pv_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_escapes_markup_and_line_separators),
        cmocka_unit_test(page_keeps_other_text_and_other_e2_sequences),
        cmocka_unit_test(page_fills_the_first_data_block),
        cmocka_unit_test(page_without_a_block_is_copied),
        cmocka_unit_test(page_data_holds_health_and_the_list_with_no_markup),
        cmocka_unit_test(page_data_leaves_out_a_list_too_long),
        cmocka_unit_test(page_data_holds_the_start_tree_as_the_api_answers_it),
        cmocka_unit_test(page_data_has_no_tree_of_a_profile_evicted_from_the_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
