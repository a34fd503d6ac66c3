/* tests/test_toml.c — the TOML reader (core/toml.h): what Cargo.toml files
 * write, every kind of value, and the documents TOML 1.0 refuses. The
 * expected values are written by hand from the TOML specification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_main.h"

#include "../core/error.h"
#include "../core/toml.h"

static pt_toml *parse(const char *text)
{
	pt_toml *t = NULL;
	pt_toml_error err = {0};
	int rc = pt_toml_parse(text, strlen(text), &t, &err);
	if (rc != PT_OK)
		fail_msg("refused at %u:%u: %s\n%s", err.line, err.col, err.msg, text);
	return t;
}

/* The value at a '/'-separated path of keys; "#n" indexes an array. */
static pt_toml_ref at(const pt_toml *t, const char *path)
{
	pt_toml_ref v = pt_toml_root(t);
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *save = NULL, *k = strtok_r(buf, "/", &save); k; k = strtok_r(NULL, "/", &save)) {
		if (k[0] == '#') {
			v = pt_toml_first(t, v);
			for (int i = atoi(k + 1); i > 0 && v != PT_TOML_NONE; i--)
				v = pt_toml_next(t, v);
		} else {
			v = pt_toml_get(t, v, k);
		}
	}
	return v;
}

static void assert_str(const pt_toml *t, const char *path, const char *want)
{
	const char *got = pt_toml_str(t, at(t, path));
	if (!got || strcmp(got, want) != 0)
		fail_msg("%s: expected \"%s\", got %s%s%s", path, want, got ? "\"" : "",
			 got ? got : "no string", got ? "\"" : "");
}

static void refused(const char *text, uint32_t line)
{
	pt_toml *t = NULL;
	pt_toml_error err = {0};
	if (pt_toml_parse(text, strlen(text), &t, &err) == PT_OK) {
		pt_toml_free(t);
		fail_msg("accepted:\n%s", text);
	}
	assert_null(t);
	assert_true(err.msg[0] != 0);
	if (line && err.line != line)
		fail_msg("refused at line %u (%s), expected line %u:\n%s", err.line, err.msg, line,
			 text);
}

static void test_cargo_manifest(void **state)
{
	(void)state;
	pt_toml *t = parse("# a manifest\n"
			   "[package]\n"
			   "name = \"demo-app\"   # trailing comment\n"
			   "version = \"0.1.0\"\n"
			   "edition.workspace = true\n"
			   "\n"
			   "[lib]\n"
			   "path = 'src/my lib.rs'\n"
			   "\n"
			   "[[bin]]\n"
			   "name = \"one\"\n"
			   "[[bin]]\n"
			   "name = \"two\"\n"
			   "path = \"src/two.rs\"\n"
			   "\n"
			   "[dependencies]\n"
			   "serde = { version = \"1\", features = [\"derive\"], optional = true }\n"
			   "bb = { package = \"b\", path = \"../b\" }\n"
			   "log.workspace = true\n"
			   "\n"
			   "[target.'cfg(unix)'.dependencies]\n"
			   "libc = \"0.2\"\n"
			   "[target.\"cfg(windows)\".dependencies.winapi]\n"
			   "version = \"0.3\"\n"
			   "\n"
			   "[features]\n"
			   "default = [\n"
			   "    \"std\", # the usual\n"
			   "    \"dep:serde\",\n"
			   "]\n"
			   "std = []\n");
	assert_str(t, "package/name", "demo-app");
	assert_true(pt_toml_bool(t, at(t, "package/edition/workspace"), false));
	assert_str(t, "lib/path", "src/my lib.rs");
	assert_int_equal(pt_toml_type(t, at(t, "bin")), PT_TOML_ARRAY);
	assert_int_equal(pt_toml_count(t, at(t, "bin")), 2);
	assert_str(t, "bin/#0/name", "one");
	assert_str(t, "bin/#1/path", "src/two.rs");
	assert_str(t, "dependencies/serde/features/#0", "derive");
	assert_true(pt_toml_bool(t, at(t, "dependencies/serde/optional"), false));
	assert_str(t, "dependencies/bb/package", "b");
	assert_true(pt_toml_bool(t, at(t, "dependencies/log/workspace"), false));
	assert_str(t, "target/cfg(unix)/dependencies/libc", "0.2");
	assert_str(t, "target/cfg(windows)/dependencies/winapi/version", "0.3");
	assert_int_equal(pt_toml_count(t, at(t, "features/default")), 2);
	assert_str(t, "features/default/#1", "dep:serde");
	assert_int_equal(pt_toml_count(t, at(t, "features/std")), 0);
	/* keys keep their written order */
	pt_toml_ref d = pt_toml_first(t, at(t, "dependencies"));
	assert_string_equal(pt_toml_key(t, d), "serde");
	assert_string_equal(pt_toml_key(t, pt_toml_next(t, d)), "bb");
	assert_int_equal(at(t, "dependencies/nothing"), PT_TOML_NONE);
	assert_null(pt_toml_get_str(t, pt_toml_root(t), "package"));
	pt_toml_free(t);
}

