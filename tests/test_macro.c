/* tests/test_macro.c — macro_rules! expansion on tokens, checked by hand
 * against what rustc expands (`cargo expand` / `-Zunpretty=expanded` give
 * the same tokens, spaced differently). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "test_main.h"

#include "../graph/macro.h"

/* The expansion of `def` (a whole macro_rules! text) at input `in`, its
 * tokens joined by spaces; "<none>" when no rule matches, "<limit>" at a
 * limit. */
static const char *expand(const char *def, const char *in, const char *krate)
{
	static pt_strbuf text;
	pt_mtoks dt = {0}, it = {0}, out = {0};
	text.len = 0;
	if (text.buf)
		text.buf[0] = 0;
	assert_true(pt_macro_lex(def, strlen(def), 1, 0, &dt));
	assert_true(pt_macro_lex(in, strlen(in), 0, 100, &it));
	pt_macro_def *d = pt_macro_def_new(dt.v, dt.n);
	assert_non_null(d);
	int rc = pt_macro_expand(d, it.v, it.n, krate, &out);
	for (size_t i = 0; rc == PT_OK && i < out.n; i++) {
		if (i)
			pt_strbuf_addc(&text, ' ');
		pt_strbuf_add(&text, out.v[i].p, out.v[i].len);
	}
	if (rc != PT_OK)
		pt_strbuf_adds(&text, rc == PT_ENOTFOUND ? "<none>" : "<limit>");
	/* delimiters of the output match each other */
	for (size_t i = 0; rc == PT_OK && i < out.n; i++)
		if (out.v[i].kind == MT_OPEN || out.v[i].kind == MT_CLOSE)
			assert_int_equal(out.v[out.v[i].match].match, i);
	pt_macro_def_free(d);
	pt_vec_free(&dt);
	pt_vec_free(&it);
	pt_vec_free(&out);
	return pt_strbuf_cstr(&text);
}

static void test_lex(void **state)
{
	(void)state;
	const char *src = "a::b<Vec<u8>>(x, 'a', 'b, r#fn, br#\"q\"#, 1.5e-3) /* c /* n */ */ "
			  "// line\n/// doc\n=> ..= $x 0..1 x.0.1";
	pt_mtoks t = {0};
	assert_true(pt_macro_lex(src, strlen(src), 7, 10, &t));
	const char *want[] = {"a",    "::", "b",         "<", "Vec",    "<",   "u8", ">",
			      ">",    "(",  "x",         ",", "'a'",    ",",   "'b", ",",
			      "r#fn", ",",  "br#\"q\"#", ",", "1.5e-3", ")",   "#",  "[",
			      "doc",  "=",  "\"\"",      "]", "=>",     "..=", "$",  "x",
			      "0",    "..", "1",         "x", ".",      "0",   ".",  "1"};
	size_t n = sizeof want / sizeof want[0];
	assert_int_equal(t.n, n);
	for (size_t i = 0; i < n; i++) {
		assert_true(pt_mtok_is(&t.v[i], want[i]));
		assert_int_equal(t.v[i].src, 7);
	}
	assert_int_equal(t.v[0].off, 10);
	assert_int_equal(t.v[12].kind, MT_LITERAL); /* 'a' */
	assert_int_equal(t.v[14].kind, MT_LIFETIME);
	assert_int_equal(t.v[7].joint, 1); /* `>` `>` */
	assert_int_equal(t.v[8].joint, 0);
	assert_int_equal(t.v[9].match, 21);
	assert_int_equal(t.v[21].match, 9);
	/* the doc comment's tokens stand where the comment is */
	assert_int_equal(t.v[22].off, 10 + (uint32_t)(strstr(src, "///") - src));
	pt_vec_free(&t);
	assert_false(pt_macro_lex("(]", 2, 0, 0, &t));
	pt_vec_free(&t);
}

static const char *IMPL = "macro_rules! imp { ($t:ty) => { impl Tr for $t {} }; }";

