/* Unit tests of server/auth.c: Host (DNS rebinding), same-origin rules
 * (CSRF), tokens, local redirect targets, embed origins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"

static void auth_allows_loopback_hosts_with_or_without_a_port(void **state)
{
    const char *ok[] = {"localhost",   "LocalHost:8080", "127.0.0.1",
                        "127.1.2.3:1", "[::1]",          "[::1]:65535"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_true(pv_auth_host_allowed(NULL, ok[i]));
    const char *bad[] = {"attacker.example",
                         "attacker.example:8080",
                         "localhost.attacker.example",
                         "127.0.0.1.nip.io",
                         "128.0.0.1",
                         "[::2]",
                         "[::1",
                         "::1",
                         "localhost:",
                         "localhost:123456",
                         "localhost:80x",
                         "",
                         "[]:80",
                         "0.0.0.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(pv_auth_host_allowed(NULL, bad[i]));
    assert_true(pv_auth_host_allowed(NULL, NULL)); /* HTTP/1.0 without Host */
}

static void auth_allows_the_allow_host_values(void **state)
{
    const char *allow[] = {"team.example", "box:8080"};
    pv_auth_rules rules = {.allow_hosts = allow, .nallow_hosts = 2};
    assert_true(pv_auth_host_allowed(&rules, "team.example"));
    assert_true(pv_auth_host_allowed(&rules, "TEAM.example:9000"));
    assert_true(pv_auth_host_allowed(&rules, "box:8080"));
    assert_false(pv_auth_host_allowed(&rules, "box:8081"));
    assert_false(pv_auth_host_allowed(&rules, "evil.team.example"));
}

static void auth_lets_state_change_only_from_the_same_origin_or_no_browser(void **state)
{
    assert_true(pv_auth_changes_state("POST"));
    assert_true(pv_auth_changes_state("DELETE"));
    assert_false(pv_auth_changes_state("GET"));
    assert_false(pv_auth_changes_state("HEAD"));
    const char *host = "127.0.0.1:8080";
    assert_true(pv_auth_same_origin(host, NULL, NULL));
    assert_true(pv_auth_same_origin(host, "http://127.0.0.1:8080", NULL));
    assert_true(pv_auth_same_origin(host, "https://127.0.0.1:8080", "same-origin"));
    assert_true(pv_auth_same_origin(host, NULL, "none"));
    assert_false(pv_auth_same_origin(host, "http://127.0.0.1:8081", NULL)); /* another port */
    assert_false(pv_auth_same_origin(host, "http://evil.example", NULL));
    assert_false(pv_auth_same_origin(host, "null", NULL));
    assert_false(pv_auth_same_origin(host, NULL, "same-site"));
    assert_false(pv_auth_same_origin(host, NULL, "cross-site"));
    assert_false(pv_auth_same_origin(host, "http://127.0.0.1:8080", "cross-site"));
    assert_false(pv_auth_same_origin(NULL, "http://127.0.0.1:8080", NULL));
    assert_false(pv_auth_same_origin(host, "http://127.0.0.1:8080/", NULL));
}

static void auth_compares_tokens_exactly(void **state)
{
    assert_true(pv_auth_token_equal("abc", "abc", 3));
    assert_false(pv_auth_token_equal("abc", "abd", 3));
    assert_false(pv_auth_token_equal("abc", "ab", 2));
    assert_false(pv_auth_token_equal("abc", "abcd", 4));
    assert_true(pv_auth_bearer_matches("abc", "Bearer abc"));
    assert_true(pv_auth_bearer_matches("abc", "bearer   abc  "));
    assert_false(pv_auth_bearer_matches("abc", "Basic abc"));
    assert_false(pv_auth_bearer_matches("abc", NULL));
}

static void auth_redirects_only_to_local_paths(void **state)
{
    char out[256];
    assert_true(pv_auth_redirect_target("//evil.example/x?token=T", out, sizeof out));
    assert_string_equal(out, "/evil.example/x");
    assert_true(pv_auth_redirect_target("/\\evil.example?token=T&a=1", out, sizeof out));
    assert_string_equal(out, "/evil.example?a=1");
    assert_true(pv_auth_redirect_target("/x/y?a=1&token=T&b=2#f", out, sizeof out));
    assert_string_equal(out, "/x/y?a=1&b=2");
    assert_true(pv_auth_redirect_target("/?token=T", out, sizeof out));
    assert_string_equal(out, "/");
    assert_true(pv_auth_redirect_target("/?tokens=1", out, sizeof out));
    assert_string_equal(out, "/?tokens=1");
    assert_false(pv_auth_redirect_target("/a\r\nSet-Cookie: x", out, sizeof out));
    assert_string_equal(out, "/");
    assert_false(pv_auth_redirect_target("/aaaaaaaaaaaaaaaa", out, 8));
    assert_string_equal(out, "/");
}

static void auth_accepts_only_plain_origins_to_embed(void **state)
{
    assert_true(pv_auth_valid_origin("http://localhost:8888"));
    assert_true(pv_auth_valid_origin("https://hub.example.org"));
    assert_true(pv_auth_valid_origin("http://[::1]:8888"));
    const char *bad[] = {"localhost:8888",
                         "http://",
                         "http://x/",
                         "http://x:",
                         "http://x y",
                         "http://x;frame-ancestors *",
                         "javascript:alert(1)",
                         "http://x:123456",
                         "*",
                         "'self'"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(pv_auth_valid_origin(bad[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auth_allows_loopback_hosts_with_or_without_a_port),
        cmocka_unit_test(auth_allows_the_allow_host_values),
        cmocka_unit_test(auth_lets_state_change_only_from_the_same_origin_or_no_browser),
        cmocka_unit_test(auth_compares_tokens_exactly),
        cmocka_unit_test(auth_redirects_only_to_local_paths),
        cmocka_unit_test(auth_accepts_only_plain_origins_to_embed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