static void test_strings(void **state)
{
	(void)state;
	pt_toml *t = parse("a = \"tab\\tquote\\\"back\\\\slash\\u00e9\\U0001F600\"\n"
			   "b = 'C:\\path\\no escapes'\n"
			   "c = \"\"\"\nfirst\nsecond\"\"\"\n"
			   "d = \"\"\"one \\\n     two\"\"\"\n"
			   "e = '''\nraw \\n\nline'''\n"
			   "f = \"\"\"ends in quotes\"\"\"\"\"\n"
			   "g = \"\"\n"
			   "\"quoted key\" = 1\n"
			   "'lit.key' = 2\n");
	assert_str(t, "a", "tab\tquote\"back\\slash\xc3\xa9\xf0\x9f\x98\x80");
	assert_str(t, "b", "C:\\path\\no escapes");
	assert_str(t, "c", "first\nsecond");
	assert_str(t, "d", "one two");
	assert_str(t, "e", "raw \\n\nline");
	assert_str(t, "f", "ends in quotes\"\"");
	assert_str(t, "g", "");
	assert_int_equal(pt_toml_int(t, at(t, "quoted key"), 0), 1);
	assert_int_equal(pt_toml_int(t, at(t, "lit.key"), 0), 2);
	pt_toml_free(t);
}

static void test_numbers_and_dates(void **state)
{
	(void)state;
	pt_toml *t = parse("i = +99\nj = -17\nk = 1_000_000\nh = 0xdead_BEEF\no = 0o755\n"
			   "b = 0b1101\nz = 0\nmin = -9223372036854775808\n"
			   "f = 3.1415\ng = -0.01\ne = 5e+22\ne2 = 1E-2\nu = 224_617.445_991\n"
			   "inf1 = inf\nninf = -inf\nn = nan\n"
			   "t = true\nfa = false\n"
			   "d1 = 1979-05-27T07:32:00Z\nd2 = 1979-05-27 07:32:00.999-07:00\n"
			   "d3 = 1979-05-27\nd4 = 07:32:00\n");
	assert_int_equal(pt_toml_int(t, at(t, "i"), 0), 99);
	assert_int_equal(pt_toml_int(t, at(t, "j"), 0), -17);
	assert_int_equal(pt_toml_int(t, at(t, "k"), 0), 1000000);
	assert_int_equal(pt_toml_int(t, at(t, "h"), 0), 0xdeadbeef);
	assert_int_equal(pt_toml_int(t, at(t, "o"), 0), 0755);
	assert_int_equal(pt_toml_int(t, at(t, "b"), 0), 13);
	assert_int_equal(pt_toml_int(t, at(t, "z"), 1), 0);
	assert_true(pt_toml_int(t, at(t, "min"), 0) == INT64_MIN);
	assert_true(pt_toml_float(t, at(t, "f"), 0) == 3.1415);
	assert_true(pt_toml_float(t, at(t, "g"), 0) == -0.01);
	assert_true(pt_toml_float(t, at(t, "e"), 0) == 5e22);
	assert_true(pt_toml_float(t, at(t, "e2"), 0) == 1e-2);
	assert_true(pt_toml_float(t, at(t, "u"), 0) == 224617.445991);
	assert_true(pt_toml_float(t, at(t, "inf1"), 0) > 1e308);
	assert_true(pt_toml_float(t, at(t, "ninf"), 0) < -1e308);
	double n = pt_toml_float(t, at(t, "n"), 0);
	assert_true(n != n);
	assert_true(pt_toml_bool(t, at(t, "t"), false));
	assert_false(pt_toml_bool(t, at(t, "fa"), true));
	assert_int_equal(pt_toml_type(t, at(t, "d1")), PT_TOML_DATETIME);
	assert_str(t, "d1", "1979-05-27T07:32:00Z");
	assert_str(t, "d2", "1979-05-27 07:32:00.999-07:00");
	assert_str(t, "d3", "1979-05-27");
	assert_str(t, "d4", "07:32:00");
	/* a type asked of another type gives the default */
	assert_int_equal(pt_toml_int(t, at(t, "f"), 42), 42);
	assert_null(pt_toml_str(t, at(t, "i")));
	pt_toml_free(t);
}

