/* Tests of bundle.c: the web UI's modules joined into one script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundle.h"

/* A folder in memory: path, text pairs, NULL-ended. */
static int read_table(void *ctx, const char *path, char **data, size_t *len, pv_error *err)
{
    const char *const *t = ctx;
    for (; t[0]; t += 2) {
        if (strcmp(t[0], path) != 0) continue;
        *len = strlen(t[1]);
        *data = malloc(*len + 1);
        if (!*data) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        memcpy(*data, t[1], *len + 1);
        return 0;
    }
    return pv_fail(err, PV_ERR_NOT_FOUND, -1, "%s: no such module", path);
}

static char *bundle_ok(const char *const *table)
{
    char *out = NULL;
    size_t len = 0;
    pv_error err = {0};
    int rc = pv_bundle("js/app.js", read_table, (void *)table, &out, &len, &err);
    if (rc < 0) fail_msg("bundle failed: %s", err.message);
    assert_int_equal(strlen(out), len);
    return out;
}

/* The text after the first line (the generated-file comment). */
static const char *body(const char *out)
{
    const char *nl = strchr(out, '\n');
    assert_non_null(nl);
    return nl + 1;
}

static void bundle_rewrites_imports_and_exports_in_place(void **state)
{
    (void)state;
    static const char *const table[] = {
        "js/app.js",
        "import { a, b as c } from './lib/x.js';\n"
        "import * as y from './y.js';\n"
        "import view from './lib/x.js';\n"
        "console.log(a, c, y.k, view);\n",
        "js/lib/x.js",
        "import { k } from '../y.js';\n"
        "export function a() { return k; }\n"
        "export const b = 2;\n"
        "const z = 3;\n"
        "export { z, z as w };\n"
        "export default {\n  name: 'x',\n};\n",
        "js/y.js",
        "export const k = 1;\n"
        "export async function f() {}\n"
        "export class C {}\n",
        NULL,
    };
    char *out = bundle_ok(table);
    assert_string_equal(body(out), "/* js/y.js */\n"
                                   "const __pv_2 = (() => {\n"
                                   "const k = 1;\n"
                                   "async function f() {}\n"
                                   "class C {}\n"
                                   "return { k, f, C };\n"
                                   "})();\n"
                                   "/* js/lib/x.js */\n"
                                   "const __pv_1 = (() => {\n"
                                   "const { k } = __pv_2;\n"
                                   "function a() { return k; }\n"
                                   "const b = 2;\n"
                                   "const z = 3;\n"
                                   "\n"
                                   "const __pv_default = {\n"
                                   "  name: 'x',\n"
                                   "};\n"
                                   "return { a, b, z, w: z, default: __pv_default };\n"
                                   "})();\n"
                                   "/* js/app.js */\n"
                                   "const __pv_0 = (() => {\n"
                                   "const { a, b: c } = __pv_1;\n"
                                   "const y = __pv_2;\n"
                                   "const view = __pv_1.default;\n"
                                   "console.log(a, c, y.k, view);\n"
                                   "return {};\n"
                                   "})();\n");
    free(out);
}

static void bundle_writes_each_module_once_after_its_imports(void **state)
{
    (void)state;
    /* a diamond: app -> b, c; b -> d; c -> d, b */
    static const char *const table[] = {
        "js/app.js",
        "import { b } from './b.js';\nimport { c } from './c.js';\n",
        "js/b.js",
        "import { d } from './d.js';\nexport const b = d;\n",
        "js/c.js",
        "import { d } from './d.js';\nimport { b } from './b.js';\nexport const c = d + b;\n",
        "js/d.js",
        "export const d = 1;\n",
        NULL,
    };
    char *out = bundle_ok(table);
    const char *d = strstr(out, "/* js/d.js */"), *b = strstr(out, "/* js/b.js */");
    const char *c = strstr(out, "/* js/c.js */"), *app = strstr(out, "/* js/app.js */");
    assert_true(d && b && c && app);
    assert_true(d < b && b < c && c < app); /* as a browser evaluates them */
    assert_null(strstr(d + 1, "/* js/d.js */"));
    assert_null(strstr(b + 1, "/* js/b.js */"));
    free(out);
}

typedef struct bad_case {
    const char *app; /* js/app.js; js/ok.js holds "export const ok = 1;\n" */
    pv_error_kind kind;
    const char *message; /* a part of the message */
    int64_t offset;
} bad_case;

