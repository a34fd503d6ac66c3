/* tests/test_lsp_uri.c — file: URIs to paths and back (lsp/roots.c).
 *
 * Every path a client names is made from its URI here, then checked
 * against the workspace folders: percent-decoding first, then `.`, `..`
 * and empty segments, so that no spelling of `..` climbs out unseen
 * (tests/security.py drives the same through the real server).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_main.h"

#include "../lsp/server.h"

static void path_is(const char *uri, const char *want)
{
	char *p = lsp_uri_to_path(uri);
	if (!want) {
		assert_null(p);
		return;
	}
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
}

static void test_plain(void **state)
{
	(void)state;
	path_is("file:///ws/src/lib.rs", "/ws/src/lib.rs");
	path_is("file://localhost/ws/src/lib.rs", "/ws/src/lib.rs");
	path_is("file:///ws/src/", "/ws/src");
	path_is("file:///", "/");
	path_is("file:///%C3%BCn%C3%AF%20code/a.rs", "/\xc3\xbcn\xc3\xaf code/a.rs");
	path_is("file:///ws/a.rs?query#frag", "/ws/a.rs");
	path_is("http://x/ws/a.rs", NULL);
	path_is("file:ws", NULL);
	path_is(NULL, NULL);
}

static void test_dot_segments(void **state)
{
	(void)state;
	path_is("file:///ws/../outside/secret.rs", "/outside/secret.rs");
	path_is("file:///ws/src/../../outside/secret.rs", "/outside/secret.rs");
	path_is("file:///ws//../outside/secret.rs", "/outside/secret.rs");
	path_is("file:///ws/./../outside/secret.rs", "/outside/secret.rs");
	path_is("file:///ws/src/../src/./lib.rs", "/ws/src/lib.rs");
	path_is("file:///../../etc/passwd", "/etc/passwd");
	path_is("file:///ws/..", "/");
	path_is("file:///ws/...rs", "/ws/...rs"); /* not a dot segment */
	path_is("file:///ws/a..b/c", "/ws/a..b/c");
}

static void test_decoded_first(void **state)
{
	(void)state;
	path_is("file:///ws/%2e%2e/outside/secret.rs", "/outside/secret.rs");
	path_is("file:///ws/src/%2E%2E%2F%2E%2E%2Foutside/secret.rs", "/outside/secret.rs");
	path_is("file:///ws/%2f%2f..%2fx", "/x");
	path_is("file:///ws/x.rs%00/../../../etc/passwd", NULL); /* a NUL names no file */
	path_is("file:///ws/%zz", "/ws/%zz");                    /* not an escape: kept */
}

static void test_bytes_round_trip(void **state)
{
	(void)state;
	char *u = lsp_path_to_uri("/w\xe9s/src/\xe9t\xe9 x.rs");
	assert_string_equal(u, "file:///w%E9s/src/%E9t%E9%20x.rs");
	path_is(u, "/w\xe9s/src/\xe9t\xe9 x.rs");
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_dot_segments),
		cmocka_unit_test(test_decoded_first),
		cmocka_unit_test(test_bytes_round_trip),
	};
	return pt_run_tests(tests, NULL, NULL);
}
