/* tests/test_escape.c — escaping names for each output (core/escape.h).
 *
 * The expected strings are written by hand from each format's rules
 * (Graphviz's DOT quoting, Mermaid's entity codes, HTML references,
 * CommonMark's backslash escapes and code spans, Python's
 * surrogateescape for bytes that are not UTF-8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_main.h"

#include "../core/escape.h"

typedef void esc_fn(pt_strbuf *out, const char *s);

static void expect(esc_fn *f, const char *in, const char *want)
{
	pt_strbuf b = {0};
	f(&b, in);
	assert_string_equal(pt_strbuf_cstr(&b), want);
	pt_strbuf_free(&b);
}

static void test_utf8_len(void **state)
{
	(void)state;
	assert_int_equal(pt_utf8_len("a", 1), 1);
	assert_int_equal(pt_utf8_len("\xc3\xa9", 2), 2);         /* é */
	assert_int_equal(pt_utf8_len("\xe2\x82\xac", 3), 3);     /* € */
	assert_int_equal(pt_utf8_len("\xf0\x9f\x98\x80", 4), 4); /* 😀 */
	assert_int_equal(pt_utf8_len("\xe9t", 2), 0);            /* Latin-1 é */
	assert_int_equal(pt_utf8_len("\xc0\xaf", 2), 0);         /* overlong '/' */
	assert_int_equal(pt_utf8_len("\xed\xa0\x80", 3), 0);     /* a surrogate */
	assert_int_equal(pt_utf8_len("\xf4\x90\x80\x80", 4), 0); /* over U+10FFFF */
	assert_int_equal(pt_utf8_len("\xe2\x82", 2), 0);         /* cut */
	assert_int_equal(pt_utf8_len("\x80", 1), 0);             /* stray continuation */
	assert_true(pt_utf8_valid("caf\xc3\xa9", 5));
	assert_false(pt_utf8_valid("caf\xe9", 4));
}

static void test_term(void **state)
{
	(void)state;
	expect(pt_esc_term, "src/lib.rs", "src/lib.rs");
	expect(pt_esc_term, "caf\xc3\xa9.rs", "caf\xc3\xa9.rs"); /* UTF-8 passes */
	expect(pt_esc_term, "z\x1b[31mred", "z\\x1B[31mred");
	expect(pt_esc_term, "a\nb\rc\td\x7f", "a\\x0Ab\\x0Dc\\x09d\\x7F");
	expect(pt_esc_term, "\xe9t\xe9.rs", "\\xE9t\\xE9.rs");
	expect(pt_esc_term,
	       "\xc2\x9b"
	       "2J",
	       "\\u{009B}2J"); /* C1 CSI */
	expect(pt_esc_term,
	       "a\xe2\x80\xae"
	       "b",
	       "a\\u{202E}b"); /* RLO */
	expect(pt_esc_term, "", "");
	expect(pt_esc_lines, "# f\n- a\x1b[2J\r\n", "# f\n- a\\x1B[2J\\x0D\n");
	expect(pt_esc_term, NULL, "");
}

static void test_dot(void **state)
{
	(void)state;
	expect(pt_esc_dot, "crate::m::f", "crate::m::f");
	/* the injection of issue 16: the quote stays inside the label */
	expect(pt_esc_dot, "x\"];evil [label=\"pwn", "x\\\"];evil [label=\\\"pwn");
	expect(pt_esc_dot, "a\\nb", "a\\\\nb");  /* no Graphviz escape */
	expect(pt_esc_dot, "a\nb", "a\\\\x0Ab"); /* shows as \x0A */
	expect(pt_esc_dot, "R&D &lt;", "R&amp;D &amp;lt;");
	expect(pt_esc_dot, "\xe9", "\\\\xE9");
}

static void test_mermaid(void **state)
{
	(void)state;
	expect(pt_esc_mermaid, "crate::m::f", "crate::m::f");
	expect(pt_esc_mermaid, "y\"]\nclick A \"javascript:alert(1)\"\n%",
	       "y#quot;]\\x0Aclick A #quot;javascript:alert(1)#quot;\\x0A%");
	expect(pt_esc_mermaid, "<img src=x onerror=alert(1)>",
	       "#lt;img src=x onerror=alert(1)#gt;");
	expect(pt_esc_mermaid, "#amp; `md` &", "#35;amp; #96;md#96; #amp;");
}