static void test_expand_basic(void **state)
{
	(void)state;
	assert_string_equal(expand(IMPL, "Vec<u8>", "crate"), "impl Tr for Vec < u8 > { }");
	assert_string_equal(expand(IMPL, "&'a mut [u8; 4]", "crate"),
			    "impl Tr for & 'a mut [ u8 ; 4 ] { }");
	assert_string_equal(expand(IMPL, "a b", "crate"), "<none>");
	/* the first rule that fits; literal heads pick internal rules */
	const char *two = "macro_rules! two { (@inner $t:ty) => { struct In($t); }; "
			  "($t:ty) => { two!(@inner $t); }; }";
	assert_string_equal(expand(two, "u8", "crate"), "two ! ( @ inner u8 ) ;");
	assert_string_equal(expand(two, "@inner u8", "crate"), "struct In ( u8 ) ;");
	/* $crate */
	assert_string_equal(expand("macro_rules! c { () => { $crate::f() } }", "", "bitflags"),
			    "bitflags :: f ( )");
	/* an expression of several tokens stays one operand */
	assert_string_equal(expand("macro_rules! e { ($e:expr) => { $e.m() } }", "a + b", "crate"),
			    "( a + b ) . m ( )");
	assert_string_equal(expand("macro_rules! e { ($e:expr) => { $e.m() } }", "a", "crate"),
			    "a . m ( )");
	/* ( ) [ ] { } around a definition's rules, `;` after the last one */
	assert_string_equal(
		expand("macro_rules! p ( ($i:ident) => ( fn $i() {} ); );", "go", "crate"),
		"fn go ( ) { }");
}

static void test_expand_repetitions(void **state)
{
	(void)state;
	const char *many = "macro_rules! many { ($($t:ty),* $(,)?) => { $(impl Clone for $t {})* "
			   "}; }";
	assert_string_equal(expand(many, "A, &'a B, c::C<X, Y>,", "crate"),
			    "impl Clone for A { } impl Clone for & 'a B { } impl Clone for c :: "
			    "C < X , Y > { }");
	assert_string_equal(expand(many, "", "crate"), "");
	/* nested, with separators inside and out */
	const char *nest = "macro_rules! n { ($($f:ident: $($c:ident)*);*) => { $(fn $f() { "
			   "$($c();)* })* }; }";
	assert_string_equal(expand(nest, "a: x y; b: z; c:", "crate"),
			    "fn a ( ) { x ( ) ; y ( ) ; } fn b ( ) { z ( ) ; } fn c ( ) { }");
	/* a variable of depth 0 used inside a repetition repeats as it is */
	assert_string_equal(
		expand("macro_rules! d { ($tr:ident: $($t:ident)*) => { $(impl $tr for $t {})* } }",
		       "Copy: A B", "crate"),
		"impl Copy for A { } impl Copy for B { }");
	/* fewer iterations when what follows needs the tokens (tt) */
	assert_string_equal(expand("macro_rules! b { ($($t:tt)* ; $x:ident) => { $x [$($t)*] } }",
				   "a b ; c", "crate"),
			    "c [ a b ]");
	/* `+` needs one; `?` takes at most one */
	assert_string_equal(expand("macro_rules! p { ($($t:ident)+) => { $($t)-* } }", "", "crate"),
			    "<none>");
	assert_string_equal(
		expand("macro_rules! q { ($(mut)? $x:ident) => { $x } }", "mut y", "crate"), "y");
	/* a separator that is an operator of two characters */
	assert_string_equal(expand("macro_rules! s { ($($k:ident => $v:expr),*) => { $($k = "
				   "$v;)* } }",
				   "a => 1, b => f(x, y)", "crate"),
			    "a = 1 ; b = ( f ( x , y ) ) ;");
}

