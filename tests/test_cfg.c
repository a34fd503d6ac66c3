/* tests/test_cfg.c — cfg sets of target triples and the evaluation of
 * `#[cfg(..)]` predicates (graph/cfg.h). The expected options are those
 * `rustc --print cfg --target TRIPLE` prints (rustc 1.95). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_main.h"

#include "../graph/cfg.h"

static bool holds(const char *triple, const char *pred)
{
	pt_strbuf b = {0};
	pt_cfg_target(triple, &b);
	bool v = pt_cfg_eval(pred, b.buf);
	pt_strbuf_free(&b);
	return v;
}

static void test_triples(void **state)
{
	(void)state;
	const char *lnx = "x86_64-unknown-linux-gnu";
	assert_true(holds(lnx, "all(unix, target_os = \"linux\", target_env = \"gnu\")"));
	assert_true(holds(lnx, "all(target_arch = \"x86_64\", target_pointer_width = \"64\", "
			       "target_endian = \"little\", target_feature = \"sse2\")"));
	assert_false(holds(lnx, "windows"));
	assert_false(holds(lnx, "target_os = \"android\""));
	const char *win = "x86_64-pc-windows-msvc";
	assert_true(holds(win, "all(windows, target_family = \"windows\", target_env = \"msvc\", "
			       "target_vendor = \"pc\")"));
	assert_false(holds(win, "unix"));
	assert_true(holds("aarch64-apple-darwin",
			  "all(unix, target_os = \"macos\", target_vendor = \"apple\", "
			  "target_arch = \"aarch64\", target_has_atomic = \"128\")"));
	assert_true(holds("wasm32-unknown-unknown", "all(target_family = \"wasm\", target_os = "
						    "\"unknown\", target_pointer_width = \"32\")"));
	assert_false(holds("wasm32-unknown-unknown", "any(unix, windows)"));
	assert_true(holds("aarch64-linux-android", "all(unix, target_os = \"android\")"));
	assert_true(holds("s390x-unknown-linux-gnu",
			  "all(target_endian = \"big\", target_pointer_width = \"64\")"));
	assert_true(holds("i686-unknown-linux-gnu", "all(target_arch = \"x86\", "
						    "target_pointer_width = \"32\", "
						    "target_has_atomic = \"64\")"));
	assert_true(holds("thumbv7em-none-eabihf", "all(target_os = \"none\", target_abi = "
						   "\"eabihf\", panic = \"abort\")"));
	assert_false(holds("thumbv7em-none-eabihf", "target_has_atomic = \"64\""));
	/* the host is some triple whose options are all there */
	assert_true(holds(NULL, "any(target_pointer_width = \"64\", target_pointer_width = "
				"\"32\", target_pointer_width = \"16\")"));
}

static void test_eval(void **state)
{
	(void)state;
	const char *set = "unix\ntarget_os=linux\nfeature=std\nfeature=a-b\n";
	assert_true(pt_cfg_eval("unix", set));
	assert_false(pt_cfg_eval("windows", set));
	assert_true(pt_cfg_eval("feature = \"std\"", set));
	assert_true(pt_cfg_eval("feature=\"a-b\"", set));
	assert_false(pt_cfg_eval("feature = \"alloc\"", set));
	assert_true(pt_cfg_eval("all()", set));
	assert_false(pt_cfg_eval("any()", set));
	assert_true(pt_cfg_eval("not(any(windows, target_os = \"macos\"))", set));
	assert_false(pt_cfg_eval("all(unix, not(feature = \"std\"))", set));
	assert_true(pt_cfg_eval("any(\n  windows,\n  all(unix, feature = \"std\"),\n)", set));
	/* a name is not a name=value option, nor the reverse */
	assert_false(pt_cfg_eval("target_os", set));
	assert_false(pt_cfg_eval("unix = \"1\"", set));
	/* what does not parse holds: code is never dropped for it */
	assert_true(pt_cfg_eval("all(unix", set));
	assert_true(pt_cfg_eval("frob(x)", set));
	assert_true(pt_cfg_eval("not(unix, windows)", set));
	assert_true(pt_cfg_eval("", set));
	/* a name a build script may set: both it and its negation may hold */
	const char *maybe = "unix\n?wrap\n";
	assert_true(pt_cfg_eval("wrap", maybe));
	assert_true(pt_cfg_eval("not(wrap)", maybe));
	assert_true(pt_cfg_eval("all(unix, wrap)", maybe));
	assert_false(pt_cfg_eval("all(windows, wrap)", maybe));
	assert_true(pt_cfg_eval("any(windows, not(wrap))", maybe));
	assert_false(pt_cfg_eval("wra", maybe));
	assert_false(pt_cfg_eval("not(unix)", maybe));
	assert_true(pt_cfg_has(set, "target_os", 9, "linux", 5));
	assert_false(pt_cfg_has(set, "target_os", 9, "linu", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_triples),
		cmocka_unit_test(test_eval),
	};
	return pt_run_tests(tests, NULL, NULL);
}