static void test_html(void **state)
{
	(void)state;
	expect(pt_esc_html, "<a href='x'>\"&\"</a>",
	       "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
	expect(pt_esc_html,
	       "a\x01"
	       "b",
	       "a\\x01b");
}

static void test_markdown(void **state)
{
	(void)state;
	expect(pt_esc_md, "plain text", "plain text");
	expect(pt_esc_md, "[x](javascript:y) *b* _i_ # h",
	       "\\[x\\]\\(javascript:y\\) \\*b\\* \\_i\\_ \\# h");
	expect(pt_esc_md, "<b>&", "&lt;b\\>&amp;");
	expect(pt_esc_md, "a\nb", "a\\\\x0Ab");
	expect(pt_esc_md_code, "crate::f", "`crate::f`");
	expect(pt_esc_md_code, "a`b", "``a`b``");
	expect(pt_esc_md_code, "`x``", "``` `x`` ```");
	expect(pt_esc_md_code, "a\n# b", "`a\\x0A# b`");
	expect(pt_esc_md_code, "", "``");
}

static void test_markdown_block(void **state)
{
	(void)state;
	pt_strbuf b = {0};
	pt_esc_md_block(&b, "rust", "fn f()");
	assert_string_equal(pt_strbuf_cstr(&b), "```rust\nfn f()\n```\n");
	b.len = 0;
	/* a fence in the text cannot close the block */
	pt_esc_md_block(&b, "rust", "const X: &str = \"\n```\n<b>x</b>\x1b\";");
	assert_string_equal(pt_strbuf_cstr(&b),
			    "````rust\nconst X: &str = \"\n```\n<b>x</b>\\x1B\";\n````\n");
	pt_strbuf_free(&b);
}

static char *dump(json_t *j)
{
	char *s = pt_json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(s);
	return s;
}

static void test_json_bytes(void **state)
{
	(void)state;
	char *s = dump(json_pack("{s:o}", "file", pt_json_bytes("src/\xe9t\xe9.rs")));
	assert_string_equal(s, "{\"file\":\"src/\\udce9t\\udce9.rs\"}");
	free(s);
	/* valid UTF-8 is written as jansson writes it */
	s = dump(json_pack("{s:o,s:o}", "a", pt_json_bytes("caf\xc3\xa9"), "b",
			   pt_json_bytes("q\"\n")));
	assert_string_equal(s, "{\"a\":\"caf\xc3\xa9\",\"b\":\"q\\\"\\n\"}");
	free(s);
	/* the marker character itself, beside an invalid byte, survives */
	s = dump(json_pack("[o,o]",
			   pt_json_bytes("\xef\xb7\xaf"
					 "E9\xff"),
			   pt_json_bytes("\xef\xb7\xaf--")));
	assert_string_equal(s, "[\"\xef\xb7\xaf"
			       "E9\\udcff\",\"\xef\xb7\xaf--\"]");
	free(s);
	/* a cut sequence: each byte on its own, as Python decodes it */
	s = dump(json_pack("[o]", pt_json_bytes("\xf0\x9f\x98x")));
	assert_string_equal(s, "[\"\\udcf0\\udc9f\\udc98x\"]");
	free(s);
	/* deep values, and the original is left as it was */
	json_t *j = json_pack("{s:[{s:o}]}", "r", "p", pt_json_bytes("\x80"));
	s = pt_json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"r\":[{\"p\":\"\\udc80\"}]}");
	free(s);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(json_object_get(j, "r"), 0), "p")),
		"\x80");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_len),
		cmocka_unit_test(test_term),
		cmocka_unit_test(test_dot),
		cmocka_unit_test(test_mermaid),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_markdown_block),
		cmocka_unit_test(test_json_bytes),
	};
	return pt_run_tests(tests, NULL, NULL);
}