static void test_expand_fragments(void **state)
{
	(void)state;
	/* doc comments are #[doc] attributes: $(#[$m:meta])* takes them */
	const char *st = "macro_rules! st { ($(#[$m:meta])* $v:vis struct $n:ident) => { "
			 "$(#[$m])* $v struct $n; } }";
	assert_string_equal(
		expand(st, "/// doc\n#[derive(Clone, Debug)] pub(crate) struct S", "crate"),
		"# [ doc = \"\" ] # [ derive ( Clone , Debug ) ] pub ( crate ) struct S ;");
	assert_string_equal(expand(st, "struct T", "crate"), "struct T ;");
	/* closures and turbofish keep their commas inside the expression */
	const char *ex = "macro_rules! ex { ($($e:expr),*) => { $(go($e);)* } }";
	assert_string_equal(expand(ex, "|a, b| a + b, f::<A, B>(), x as Foo<A, B>", "crate"),
			    "go ( ( | a , b | a + b ) ) ; go ( ( f :: < A , B > ( ) ) ) ; go ( ( x "
			    "as Foo < A , B > ) ) ;");
	/* a type up to `=>`, generics with commas */
	assert_string_equal(expand("macro_rules! m { ($t:ty => $e:expr) => { let _: $t = $e; } }",
				   "HashMap<K, Vec<V>> => x", "crate"),
			    "let _ : HashMap < K , Vec < V > > = x ;");
	/* items, each whole, with their attributes */
	const char *it = "macro_rules! cfg_rt { ($($item:item)*) => { $( #[cfg(feature = "
			 "\"rt\")] $item )* } }";
	assert_string_equal(
		expand(it,
		       "/// Spawns.\npub fn spawn() {} struct S; impl X { fn f() {} "
		       "} const C: u8 = { 1 };",
		       "crate"),
		"# [ cfg ( feature = \"rt\" ) ] # [ doc = \"\" ] pub fn spawn ( ) { } # [ "
		"cfg ( feature = \"rt\" ) ] struct S ; # [ cfg ( feature = \"rt\" ) ] impl "
		"X { fn f ( ) { } } # [ cfg ( feature = \"rt\" ) ] const C : u8 = { 1 } ;");
	/* literals, lifetimes, paths, patterns, blocks */
	assert_string_equal(
		expand("macro_rules! l { ($l:literal $a:lifetime $p:path) => { $p::<$a>($l) } }",
		       "-1 'x a::B", "crate"),
		"a :: B :: < 'x > ( - 1 )");
	assert_string_equal(
		expand("macro_rules! pt { ($p:pat => $b:block) => { match v { $p => $b } "
		       "} }",
		       "Some(x) | None => { x }", "crate"),
		"match v { Some ( x ) | None => { x } }");
	assert_string_equal(
		expand("macro_rules! pp { ($($p:pat)|+) => { $([$p])+ } }", "A | B(c)", "crate"),
		"[ A ] [ B ( c ) ]");
}

static void test_expand_limits(void **state)
{
	(void)state;
	pt_strbuf big = {0};
	for (int i = 0; i < PT_MACRO_MAX_INPUT + 10; i++)
		pt_strbuf_adds(&big, "x ");
	assert_string_equal(
		expand("macro_rules! t { ($($t:tt)*) => {} }", pt_strbuf_cstr(&big), "crate"),
		"<limit>");
	/* output beyond the limit is not kept */
	big.len = 0;
	for (int i = 0; i < 14000; i++)
		pt_strbuf_adds(&big, "x ");
	const char *blow =
		"macro_rules! b { ($($a:tt)*) => { $($a $a $a $a $a $a $a $a $a $a $a $a "
		"$a $a $a $a $a $a $a $a)* } }";
	assert_string_equal(expand(blow, pt_strbuf_cstr(&big), "crate"), "<limit>");
	pt_strbuf_free(&big);
	/* malformed definitions */
	pt_mtoks t = {0};
	const char *bad[] = {"macro_rules! x", "macro_rules! x {}", "macro_rules! x { () }",
			     "fn x() {}", "macro_rules! x { ($y:nope) => {} }"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t.n = 0;
		pt_macro_lex(bad[i], strlen(bad[i]), 0, 0, &t);
		pt_macro_def *d = pt_macro_def_new(t.v, t.n);
		if (d) { /* a rule with an unknown fragment never matches */
			pt_mtoks out = {0};
			assert_int_equal(pt_macro_expand(d, t.v, 0, "crate", &out), PT_ENOTFOUND);
			pt_vec_free(&out);
		}
		pt_macro_def_free(d);
	}
	pt_vec_free(&t);
}

/* A repetition over as many token trees as an input may hold, matched on a
 * thread with a parser thread's smallest stack (2 MB, when ulimit -s is
 * unlimited; ASan's frames are about three times larger): the matcher's
 * depth is a limit reached, never a stack exhausted. */