static void bundle_refuses_what_would_change_meaning(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"const a = 1;\nexport let b = 2;\n", PV_ERR_INPUT, "js/app.js:2: export let/var", 13},
        {"export var b = 2;\n", PV_ERR_INPUT, "js/app.js:1: export let/var", 0},
        {"export * from './ok.js';\n", PV_ERR_INPUT, "js/app.js:1: an export the bundler", 0},
        {"export { ok } from './ok.js';\n", PV_ERR_INPUT, "js/app.js:1: an export list", 0},
        {"const m = import('./ok.js');\n", PV_ERR_INPUT, "js/app.js:1: a dynamic import", 0},
        {"x;\nconsole.log(import.meta.url);\n", PV_ERR_INPUT, "js/app.js:2: a dynamic import", 3},
        {"await 1;\n", PV_ERR_INPUT, "js/app.js:1: a top-level await", 0},
        {"{\n  import { ok } from './ok.js';\n}\n", PV_ERR_INPUT, "js/app.js:2: an indented", 2},
        {"import { ok } from './ok.js'; // why\n", PV_ERR_INPUT, "js/app.js:1: an import the", 0},
        {"import {\n  ok,\n} from './ok.js';\n", PV_ERR_INPUT, "js/app.js:1: an import the", 0},
        {"import { ok } from 'ok';\n", PV_ERR_INPUT, "js/app.js:1: an import of something", 0},
        {"import { ok } from '../../ok.js';\n", PV_ERR_INPUT, "js/app.js:1: an import of", 0},
        {"import { ok } from './ok.css';\n", PV_ERR_INPUT, "js/app.js:1: an import of", 0},
        {"import { x } from './missing.js';\n", PV_ERR_NOT_FOUND, "js/missing.js: no such", -1},
        {"import { a } from './loop.js';\n", PV_ERR_INPUT, "js/app.js: imported again", -1},
        {"const __pv_1 = 2;\n", PV_ERR_INPUT, "js/app.js: uses the prefix __pv_", 6},
        {"export const { a } = {};\n", PV_ERR_INPUT, "js/app.js:1: an export without", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const table[] = {
            "js/app.js",  cases[i].app,
            "js/ok.js",   "export const ok = 1;\n",
            "js/loop.js", "import { b } from './app.js';\nexport const a = 1;\n",
            NULL,
        };
        char *out = NULL;
        size_t len = 0;
        pv_error err = {0};
        int rc = pv_bundle("js/app.js", read_table, (void *)table, &out, &len, &err);
        if (rc == 0) fail_msg("case %zu bundled: %s", i, cases[i].app);
        assert_int_equal(err.kind, cases[i].kind);
        if (!strstr(err.message, cases[i].message))
            fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.message, cases[i].message);
        assert_int_equal(err.offset, cases[i].offset);
        assert_null(out);
    }
}

static void bundle_of_the_web_folder_holds_every_module_it_imports(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    pv_error err = {0};
    char web[] = PROFVIZ_SOURCE_DIR "/web";
    if (pv_bundle("js/app.js", pv_bundle_read_folder, web, &out, &len, &err) < 0)
        fail_msg("web/js does not bundle: %s", err.message);
    /* boot.js (it starts the requests) comes first but for its two imports */
    const char *first = strstr(out, "\n/* js/");
    assert_non_null(first);
    assert_memory_equal(first, "\n/* js/plan.js */", strlen("\n/* js/plan.js */"));
    const char *second = strstr(first + 1, "\n/* js/");
    assert_non_null(second);
    assert_memory_equal(second, "\n/* js/treeform.js */", strlen("\n/* js/treeform.js */"));
    const char *third = strstr(second + 1, "\n/* js/");
    assert_non_null(third);
    assert_memory_equal(third, "\n/* js/boot.js */", strlen("\n/* js/boot.js */"));
    const char *app = strstr(out, "\n/* js/app.js */");
    assert_non_null(app);
    assert_null(strstr(app + 1, "\n/* js/"));
    assert_non_null(strstr(out, "/* js/views/icicle.js */"));
    assert_non_null(strstr(out, "/* js/components/chart.js */"));
    assert_null(strstr(out, "\nimport "));
    assert_null(strstr(out, "\nexport "));
    free(out);

    /* the folder reader refuses what is not a file there */
    char *data = NULL;
    assert_int_equal(pv_bundle_read_folder(web, "js/nothing.js", &data, &len, &err), -1);
    assert_int_equal(err.kind, PV_ERR_NOT_FOUND);
    assert_int_equal(pv_bundle_read_folder(web, "js", &data, &len, &err), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundle_rewrites_imports_and_exports_in_place),
        cmocka_unit_test(bundle_writes_each_module_once_after_its_imports),
        cmocka_unit_test(bundle_refuses_what_would_change_meaning),
        cmocka_unit_test(bundle_of_the_web_folder_holds_every_module_it_imports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