static void test_tables(void **state)
{
	(void)state;
	pt_toml *t = parse("[a.b.c]\nx = 1\n[a]\ny = 2\n"
			   "[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true\n"
			   "[[p]]\nn = 1\n[p.sub]\nq = 1\n[[p]]\nn = 2\n"
			   "[inline]\nt = { a.b = 1, c = [ { d = 2 } , ], }\nempty = {}\n"
			   "arr = [ [1, 2], [\"x\"], [] ]\n");
	assert_int_equal(pt_toml_int(t, at(t, "a/b/c/x"), 0), 1);
	assert_int_equal(pt_toml_int(t, at(t, "a/y"), 0), 2);
	assert_str(t, "fruit/apple/color", "red");
	assert_true(pt_toml_bool(t, at(t, "fruit/apple/texture/smooth"), false));
	assert_int_equal(pt_toml_int(t, at(t, "p/#0/sub/q"), 0), 1);
	assert_int_equal(pt_toml_int(t, at(t, "p/#1/n"), 0), 2);
	assert_int_equal(pt_toml_int(t, at(t, "inline/t/a/b"), 0), 1);
	assert_int_equal(pt_toml_int(t, at(t, "inline/t/c/#0/d"), 0), 2);
	assert_int_equal(pt_toml_type(t, at(t, "inline/empty")), PT_TOML_TABLE);
	assert_int_equal(pt_toml_count(t, at(t, "inline/empty")), 0);
	assert_int_equal(pt_toml_count(t, at(t, "inline/arr")), 3);
	assert_str(t, "inline/arr/#1/#0", "x");
	pt_toml_free(t);
}

static void test_refused(void **state)
{
	(void)state;
	refused("a = 1\na = 2\n", 2);      /* a key twice */
	refused("[a]\n[a]\n", 2);          /* a table twice */
	refused("[a]\nb = 1\n[a.b]\n", 3); /* a value is no table */
	refused("[fruit]\napple.color = 1\n[fruit.apple]\n", 3);
	refused("a = { b = 1 }\n[a.c]\n", 2); /* inline tables are complete */
	refused("a = [1]\n[[a]]\n", 2);       /* a static array is no AOT */
	refused("a = \"unterminated\n", 1);
	refused("a = \"bad \\q escape\"\n", 1);
	refused("a = \"\\uD800\"\n", 1); /* a surrogate */
	refused("a = 'line\nbreak'\n", 1);
	refused("a = 012\n", 1); /* leading zero */
	refused("a = 1__0\n", 1);
	refused("a = 9223372036854775808\n", 1); /* over i64 */
	refused("a = 1 b = 2\n", 1);
	refused("a =\n", 1);
	refused("= 1\n", 1);
	refused("[a\n", 1);
	refused("[[a]\n", 1);
	refused("a = [1, 2\n", 0);
	refused("a = { b = 1\n", 0);
	refused("a.b = 1\na.b.c = 2\n", 2);
	refused("a = 1 # bell \x07\n", 1);
	refused("a = 07:zz\n", 1); /* not a time */
	refused("a = 1979-13-01\n", 1);
	refused("a = 1979-05-27T25:00:00\n", 1);
	refused("a = 1979-05-27T07:32:00+7\n", 1);
	refused("a = \"\xc3\x28\"\n", 1);        /* not UTF-8 */
	refused("a = \"\xed\xa0\x80\"\n", 1);    /* an encoded surrogate */
	refused("a = \"\xc0\xaf\"\n", 1);        /* overlong */
	refused("k = \"\"\"x\"\"\"\"\"\"\n", 1); /* six quotes: one too many */
	const char nul[] = "a = 1\n\0";
	pt_toml *t = NULL;
	pt_toml_error err;
	assert_int_equal(pt_toml_parse(nul, sizeof nul - 1, &t, &err), PT_EINVAL);
	assert_int_equal(err.line, 2);
	/* deep nesting is refused, not a stack overflow */
	char deep[400];
	size_t n = 0;
	n += (size_t)snprintf(deep, sizeof deep, "a = ");
	for (int i = 0; i < 200; i++)
		deep[n++] = '[';
	deep[n] = 0;
	refused(deep, 1);
}

static void test_handles(void **state)
{
	(void)state;
	/* every accessor accepts NONE and a NULL document */
	assert_int_equal(pt_toml_root(NULL), PT_TOML_NONE);
	assert_int_equal(pt_toml_type(NULL, 0), 0);
	assert_int_equal(pt_toml_get(NULL, 0, "a"), PT_TOML_NONE);
	pt_toml *t = parse("a = 1\n");
	assert_int_equal(pt_toml_first(t, PT_TOML_NONE), PT_TOML_NONE);
	assert_int_equal(pt_toml_count(t, PT_TOML_NONE), 0);
	assert_string_equal(pt_toml_key(t, PT_TOML_NONE), "");
	assert_int_equal(pt_toml_get(t, at(t, "a"), "x"), PT_TOML_NONE);
	pt_toml_free(t);
	pt_toml_free(NULL);
	/* an empty document is an empty table; CRLF line ends are newlines */
	t = parse("");
	assert_int_equal(pt_toml_count(t, pt_toml_root(t)), 0);
	pt_toml_free(t);
	t = parse("[x]\r\na = \"\"\"\r\nb\"\"\"\r\n");
	assert_str(t, "x/a", "b");
	pt_toml_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cargo_manifest),    cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers_and_dates), cmocka_unit_test(test_tables),
		cmocka_unit_test(test_refused),           cmocka_unit_test(test_handles),
	};
	return pt_run_tests(tests, NULL, NULL);
}