#if defined(__SANITIZE_ADDRESS__)
#define SMALL_STACK (6u << 20)
#else
#define SMALL_STACK (2u << 20)
#endif
static void *deep_match(void *arg)
{
	pt_strbuf big = {0};
	for (int i = 0; i < PT_MACRO_MAX_INPUT - 100; i++)
		pt_strbuf_adds(&big, "x ");
	*(const char **)arg =
		expand("macro_rules! t { ($($t:tt)*) => {} }", pt_strbuf_cstr(&big), "crate");
	pt_strbuf_free(&big);
	return NULL;
}

static void test_expand_depth(void **state)
{
	(void)state;
	pthread_attr_t a;
	pthread_t t;
	const char *got = NULL;
	assert_int_equal(pthread_attr_init(&a), 0);
	assert_int_equal(pthread_attr_setstacksize(&a, SMALL_STACK), 0);
	assert_int_equal(pthread_create(&t, &a, deep_match, &got), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&a);
	assert_non_null(got);
	assert_string_equal(got, "<limit>");
}

/* Rendered text lexes back to the same tokens, spaced as written where the
 * tokens were written side by side. */
static void test_render(void **state)
{
	(void)state;
	const char *def =
		"macro_rules! m { ($n:ident, $e:expr) => { fn $n(&self) -> Vec<Vec<u8>> { "
		"$e.go(a, b); x==y; a - -1 } } }";
	pt_mtoks dt = {0}, it = {0}, out = {0}, back = {0};
	pt_macro_lex(def, strlen(def), 1, 0, &dt);
	pt_macro_lex("is_x, a + b", 11, 0, 0, &it);
	pt_macro_def *d = pt_macro_def_new(dt.v, dt.n);
	assert_int_equal(pt_macro_expand(d, it.v, it.n, "crate", &out), PT_OK);
	pt_strbuf text = {0};
	uint32_t offs[64];
	assert_true(out.n <= 64);
	pt_macro_render(out.v, out.n, &text, offs);
	assert_string_equal(pt_strbuf_cstr(&text),
			    "fn is_x(&self) -> Vec<Vec<u8>> { (a + b).go(a, b); x==y; a - -1 }");
	pt_macro_lex(text.buf, text.len, 0, 0, &back);
	assert_int_equal(back.n, out.n);
	for (size_t i = 0; i < out.n; i++) {
		assert_int_equal(back.v[i].len, out.v[i].len);
		assert_memory_equal(back.v[i].p, out.v[i].p, out.v[i].len);
		assert_memory_equal(text.buf + offs[i], out.v[i].p, out.v[i].len);
	}
	pt_strbuf_free(&text);
	pt_macro_def_free(d);
	pt_vec_free(&dt);
	pt_vec_free(&it);
	pt_vec_free(&out);
	pt_vec_free(&back);
}

static void test_scan(void **state)
{
	(void)state;
	const char *src = "#[macro_export]\n" /* 0 */
			  "/// docs\n"        /* 1 */
			  "macro_rules! outer { () => { $crate::inner!(); helper!(x) }; }\n"
			  "macro_rules! inner { () => {} }\n" /* 3 */
			  "fn f() { outer!(); a::b!(); if !(x) {} println!(\"{}\", y != z); }\n"
			  "cfg_if! { if #[cfg(a)] { macro_rules! deep { () => {} } } }\n"
			  "#[cfg_attr(x, macro_export)] macro_rules! again { ($n:ident) => { "
			  "macro_rules! $n { () => {} } } }\n";
	pt_facts f;
	pt_facts_init(&f);
	pt_macro_scan(src, strlen(src), &f);
	assert_int_equal(f.macros.n, 4);
	const char *names[] = {"outer", "inner", "deep", "again"};
	const uint32_t flags[] = {FM_EXPORT, 0, 0, FM_EXPORT};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(pt_strpool_get(&f.pool, f.macros.v[i].name), names[i]);
		assert_int_equal(f.macros.v[i].flags, flags[i]);
	}
	const fact_macro *o = &f.macros.v[0];
	assert_int_equal(o->span.start_line, 2);
	assert_int_equal(o->span.start_col, 0);
	assert_int_equal(o->span.end_line, 2);
	assert_int_equal(o->span.start_byte, strstr(src, "macro_rules! outer") - src);
	assert_int_equal(o->span.end_byte - o->span.start_byte,
			 strlen(pt_strpool_get(&f.pool, o->text)));
	assert_string_equal(pt_strpool_get(&f.pool, o->invokes), "$crate::inner\nhelper\n");
	assert_string_equal(pt_strpool_get(&f.pool, f.invoked), "a::b\ncfg_if\nouter\nprintln\n");
	assert_int_equal(f.macros.v[2].span.start_line, 5);
	pt_facts_free(&f);
}

/* A rule that invokes `$m!(..)` calls the macro its input names: a bare
 * word of a definition naming another definition of the file counts as an
 * invocation of it (pin-project-lite hands `[__make_field_mut]` down to a
 * rule writing `$crate::$m!(..)`); without such a rule, bare words do not. */
static void test_scan_callbacks(void **state)
{
	(void)state;
	const char *src =
		"#[macro_export] macro_rules! pp { ($t:ty) => { $crate::body!([field_mut] $t); } "
		"}\n"
		"#[macro_export] macro_rules! body { ([$m:ident] $t:ty) => { struct P { f: "
		"$crate::$m!($t) } } }\n"
		"#[macro_export] macro_rules! field_mut { ($t:ty) => { &mut $t } }\n"
		"#[macro_export] macro_rules! unused { () => { } }\n";
	pt_facts f;
	pt_facts_init(&f);
	pt_macro_scan(src, strlen(src), &f);
	assert_int_equal(f.macros.n, 4);
	assert_string_equal(pt_strpool_get(&f.pool, f.macros.v[0].invokes),
			    "$crate::body\n$crate::field_mut\n");
	assert_string_equal(pt_strpool_get(&f.pool, f.macros.v[1].invokes), "m\n");
	assert_string_equal(pt_strpool_get(&f.pool, f.macros.v[2].invokes), "");
	pt_facts_free(&f);
	/* no `$m!(..)` anywhere: a word is only a word */
	const char *plain = "macro_rules! a { () => { b } }\nmacro_rules! b { () => {} }\n";
	pt_facts_init(&f);
	pt_macro_scan(plain, strlen(plain), &f);
	assert_string_equal(pt_strpool_get(&f.pool, f.macros.v[0].invokes), "");
	pt_facts_free(&f);
}

/* A definition that an invocation of another definition of the file
 * writes (syn's `export_token_macro! {}` writes `macro_rules! Token`) is
 * one of the file's: flagged FM_GEN, placed at the invocation, its text
 * the expansion's with `$crate` kept (what it names depends on where it
 * is expanded), #[macro_export] read as written. An invocation written in
 * a template defines nothing until that template is expanded. */
static void test_scan_written(void **state)
{
	(void)state;
	const char *src = "macro_rules! writer {\n"
			  "    ($n:ident $($extra:tt)*) => {\n"
			  "        #[macro_export]\n"
			  "        macro_rules! $n { [;] => { $crate::Semi }; $($extra)* }\n"
			  "    };\n"
			  "}\n"
			  "macro_rules! user { () => { writer! { Inner } } }\n"
			  "fn f() {}\n"
			  "writer! { Tok }\n";
	pt_facts f;
	pt_facts_init(&f);
	pt_macro_scan(src, strlen(src), &f);
	assert_int_equal(f.macros.n, 3);
	const fact_macro *m = &f.macros.v[2];
	assert_string_equal(pt_strpool_get(&f.pool, m->name), "Tok");
	assert_int_equal(m->flags, FM_EXPORT | FM_GEN);
	const char *text = pt_strpool_get(&f.pool, m->text);
	assert_true(strncmp(text, "macro_rules", 11) == 0);
	assert_non_null(strstr(text, "$crate"));
	assert_int_equal(text[strlen(text) - 1], '}');
	assert_int_equal(m->span.start_byte, strstr(src, "writer! { Tok }") - src);
	assert_int_equal(m->span.end_byte, strlen(src) - 1);
	assert_int_equal(m->span.start_line, 8);
	assert_int_equal(m->span.start_col, 0);
	assert_int_equal(m->span.end_line, 8);
	pt_facts_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lex),
		cmocka_unit_test(test_expand_basic),
		cmocka_unit_test(test_expand_repetitions),
		cmocka_unit_test(test_expand_fragments),
		cmocka_unit_test(test_expand_limits),
		cmocka_unit_test(test_expand_depth),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_scan_callbacks),
		cmocka_unit_test(test_scan_written),
	};
	return pt_run_tests(tests, NULL, NULL);
}
