/* tests/test_extract.c — Rust snippets → facts, checked by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "test_main.h"

#include "../graph/extract.h"

static pt_extractor *X;
static pt_facts F;

static int setup(void **state)
{
	(void)state;
	X = pt_extractor_new();
	pt_facts_init(&F);
	return X ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pt_facts_free(&F);
	pt_extractor_free(X);
	return 0;
}

static void run_len(const char *src, size_t len)
{
	pt_facts_free(&F);
	pt_facts_init(&F);
	assert_int_equal(pt_extractor_text(X, src, len, &F), PT_OK);
}

static void run(const char *src)
{
	run_len(src, strlen(src));
}

static const char *S(uint32_t off)
{
	return pt_strpool_get(&F.pool, off);
}

/* Index of the first item of that kind and name, -1 if none. */
static int item(int kind, const char *name)
{
	for (size_t i = 0; i < F.items.n; i++)
		if (F.items.v[i].kind == kind && strcmp(S(F.items.v[i].name), name) == 0)
			return (int)i;
	return -1;
}

static const fact_item *it(int kind, const char *name)
{
	int i = item(kind, name);
	assert_true(i >= 0);
	return &F.items.v[i];
}

static int count_items(int kind)
{
	int n = 0;
	for (size_t i = 0; i < F.items.n; i++)
		n += F.items.v[i].kind == kind;
	return n;
}

/* The nth ref of that kind whose path or name is s, NULL if none. */
static const fact_ref *ref_nth(int kind, const char *s, int nth)
{
	for (size_t i = 0; i < F.refs.n; i++) {
		const fact_ref *r = &F.refs.v[i];
		if (r->kind == kind && (strcmp(S(r->path), s) == 0 || strcmp(S(r->name), s) == 0) &&
		    nth-- == 0)
			return r;
	}
	return NULL;
}

static const fact_ref *ref(int kind, const char *s)
{
	const fact_ref *r = ref_nth(kind, s, 0);
	if (!r)
		fail_msg("no ref %d '%s'", kind, s);
	return r;
}

static int count_refs(int kind, const char *s)
{
	int n = 0;
	while (ref_nth(kind, s, n))
		n++;
	return n;
}

static const fact_use *use_of(const char *alias, int nth)
{
	for (size_t i = 0; i < F.uses.n; i++)
		if (strcmp(S(F.uses.v[i].alias), alias) == 0 && nth-- == 0)
			return &F.uses.v[i];
	fail_msg("no use binding '%s'", alias);
	return NULL;
}

static void assert_recv(const fact_ref *r, int kind, const char *path, const char *name)
{
	assert_non_null(r);
	if (r->recv_kind != kind)
		print_error("recv of %s: kind %d (%s / %s)\n", S(r->name), r->recv_kind,
			    S(r->recv_path), S(r->recv_name));
	assert_int_equal(r->recv_kind, kind);
	assert_string_equal(S(r->recv_path), path);
	assert_string_equal(S(r->recv_name), name);
}

/* ---- items ------------------------------------------------------------------ */

static void test_items(void **state)
{
	(void)state;
	run("pub mod a {\n"                                                               /* 0 */
	    "    pub(crate) fn f() {}\n"                                                  /* 1 */
	    "    struct S { x: u32 }\n"                                                   /* 2 */
	    "}\n"                                                                         /* 3 */
	    "mod ext;\n"                                                                  /* 4 */
	    "pub enum E { A, B(u8) }\n"                                                   /* 5 */
	    "union U { a: u32, b: f32 }\n"                                                /* 6 */
	    "trait T {\n"                                                                 /* 7 */
	    "    type Out: Clone;\n"                                                      /* 8 */
	    "    const N: usize;\n"                                                       /* 9 */
	    "    fn req(&self) -> u32;\n"                                                 /* 10 */
	    "    fn prov(&self) {}\n"                                                     /* 11 */
	    "}\n"                                                                         /* 12 */
	    "impl T for S {\n"                                                            /* 13 */
	    "    type Out = S;\n"                                                         /* 14 */
	    "    const N: usize = 3;\n"                                                   /* 15 */
	    "    fn req(&self) -> u32 { 1 }\n"                                            /* 16 */
	    "}\n"                                                                         /* 17 */
	    "type Alias = Vec<u8>;\n"                                                     /* 18 */
	    "pub static G: i32 = 0;\n"                                                    /* 19 */
	    "const C: u8 = 1;\n"                                                          /* 20 */
	    "macro_rules! m { () => {} }\n"                                               /* 21 */
	    "extern \"C\" { fn ext_fn(x: i32); static EXT: i32; }\n"                      /* 22 */
	    "fn outer() { fn inner() {} struct Local; impl Local { fn lm(&self) {} } }\n" /* 23 */
	    "const _: () = { impl Drop for S { fn drop(&mut self) {} } };\n");            /* 24 */

	int a = item(PT_MODULE, "a");
	assert_int_equal(a, 0);
	assert_int_equal(F.items.v[a].flags & FI_PUB, FI_PUB);
	assert_int_equal(F.items.v[a].parent, -1);
	assert_int_equal(F.items.v[a].span.start_line, 0);
	assert_int_equal(F.items.v[a].span.end_line, 3);
	assert_int_equal(F.items.v[a].name_span.start_line, 0);
	assert_int_equal(F.items.v[a].name_span.start_col, 8);
	assert_int_equal(F.items.v[a].name_span.end_col, 9);

	const fact_item *f = it(PT_FUNCTION, "f");
	assert_int_equal(f->parent, a);
	assert_int_equal(f->flags, FI_PUB | FI_HAS_BODY);
	assert_int_equal(f->span.start_line, 1);
	assert_int_equal(f->span.start_col, 4);
	assert_int_equal(it(PT_STRUCT, "S")->parent, a);

	assert_int_equal(it(PT_MODULE, "ext")->flags, FI_MOD_EXTERNAL);
	assert_int_equal(it(PT_ENUM, "E")->flags, FI_PUB);
	assert_int_equal(it(PT_UNION, "U")->span.start_line, 6);

	int t = item(PT_TRAIT, "T");
	assert_true(t >= 0);
	assert_int_equal(it(PT_TYPE_ALIAS, "Out")->parent, t);
	assert_int_equal(it(PT_CONST, "N")->parent, t);
	const fact_item *req = it(PT_METHOD, "req");
	assert_int_equal(req->parent, t);
	assert_int_equal(req->flags & FI_HAS_BODY, 0);
	assert_int_equal(it(PT_METHOD, "prov")->flags, FI_HAS_BODY);

	/* the impl's methods and associated items */
	int impl = -1;
	for (size_t i = 0; i < F.items.n; i++)
		if (F.items.v[i].kind == PT_IMPL && strcmp(S(F.items.v[i].impl_trait), "T") == 0)
			impl = (int)i;
	assert_true(impl >= 0);
	const fact_item *im = &F.items.v[impl];
	assert_string_equal(S(im->name), "");
	assert_string_equal(S(im->impl_self), "S");
	assert_int_equal(im->flags, FI_TRAIT_IMPL);
	assert_int_equal(im->name_span.start_line, 13);
	assert_int_equal(im->name_span.start_col, 11);
	assert_int_equal(im->name_span.end_col, 12);
	int n_req = 0;
	for (size_t i = 0; i < F.items.n; i++)
		if (F.items.v[i].kind == PT_METHOD && strcmp(S(F.items.v[i].name), "req") == 0) {
			n_req++;
			if (F.items.v[i].span.start_line == 16) {
				assert_int_equal(F.items.v[i].parent, impl);
				assert_int_equal(F.items.v[i].flags, FI_HAS_BODY);
			}
		}
	assert_int_equal(n_req, 2);

	assert_int_equal(it(PT_TYPE_ALIAS, "Alias")->parent, -1);
	/* aliases keep their target; a bounded associated type its bounds */
	assert_string_equal(S(it(PT_TYPE_ALIAS, "Alias")->ret_type), "Vec<u8>");
	assert_string_equal(S(it(PT_TYPE_ALIAS, "Out")->generics), "Out:Clone");
	assert_int_equal(it(PT_TYPE_ALIAS, "Out")->ret_type, 0);
	int n_out = 0;
	for (size_t i = 0; i < F.items.n; i++)
		if (F.items.v[i].kind == PT_TYPE_ALIAS && !strcmp(S(F.items.v[i].name), "Out") &&
		    n_out++ == 1) {
			assert_string_equal(S(F.items.v[i].ret_type), "S");
			assert_int_equal(F.items.v[i].generics, 0);
		}
	assert_int_equal(n_out, 2);
	assert_int_equal(it(PT_STATIC, "G")->flags, FI_PUB);
	assert_int_equal(it(PT_CONST, "C")->span.start_line, 20);
	assert_int_equal(it(PT_MACRO, "m")->span.start_line, 21);

	/* foreign items are plain functions and statics */
	assert_int_equal(it(PT_FUNCTION, "ext_fn")->parent, -1);
	assert_int_equal(it(PT_FUNCTION, "ext_fn")->flags, 0);
	assert_int_equal(it(PT_STATIC, "EXT")->span.start_line, 22);

	/* items nested in a fn body have the fn as parent */
	int outer = item(PT_FUNCTION, "outer");
	assert_int_equal(it(PT_FUNCTION, "inner")->parent, outer);
	assert_int_equal(it(PT_STRUCT, "Local")->parent, outer);
	assert_int_equal(it(PT_METHOD, "lm")->parent, item(PT_METHOD, "lm") - 1);
	assert_int_equal(F.items.v[item(PT_METHOD, "lm") - 1].kind, PT_IMPL);
	assert_int_equal(F.items.v[item(PT_METHOD, "lm") - 1].parent, outer);

	/* items in `const _: () = { .. }` belong to the enclosing module */
	const fact_item *drop = it(PT_METHOD, "drop");
	assert_int_equal(F.items.v[drop->parent].kind, PT_IMPL);
	assert_int_equal(F.items.v[drop->parent].parent, -1);
	assert_string_equal(S(F.items.v[drop->parent].impl_trait), "Drop");
	assert_int_equal(it(PT_CONST, "_")->span.start_line, 24);

	assert_int_equal(F.n_lines, 25);
	assert_int_equal(F.n_errors, 0);
}

static void test_attributes_and_spans(void **state)
{
	(void)state;
	run("#[derive(Debug, Clone)]\n"
	    "/// docs\n"
	    "#[derive(serde::Serialize)]\n"
	    "pub struct P(u8);\n"
	    "#[derive(Eq)]\n"
	    "fn not_adt() {}\n"
	    "#[derive(Hash)] enum Q { A }\n"
	    "#[path = \"other/x.rs\"]\n"
	    "mod x;\n"
	    "#[derive(Ord)]\n"
	    "mod not_derived {}\n");
	const fact_item *p = it(PT_STRUCT, "P");
	int pi = item(PT_STRUCT, "P");
	/* the span starts at `pub`, not at the attributes */
	assert_int_equal(p->span.start_line, 3);
	assert_int_equal(p->span.start_col, 0);
	assert_int_equal(
		p->span.start_byte,
		strlen("#[derive(Debug, Clone)]\n/// docs\n#[derive(serde::Serialize)]\n"));

	const fact_ref *d = ref(FR_DERIVE, "Debug");
	assert_int_equal(d->from, pi);
	assert_int_equal(d->span.start_line, 0);
	assert_int_equal(d->span.start_col, 9);
	assert_int_equal(d->span.end_col, 14);
	assert_int_equal(ref(FR_DERIVE, "Clone")->from, pi);
	const fact_ref *ser = ref(FR_DERIVE, "serde::Serialize");
	assert_int_equal(ser->from, pi);
	assert_int_equal(ser->span.start_line, 2);
	assert_int_equal(ser->span.start_col, 9);
	assert_int_equal(ser->span.end_col, 25);
	assert_null(ref_nth(FR_DERIVE, "Eq", 0));
	assert_int_equal(ref(FR_DERIVE, "Hash")->from, item(PT_ENUM, "Q"));
	assert_null(ref_nth(FR_DERIVE, "Ord", 0));
	assert_int_equal(count_refs(FR_DERIVE, "Debug") + count_refs(FR_DERIVE, "Clone") +
				 count_refs(FR_DERIVE, "serde::Serialize") +
				 count_refs(FR_DERIVE, "Hash"),
			 4);

	assert_string_equal(S(it(PT_MODULE, "x")->path_attr), "other/x.rs");
	assert_int_equal(it(PT_MODULE, "x")->flags, FI_MOD_EXTERNAL);
	assert_int_equal(it(PT_MODULE, "not_derived")->path_attr, 0);
}

static void test_sig(void **state)
{
	(void)state;
	run("pub fn long<T>(\n"
	    "    a: T,   // the a\n"
	    "    b: /* inline */ &str,\n"
	    ") -> Result<T, E>\n"
	    "where\n"
	    "    T: Clone,\n"
	    "{ body() }\n"
	    "pub struct Big<T> where T: Copy {\n    x: T,\n}\n"
	    "enum En { A }\n"
	    "struct Tup(pub u8, String);\n"
	    "struct Unit;\n"
	    "pub const MAX: usize = 10 * 10;\n"
	    "static mut COUNT: u32 = 0;\n"
	    "type Res<T> = Result<T, Error>;\n"
	    "trait Tr: Clone { fn m(&self) -> u8; }\n"
	    "impl<T: Clone> Tr for Big<T> { fn m(&self) -> u8 { 0 } }\n"
	    "mod inline { }\n"
	    "macro_rules! mac { () => {} }\n");
	assert_string_equal(S(it(PT_FUNCTION, "long")->sig),
			    "pub fn long<T>( a: T, b: &str, ) -> Result<T, E> where T: Clone,");
	assert_string_equal(S(it(PT_STRUCT, "Big")->sig), "pub struct Big<T> where T: Copy");
	assert_string_equal(S(it(PT_ENUM, "En")->sig), "enum En");
	assert_string_equal(S(it(PT_STRUCT, "Tup")->sig), "struct Tup");
	assert_string_equal(S(it(PT_STRUCT, "Unit")->sig), "struct Unit");
	assert_string_equal(S(it(PT_CONST, "MAX")->sig), "pub const MAX: usize");
	assert_string_equal(S(it(PT_STATIC, "COUNT")->sig), "static mut COUNT: u32");
	assert_string_equal(S(it(PT_TYPE_ALIAS, "Res")->sig), "type Res<T> = Result<T, Error>");
	assert_string_equal(S(it(PT_TRAIT, "Tr")->sig), "trait Tr: Clone");
	assert_string_equal(S(F.items.v[item(PT_TRAIT, "Tr") + 1].sig), "fn m(&self) -> u8");
	assert_string_equal(S(it(PT_IMPL, "")->sig), "impl<T: Clone> Tr for Big<T>");
	assert_string_equal(S(it(PT_MODULE, "inline")->sig), "mod inline");
	assert_string_equal(S(it(PT_MACRO, "mac")->sig), "macro_rules! mac");
}

static void test_sig_limit(void **state)
{
	(void)state;
	/* 300 two-byte characters in a parameter name: cut at 512 bytes, on a
	 * character boundary */
	pt_strbuf b = {0};
	pt_strbuf_adds(&b, "fn f(x");
	for (int i = 0; i < 300; i++)
		pt_strbuf_adds(&b, "\xc3\xa9");
	pt_strbuf_adds(&b, ": u8) {}\n");
	run(b.buf);
	const char *sig = S(it(PT_FUNCTION, "f")->sig);
	size_t n = strlen(sig);
	assert_true(n <= 512 && n >= 510);
	assert_true(((unsigned char)sig[n - 1] & 0xC0) == 0x80); /* ends with a full é */
	assert_true(((unsigned char)sig[n - 2] & 0xC0) == 0xC0);
	pt_strbuf_free(&b);
}

static void test_generics_and_ret(void **state)
{
	(void)state;
	run("fn a<T: Visitor + Clone, U: Iterator<Item = u8>, V, 'l>(t: T) -> Self where V: "
	    "Display, String: From<T> {}\n"
	    "fn b(x: impl Read) -> impl Iterator<Item = u8> {}\n"
	    "fn c<T: ?Sized + 'static>() -> &'static mut ast::Node<'a> {}\n"
	    "fn d() -> Option<Box<Foo>> {}\n"
	    "fn e<T>() -> T {}\n"
	    "fn f() -> Box<Parser> {}\n"
	    "fn g() -> (u8, u8) {}\n"
	    "fn h<F: for<'x> Fn(&'x u8) -> u8>() -> io::Result<()> {}\n"
	    "impl<K: Hash + Eq, V> Map<K, V> where V: Clone { fn m<W: Into<V>>(&self) where K: Ord "
	    "{} }\n"
	    "trait Tr<X: Default> where Self: Sized {}\n");
	assert_string_equal(S(it(PT_FUNCTION, "a")->generics),
			    "T:Visitor+Clone;U:Iterator;V:Display");
	assert_string_equal(S(it(PT_FUNCTION, "a")->ret_type), "Self");
	assert_int_equal(it(PT_FUNCTION, "b")->generics, 0);
	assert_string_equal(S(it(PT_FUNCTION, "b")->ret_type), "Iterator<u8>"); /* its items */
	assert_int_equal(it(PT_FUNCTION, "c")->generics, 0);
	assert_string_equal(S(it(PT_FUNCTION, "c")->ret_type), "ast::Node");
	assert_string_equal(S(it(PT_FUNCTION, "d")->ret_type),
			    "Option<Foo>"); /* element kept, Box unwrapped */
	assert_string_equal(S(it(PT_FUNCTION, "e")->ret_type), "T"); /* read with e's bounds */
	assert_string_equal(S(it(PT_FUNCTION, "f")->ret_type), "Parser");
	assert_string_equal(S(it(PT_FUNCTION, "g")->ret_type), "()<u8,u8>");
	assert_string_equal(S(it(PT_FUNCTION, "h")->generics), "F:Fn");
	assert_string_equal(S(it(PT_FUNCTION, "h")->ret_type), "io::Result");
	const fact_item *im = it(PT_IMPL, "");
	assert_string_equal(S(im->generics), "K:Hash+Eq;V:Clone");
	assert_string_equal(S(im->impl_self), "Map");
	assert_int_equal(im->impl_trait, 0);
	assert_int_equal(im->flags, 0);
	assert_string_equal(S(it(PT_METHOD, "m")->generics), "W:Into;K:Ord");
	assert_string_equal(S(it(PT_TRAIT, "Tr")->generics), "X:Default");
}

static void test_impl_headers(void **state)
{
	(void)state;
	run("impl<T> Tr for T {}\n"
	    "impl<'a, T: Clone> fmt::Debug for &'a mut Wrapper<T> {}\n"
	    "impl<T: ?Sized> Deref for Box<T> {}\n"
	    "impl ::std::ops::Add for crate::m::Num {}\n"
	    "impl<T> From<Vec<T>> for Stack<T> {}\n"
	    "impl !Send for Raw {}\n");
	assert_int_equal(F.items.n, 6);
	assert_string_equal(S(F.items.v[0].impl_self), "");
	assert_string_equal(S(F.items.v[0].impl_trait), "Tr");
	assert_int_equal(F.items.v[0].flags, FI_TRAIT_IMPL);
	assert_string_equal(S(F.items.v[1].impl_self), "Wrapper");
	assert_string_equal(S(F.items.v[1].impl_trait), "fmt::Debug");
	assert_string_equal(S(F.items.v[2].impl_self), "Box"); /* impls do not unwrap */
	assert_string_equal(S(F.items.v[3].impl_self), "crate::m::Num");
	assert_string_equal(S(F.items.v[3].impl_trait), "std::ops::Add");
	assert_string_equal(S(F.items.v[4].impl_trait), "From");
	assert_string_equal(S(F.items.v[4].impl_self), "Stack");
	/* a negative impl implements nothing */
	assert_string_equal(S(F.items.v[5].impl_self), "Raw");
	assert_int_equal(F.items.v[5].impl_trait, 0);
	assert_int_equal(F.items.v[5].flags, 0);
	/* impl headers are not FR_TYPE refs; bounds are */
	assert_null(ref_nth(FR_TYPE, "Tr", 0));
	assert_null(ref_nth(FR_TYPE, "Wrapper", 0));
	assert_null(ref_nth(FR_TYPE, "Stack", 0));
	assert_int_equal(ref(FR_TYPE, "Clone")->from, 1);
}

/* ---- uses ---------------------------------------------------------------------- */

static void test_uses(void **state)
{
	(void)state;
	run("use a::b;\n"
	    "pub use a::{c, d as e, f::*, self, g::{h, i::{j, k}}};\n"
	    "use ::std::x as _;\n"
	    "use crate::m::{self as mm, n};\n"
	    "use super::super::p;\n"
	    "use self::q::*;\n"
	    "use {r, s::t};\n"
	    "use r#type::r#match;\n"
	    "mod inner { pub(crate) use super::b as bb; }\n"
	    "fn f() { use std::io::Write; }\n"
	    "extern crate alloc;\n"
	    "extern crate core as kore;\n");
	const fact_use *u = use_of("b", 0);
	assert_string_equal(S(u->path), "a::b");
	assert_int_equal(u->flags, 0);
	assert_int_equal(u->scope, -1);
	assert_int_equal(u->span.start_line, 0);
	assert_int_equal(u->span.start_col, 4);
	assert_int_equal(u->span.end_col, 8);

	u = use_of("c", 0);
	assert_string_equal(S(u->path), "a::c");
	assert_int_equal(u->flags, FU_PUB);
	assert_int_equal(u->span.start_col, 12);
	assert_int_equal(u->span.end_col, 13);
	u = use_of("e", 0);
	assert_string_equal(S(u->path), "a::d");
	assert_int_equal(u->span.start_col, 15); /* the whole `d as e` */
	assert_int_equal(u->span.end_col, 21);
	assert_string_equal(S(use_of("*", 0)->path), "a::f");
	assert_int_equal(use_of("*", 0)->flags, FU_PUB);
	assert_string_equal(S(use_of("a", 0)->path), "a");
	assert_string_equal(S(use_of("h", 0)->path), "a::g::h");
	assert_string_equal(S(use_of("j", 0)->path), "a::g::i::j");
	assert_string_equal(S(use_of("k", 0)->path), "a::g::i::k");
	assert_string_equal(S(use_of("_", 0)->path), "std::x");
	assert_string_equal(S(use_of("mm", 0)->path), "crate::m");
	assert_string_equal(S(use_of("n", 0)->path), "crate::m::n");
	assert_string_equal(S(use_of("p", 0)->path), "super::super::p");
	assert_string_equal(S(use_of("*", 1)->path), "self::q");
	assert_int_equal(use_of("*", 1)->flags, 0);
	assert_string_equal(S(use_of("r", 0)->path), "r");
	assert_string_equal(S(use_of("t", 0)->path), "s::t");
	assert_string_equal(S(use_of("match", 0)->path), "type::match");

	u = use_of("bb", 0);
	assert_string_equal(S(u->path), "super::b");
	assert_int_equal(u->scope, item(PT_MODULE, "inner"));
	assert_int_equal(u->flags, FU_PUB);
	u = use_of("Write", 0);
	assert_string_equal(S(u->path), "std::io::Write");
	assert_int_equal(u->scope, item(PT_FUNCTION, "f"));

	assert_string_equal(S(use_of("alloc", 0)->path), "alloc");
	assert_string_equal(S(use_of("kore", 0)->path), "core");
	assert_int_equal(F.uses.n, 20);
}

/* ---- calls ------------------------------------------------------------------------ */

static void test_path_calls(void **state)
{
	(void)state;
	run("fn f<T: Default + Clone>(x: T) {\n" /* 0 */
	    "    plain();\n"                     /* 1 */
	    "    m::g();\n"                      /* 2 */
	    "    Vec::<u8>::with_capacity(3);\n" /* 3 */
	    "    parse::<u32>();\n"              /* 4 */
	    "    <S as Tr>::q();\n"              /* 5 */
	    "    <S>::r();\n"                    /* 6 */
	    "    T::default();\n"                /* 7 */
	    "    Self::new();\n"                 /* 8 */
	    "    ::std::mem::swap();\n"          /* 9 */
	    "    Lit { a: 1 };\n"                /* 10 */
	    "    let cl = |v| v;\n"              /* 11 */
	    "    cl(1);\n"                       /* 12 */
	    "    r#type();\n"                    /* 13 */
	    "    crate::a::b();\n"               /* 14 */
	    "}\n"
	    "impl<V: Visit> W<V> { fn k() { V::visit(); } }\n"
	    "trait Tr<A: Alpha> { fn z() { A::make(); } }\n");
	int f = item(PT_FUNCTION, "f");
	const fact_ref *r = ref(FR_CALL_PATH, "plain");
	assert_int_equal(r->from, f);
	assert_int_equal(r->recv_kind, RECV_NONE);
	assert_int_equal(r->span.start_line, 1);
	assert_int_equal(r->span.start_col, 4);
	assert_int_equal(r->span.end_col, 9);
	r = ref(FR_CALL_PATH, "m::g");
	assert_int_equal(r->span.start_col, 7); /* the last segment */
	assert_int_equal(r->span.end_col, 8);
	assert_non_null(ref_nth(FR_CALL_PATH, "Vec::with_capacity", 0));
	assert_non_null(ref_nth(FR_CALL_PATH, "parse", 0));
	r = ref(FR_CALL_PATH, "Tr::q");
	assert_int_equal(r->flags, FR_QUALIFIED);
	r = ref(FR_CALL_PATH, "S::r");
	assert_int_equal(r->flags, 0);
	r = ref(FR_CALL_PATH, "default");
	assert_string_equal(S(r->path), "");
	assert_recv(r, RECV_BOUND, "Default+Clone", "");
	assert_int_equal(r->span.start_line, 7);
	assert_int_equal(r->span.start_col, 7);
	assert_non_null(ref_nth(FR_CALL_PATH, "Self::new", 0));
	assert_non_null(ref_nth(FR_CALL_PATH, "std::mem::swap", 0));
	assert_null(ref_nth(FR_CALL_PATH, "Lit", 0));
	assert_int_equal(ref(FR_TYPE, "Lit")->span.start_line, 10);
	assert_null(ref_nth(FR_CALL_PATH, "cl", 0)); /* a local closure */
	assert_non_null(ref_nth(FR_CALL_PATH, "type", 0));
	assert_non_null(ref_nth(FR_CALL_PATH, "crate::a::b", 0));

	r = ref(FR_CALL_PATH, "visit");
	assert_recv(r, RECV_BOUND, "Visit", "");
	assert_int_equal(r->from, item(PT_METHOD, "k"));
	r = ref(FR_CALL_PATH, "make");
	assert_recv(r, RECV_BOUND, "Alpha", "");
	assert_int_equal(r->from, item(PT_METHOD, "z"));
}

static void test_receivers(void **state)
{
	(void)state;
	run("struct P { inner: Box<Node> }\n"
	    "impl<T: Visitor + Clone> P {\n"
	    "    fn go(&self, a: &T, b: impl Read + Send, c: &dyn Write, d: Foo, e: Box<Bar>, u: "
	    "(u8, u8)) {\n"
	    "        self.r0();\n"
	    "        self.inner.r1();\n"
	    "        a.r2();\n"
	    "        b.r3();\n"
	    "        c.r4();\n"
	    "        d.r5();\n"
	    "        d.fld.r6();\n"
	    "        e.r7();\n"
	    "        u.r8();\n"
	    "        let g: Baz = mk();\n"
	    "        g.r9();\n"
	    "        let h = Baz::new(1);\n"
	    "        h.r10();\n"
	    "        let i = make();\n"
	    "        i.r11();\n"
	    "        let j = P { inner: x };\n"
	    "        j.r12();\n"
	    "        let k = &h;\n"
	    "        k.r13();\n"
	    "        let (l, _) = (d, 2);\n"
	    "        l.r14();\n"
	    "        Qux::new().r15();\n"
	    "        (&d).r16();\n"
	    "        Lit { a: 1 }.r17();\n"
	    "        { let d: Inner = x; d.r18(); }\n"
	    "        d.r19();\n"
	    "        let d = d.clone();\n"
	    "        d.r20();\n"
	    "        for h in it { h.r21(); }\n"
	    "        let cl = |g| g.r22();\n"
	    "        match z { Some(g) => g.r23(), _ => {} }\n"
	    "        if let Some(g) = w { g.r24(); }\n"
	    "        g.r25();\n"
	    "        let s = self.inner;\n"
	    "        s.r26();\n"
	    "        let n = Foo::Variant(1);\n"
	    "        n.r27();\n"
	    "        let o = g;\n"
	    "        o.r28();\n"
	    "        fn nested() { g.r29(); }\n"
	    "        let q = Foo::open(p)?;\n"
	    "        q.r30();\n"
	    "        let t = h.get();\n"
	    "        t.r32();\n"
	    "        e.get().r33();\n"
	    "    }\n"
	    "}\n"
	    "trait Tr { fn t(&self) { self.r31(); } }\n");
	assert_recv(ref(FR_CALL_METHOD, "r0"), RECV_TYPE, "Self", "");
	assert_recv(ref(FR_CALL_METHOD, "r1"), RECV_FIELD, "Self", "inner");
	assert_recv(ref(FR_CALL_METHOD, "r2"), RECV_BOUND, "Visitor+Clone", "");
	assert_recv(ref(FR_CALL_METHOD, "r3"), RECV_BOUND, "Read+Send", "");
	assert_recv(ref(FR_CALL_METHOD, "r4"), RECV_BOUND, "Write", "");
	assert_recv(ref(FR_CALL_METHOD, "r5"), RECV_TYPE, "Foo", "");
	assert_recv(ref(FR_CALL_METHOD, "r6"), RECV_FIELD, "Foo", "fld");
	assert_recv(ref(FR_CALL_METHOD, "r7"), RECV_TYPE, "Bar", "");
	assert_recv(ref(FR_CALL_METHOD, "r8"), RECV_TYPE, "()<u8,u8>", ""); /* a tuple */
	assert_recv(ref(FR_CALL_METHOD, "r9"), RECV_TYPE, "Baz", "");
	assert_recv(ref(FR_CALL_METHOD, "r10"), RECV_RET, "Baz::new", "");
	assert_recv(ref(FR_CALL_METHOD, "r11"), RECV_RET, "make", "");
	assert_recv(ref(FR_CALL_METHOD, "r12"), RECV_TYPE, "P", "");
	assert_recv(ref(FR_CALL_METHOD, "r13"), RECV_RET, "Baz::new", "");
	assert_recv(ref(FR_CALL_METHOD, "r14"), RECV_TYPE, "Foo", ""); /* pairwise: d */
	assert_recv(ref(FR_CALL_METHOD, "r15"), RECV_RET, "Qux::new", "");
	assert_recv(ref(FR_CALL_METHOD, "r16"), RECV_TYPE, "Foo", "");
	assert_recv(ref(FR_CALL_METHOD, "r17"), RECV_TYPE, "Lit", "");
	assert_recv(ref(FR_CALL_METHOD, "r18"), RECV_TYPE, "Inner", "");
	assert_recv(ref(FR_CALL_METHOD, "r19"), RECV_TYPE, "Foo", ""); /* the block ended */
	assert_recv(ref(FR_CALL_METHOD, "r20"), RECV_TYPE, "Foo", ""); /* clone of a Foo */
	assert_recv(ref(FR_CALL_METHOD, "r21"), RECV_NONE, "", "");    /* for pattern */
	assert_recv(ref(FR_CALL_METHOD, "r22"), RECV_NONE, "", "");    /* closure param */
	assert_recv(ref(FR_CALL_METHOD, "r23"), RECV_FIELD, "Some",
		    "0"); /* match binding: field 0 of Some */
	assert_recv(ref(FR_CALL_METHOD, "r24"), RECV_FIELD, "Some", "0"); /* if let binding */
	assert_recv(ref(FR_CALL_METHOD, "r25"), RECV_TYPE, "Baz", "");    /* g again */
	assert_recv(ref(FR_CALL_METHOD, "r26"), RECV_FIELD, "Self", "inner");
	assert_recv(ref(FR_CALL_METHOD, "r27"), RECV_RET, "Foo::Variant", "");
	assert_recv(ref(FR_CALL_METHOD, "r28"), RECV_TYPE, "Baz", "");
	assert_recv(ref(FR_CALL_METHOD, "r29"), RECV_NONE, "", ""); /* another fn */
	assert_recv(ref(FR_CALL_METHOD, "r30"), RECV_CHAIN, "Foo::open",
		    "R?"); /* `?` on a call result */
	assert_recv(ref(FR_CALL_METHOD, "r31"), RECV_TYPE, "Self", "");
	assert_recv(ref(FR_CALL_METHOD, "r32"), RECV_CHAIN, "Baz::new",
		    "R:get"); /* method of a call result */
	assert_recv(ref(FR_CALL_METHOD, "r33"), RECV_MRET, "Bar", "get"); /* e: Bar */

	const fact_ref *r = ref(FR_CALL_METHOD, "r0");
	assert_int_equal(r->from, item(PT_METHOD, "go"));
	assert_int_equal(r->span.start_line, 3);
	assert_int_equal(r->span.start_col, 13);
	assert_int_equal(r->span.end_col, 15);
	assert_int_equal(ref(FR_CALL_METHOD, "r29")->from, item(PT_FUNCTION, "nested"));
	assert_int_equal(ref(FR_CALL_METHOD, "r31")->from, item(PT_METHOD, "t"));
	/* the method-call chain still reports the inner call */
	assert_non_null(ref_nth(FR_CALL_METHOD, "clone", 0));
	assert_recv(ref(FR_CALL_METHOD, "clone"), RECV_TYPE, "Foo", "");
}

/* Receivers described as steps from a start (RECV_CHAIN). */
static void test_receiver_chains(void **state)
{
	(void)state;
	run("impl P {\n"
	    "    fn go(&mut self, v: &[Item], o: Option<Box<Node>>, m: &mut Vec<Vec<Item>>) {\n"
	    "        self.pop().unwrap().c0();\n"
	    "        self.a.b.c1();\n"
	    "        mk()?.c2();\n"
	    "        for x in v.iter() { x.c3(); }\n"
	    "        v.iter().map(|y| y.c4());\n"
	    "        v.iter().fold(0, |acc, z| z.c5());\n"
	    "        v[0].c6();\n"
	    "        v[1..].c7();\n"
	    "        if let Some(n) = o { n.c8(); }\n"
	    "        match self.pop() { Some(ref k) => k.c9(), other => other.c10() }\n"
	    "        let (t, u) = self.pair();\n"
	    "        t.c11();\n"
	    "        (*self.a).c12();\n"
	    "        unsafe { self.a.get() }.c13();\n"
	    "        m[0][1].c14();\n"
	    "        o.map(|w: &Other| w.c15());\n"
	    "        let v = v.to_vec(); v.len(); for v in v { v.c16(); }\n"
	    "        let (p, q) = (o, self.a);\n"
	    "        p.c17(); q.c18();\n"
	    "        let (r, .., s2) = self.triple();\n"
	    "        r.c19(); s2.c20();\n"
	    "    }\n"
	    "}\n");
	assert_recv(ref(FR_CALL_METHOD, "c0"), RECV_CHAIN, "Self", "T:pop:unwrap");
	assert_recv(ref(FR_CALL_METHOD, "c1"), RECV_CHAIN, "Self", "T.a.b");
	assert_recv(ref(FR_CALL_METHOD, "c2"), RECV_CHAIN, "mk", "R?");
	assert_recv(ref(FR_CALL_METHOD, "c3"), RECV_CHAIN, "[]<Item>", "T:iter*");
	assert_recv(ref(FR_CALL_METHOD, "c4"), RECV_CHAIN, "[]<Item>", "T:iter*");
	assert_recv(ref(FR_CALL_METHOD, "c5"), RECV_CHAIN, "[]<Item>",
		    "T:iter*"); /* fold's second param */
	assert_recv(ref(FR_CALL_METHOD, "c6"), RECV_CHAIN, "[]<Item>", "T[");
	assert_recv(ref(FR_CALL_METHOD, "c7"), RECV_TYPE, "[]<Item>", ""); /* a sub-slice */
	assert_recv(ref(FR_CALL_METHOD, "c8"), RECV_CHAIN, "Option<Node>", "T?");
	assert_recv(ref(FR_CALL_METHOD, "c9"), RECV_CHAIN, "Self", "T:pop?");
	assert_recv(ref(FR_CALL_METHOD, "c10"), RECV_MRET, "Self", "pop"); /* catch-all arm */
	assert_recv(ref(FR_CALL_METHOD, "c11"), RECV_CHAIN, "Self", "T:pair.0");
	assert_recv(ref(FR_CALL_METHOD, "c12"), RECV_FIELD, "Self", "a");
	assert_recv(ref(FR_CALL_METHOD, "c13"), RECV_CHAIN, "Self", "T.a:get");
	assert_recv(ref(FR_CALL_METHOD, "c14"), RECV_CHAIN, "Vec<Vec<Item>>", "T[[");
	assert_recv(ref(FR_CALL_METHOD, "c15"), RECV_TYPE, "Other", ""); /* typed closure param */
	assert_recv(ref(FR_CALL_METHOD, "c16"), RECV_CHAIN, "[]<Item>",
		    "T:to_vec*"); /* shadowing */
	assert_recv(ref(FR_CALL_METHOD, "len"), RECV_MRET, "[]<Item>", "to_vec");
	assert_recv(ref(FR_CALL_METHOD, "c17"), RECV_TYPE, "Option<Node>", ""); /* pairwise */
	assert_recv(ref(FR_CALL_METHOD, "c18"), RECV_FIELD, "Self", "a");
	assert_recv(ref(FR_CALL_METHOD, "c19"), RECV_CHAIN, "Self",
		    "T:triple.0");                                  /* a tuple's element */
	assert_recv(ref(FR_CALL_METHOD, "c20"), RECV_NONE, "", ""); /* after `..` */
}

/* Values of `match` expressions, tuples, closure params read through the
 * callee's signature ('G' path calls, 'H' method calls), turbofish calls. */
static void test_receiver_matches_and_closures(void **state)
{
	(void)state;
	run("impl P {\n"
	    "    fn go(&mut self, v: &mut Vec<Item>) {\n"
	    "        let a = match v.pop() { None => return, Some(a) => a };\n"
	    "        a.m0();\n"
	    "        let (k, l) = match self.pop() { Some(Op { k, l }) => (k, l), _ => "
	    "unreachable!() };\n"
	    "        k.m1(); l.m2();\n"
	    "        let t = (0, self);\n"
	    "        t.m3();\n"
	    "        guard((0, self), |(i, s)| s.m4());\n"
	    "        self.with(v, &|x| x.m5());\n"
	    "        v.m6::<u8>().m7();\n"
	    "    }\n"
	    "}\n");
	assert_recv(ref(FR_CALL_METHOD, "m0"), RECV_CHAIN, "Vec<Item>",
		    "T:pop?"); /* the diverging arm skipped */
	assert_recv(ref(FR_CALL_METHOD, "m1"), RECV_FIELD, "Op", "k");
	assert_recv(ref(FR_CALL_METHOD, "m2"), RECV_FIELD, "Op", "l");
	assert_recv(ref(FR_CALL_METHOD, "m3"), RECV_TYPE, "()<_,Self>", "");
	assert_recv(ref(FR_CALL_METHOD, "m4"), RECV_CHAIN, "guard", "G1,0{T()<_,Self>;_}.1");
	assert_recv(ref(FR_CALL_METHOD, "m5"), RECV_CHAIN, "with", "H2,0{TSelf;TVec<Item>;_}");
	assert_recv(ref(FR_CALL_METHOD, "m7"), RECV_MRET, "Vec<Item>", "m6");
}

/* ---- types, fields, macros ----------------------------------------------------------- */

static void test_type_refs(void **state)
{
	(void)state;
	run("struct S<T> { a: Vec<Item>, b: T, c: u32, d: String, e: io::Error }\n"
	    "fn f<G: Bound>(x: Param, g: G) -> Ret where G: Other {\n"
	    "    let v: Local = y;\n"
	    "    use_const(MAX_LEN, m::LIMIT, Self::CAP, lower, X);\n"
	    "    let s = Self { a: 1 };\n"
	    "}\n"
	    "const K: Kind = Kind::A;\n");
	int s = item(PT_STRUCT, "S"), f = item(PT_FUNCTION, "f");
	assert_int_equal(ref(FR_TYPE, "Vec")->from, s);
	assert_int_equal(ref(FR_TYPE, "Item")->from, s);
	assert_int_equal(ref(FR_TYPE, "String")->from, s);
	const fact_ref *r = ref(FR_TYPE, "io::Error");
	assert_int_equal(r->from, s);
	assert_int_equal(r->span.start_col,
			 strlen("struct S<T> { a: Vec<Item>, b: T, c: u32, d: String, e: "));
	assert_int_equal(r->span.end_col - r->span.start_col, strlen("io::Error"));
	assert_null(ref_nth(FR_TYPE, "T", 0));   /* generic param */
	assert_null(ref_nth(FR_TYPE, "u32", 0)); /* primitive */
	assert_null(ref_nth(FR_TYPE, "S", 0));   /* the item's own name */
	assert_int_equal(ref(FR_TYPE, "Param")->from, f);
	assert_int_equal(ref(FR_TYPE, "Ret")->from, f);
	assert_int_equal(ref(FR_TYPE, "Bound")->from, f);
	assert_int_equal(ref(FR_TYPE, "Other")->from, f);
	assert_null(ref_nth(FR_TYPE, "G", 0));
	assert_int_equal(ref(FR_TYPE, "Local")->span.start_line, 2);
	assert_int_equal(ref(FR_TYPE, "MAX_LEN")->from, f);
	assert_non_null(ref_nth(FR_TYPE, "m::LIMIT", 0));
	assert_non_null(ref_nth(FR_TYPE, "Self::CAP", 0));
	assert_null(ref_nth(FR_TYPE, "lower", 0));
	assert_null(ref_nth(FR_TYPE, "X", 0)); /* one letter: a generic const, likely */
	assert_null(ref_nth(FR_TYPE, "Self", 0));
	assert_int_equal(ref(FR_TYPE, "Kind")->from, item(PT_CONST, "K"));
	assert_null(ref_nth(FR_TYPE, "K", 0));
}

/* Rust 2015's `try!(e)` is `e?`: the grammar leaves `try` an error before
 * a `!(e)`; it is no syntax error of the file, and what it gives is typed
 * as `e?`. */
static void test_try_macro(void **state)
{
	(void)state;
	run("fn f(a: A) -> R {\n"
	    "    let v = try!(a.open());\n"
	    "    v.read();\n"
	    "    try!(a.open()).write();\n"
	    "    Ok(())\n"
	    "}\n"
	    "items! { fn g(a: A) { let w = try!(a.open()); w.close(); } }\n");
	assert_int_equal(F.n_errors, 0);
	assert_recv(ref(FR_CALL_METHOD, "read"), RECV_CHAIN, "A", "T:open?");
	assert_recv(ref(FR_CALL_METHOD, "write"), RECV_CHAIN, "A", "T:open?");
	assert_recv(ref(FR_CALL_METHOD, "close"), RECV_CHAIN, "A", "T:open?");
	assert_int_equal(count_refs(FR_CALL_METHOD, "open"), 3);
	assert_true(item(PT_FUNCTION, "g") >= 0);
}

/* Variants are items under their enum (a #[cfg] of their own); their uses
 * in expressions and patterns are type references, not those of the
 * prelude's Some/None/Ok/Err, not a call's callee (a call ref has it). */
static void test_variants(void **state)
{
	(void)state;
	run("enum E {\n"                  /* 0 */
	    "    A,\n"                    /* 1 */
	    "    #[cfg(unix)] B(u8),\n"   /* 2 */
	    "    C { f: u8 },\n"          /* 3 */
	    "}\n"                         /* 4 */
	    "fn f(e: E) -> Option<E> {\n" /* 5 */
	    "    match e { E::A => {}, E::B(x) => {}, E::C { f } => {}, Other => {} }\n"
	    "    let v = E::B(1);\n" /* 7 */
	    "    if let Some(Unit) = None { Ok(E::A); }\n"
	    "    Some(Self::A)\n" /* 9 */
	    "}\n");
	int en = item(PT_ENUM, "E");
	const char *names[] = {"A", "B", "C"};
	for (int i = 0; i < 3; i++) {
		const fact_item *v = it(PT_VARIANT, names[i]);
		assert_int_equal(v->parent, en);
		assert_int_equal(v->span.start_line, i + 1);
	}
	assert_string_equal(S(it(PT_VARIANT, "B")->cfg), "all(unix)");
	assert_string_equal(S(it(PT_VARIANT, "C")->sig), "C { f: u8 }");
	assert_int_equal(F.fields.n, 2); /* B.0, C.f: the enum's, as before */
	int fn = item(PT_FUNCTION, "f");
	assert_int_equal(count_refs(FR_TYPE, "E::A"), 2); /* a pattern, an expression */
	assert_int_equal(ref(FR_TYPE, "E::A")->from, fn);
	assert_int_equal(count_refs(FR_TYPE, "E::B"),
			 1); /* the pattern; the constructor is a call */
	assert_int_equal(count_refs(FR_CALL_PATH, "E::B"), 1);
	assert_int_equal(count_refs(FR_TYPE, "E::C"), 1);
	assert_int_equal(count_refs(FR_TYPE, "Other"), 1);
	assert_int_equal(count_refs(FR_TYPE, "Unit"), 1);
	assert_int_equal(count_refs(FR_TYPE, "Self::A"), 1);
	assert_int_equal(count_refs(FR_TYPE, "None"), 0);
	assert_int_equal(count_refs(FR_TYPE, "Some"), 0);
	assert_int_equal(count_refs(FR_TYPE, "x"), 0);
}

static void test_fields(void **state)
{
	(void)state;
	run("struct A<T> { pub x: Box<Node>, y: &'a mut ast::Expr<'a>, z: T, r#type: Vec<u8>, w: "
	    "(u8, u8) }\n"
	    "struct B(pub u8, #[attr] String);\n"
	    "union C { a: u32 }\n"
	    "enum D { V { no: u8 } }\n");
	int a = item(PT_STRUCT, "A"), b = item(PT_STRUCT, "B"), c = item(PT_UNION, "C"),
	    d = item(PT_ENUM, "D");
	assert_int_equal(F.fields.n, 9);
	const char *want[9][3] = {
		{"x", "Box<Node>"},  {"y", "ast::Expr"}, {"z", "T"},
		{"type", "Vec<u8>"}, {"w", "()<u8,u8>"}, {"0", "u8"},
		{"1", "String"},     {"a", "u32"},       {"V.no", "u8"}, /* a variant's field */
	};
	int owner[9] = {a, a, a, a, a, b, b, c, d};
	for (int i = 0; i < 9; i++) {
		assert_int_equal(F.fields.v[i].owner, owner[i]);
		assert_string_equal(S(F.fields.v[i].name), want[i][0]);
		assert_string_equal(S(F.fields.v[i].type), want[i][1]);
	}
}

/* Fields typed by a generic param of their item; ADT generics. */
static void test_generic_fields(void **state)
{
	(void)state;
	run("struct Scaled<T: Area> { inner: T, boxed: Box<T>, r: &'a T, v: Vec<T>, o: "
	    "Option<Other> }\n"
	    "struct W<T>(T, Rc<T>);\n"
	    "enum E<K> where K: Hash + Eq { A(K) }\n"
	    "union U<X: Copy> { a: X }\n"
	    "trait Tr<Y: Default> {}\n"
	    "struct Plain { a: u8 }\n"
	    "struct Outer<T: Clone> { t: T }\n");
	const char *want[][3] = {
		{"Scaled", "inner", "T"},
		{"Scaled", "boxed", "Box<T>"}, /* the pointer kept: its own methods */
		{"Scaled", "r", "T"},
		{"Scaled", "v", "Vec<T>"},
		{"Scaled", "o", "Option<Other>"},
		{"W", "0", "T"},
		{"W", "1", "Rc<T>"},
		{"E", "A.0", "K"},
		{"U", "a", "X"},
		{"Plain", "a", "u8"},
		{"Outer", "t", "T"},
	};
	assert_int_equal(F.fields.n, 11);
	for (size_t i = 0; i < 11; i++) {
		const fact_item *o = &F.items.v[F.fields.v[i].owner];
		assert_string_equal(S(o->name), want[i][0]);
		assert_string_equal(S(F.fields.v[i].name), want[i][1]);
		assert_string_equal(S(F.fields.v[i].type), want[i][2]);
	}
	assert_string_equal(S(it(PT_STRUCT, "Scaled")->generics), "T:Area");
	assert_int_equal(it(PT_STRUCT, "W")->generics, 0); /* no bounds */
	assert_string_equal(S(it(PT_ENUM, "E")->generics), "K:Hash+Eq");
	assert_string_equal(S(it(PT_UNION, "U")->generics), "X:Copy");
	assert_string_equal(S(it(PT_TRAIT, "Tr")->generics), "Y:Default");
	assert_int_equal(it(PT_STRUCT, "Plain")->generics, 0);
	assert_string_equal(S(it(PT_STRUCT, "Outer")->generics), "T:Clone");
	assert_null(ref_nth(FR_TYPE, "T", 0));
}

static void test_macros(void **state)
{
	(void)state;
	/* bodies that do not parse as items: the `impl .. for ..` token runs */
	run("impl_ops! { [impl<T> Add for Wrap<T>] [impl ::core::ops::Sub for &'a Num] [impl<T> Tr "
	    "for T] }\n"
	    "mod m { gen!(Display => impl Display for Thing { fn fmt() {} }); }\n"
	    "impl S { inner_gen! { Clone, impl Clone for Other {} } }\n"
	    "fn f() { println!(\"{}\", 1); std::vec![1]; local! { impl Debug for Nope {} } }\n"
	    "not_impl! { @ impl Inherent { } }\n");
	int n = 0;
	const fact_item *gen[8];
	for (size_t i = 0; i < F.items.n; i++)
		if (F.items.v[i].flags & FI_MACRO_GEN)
			gen[n++] = &F.items.v[i];
	assert_int_equal(n, 5);
	assert_string_equal(S(gen[0]->impl_trait), "Add");
	assert_string_equal(S(gen[0]->impl_self), "Wrap");
	assert_int_equal(gen[0]->kind, PT_IMPL);
	assert_int_equal(gen[0]->flags, FI_TRAIT_IMPL | FI_MACRO_GEN);
	assert_int_equal(gen[0]->span.start_byte, 0);
	assert_int_equal(gen[0]->span.end_line, 0);
	assert_int_equal(gen[0]->name_span.start_byte, gen[0]->span.start_byte);
	assert_int_equal(gen[0]->parent, -1);
	assert_string_equal(S(gen[0]->sig), "impl Add for Wrap");
	assert_string_equal(S(gen[1]->impl_trait), "core::ops::Sub");
	assert_string_equal(S(gen[1]->impl_self), "Num");
	assert_string_equal(S(gen[2]->impl_trait), "Tr");
	assert_string_equal(S(gen[2]->impl_self), ""); /* a generic param */
	assert_string_equal(S(gen[3]->impl_self), "Thing");
	assert_int_equal(gen[3]->parent, item(PT_MODULE, "m"));
	assert_string_equal(S(gen[4]->impl_trait), "Clone");
	assert_string_equal(S(gen[4]->impl_self), "Other");
	assert_int_equal(count_items(PT_IMPL), 6); /* + `impl S` */
	assert_int_equal(item(PT_FUNCTION, "fmt"), -1);

	const fact_ref *r = ref(FR_MACRO_CALL, "println");
	assert_int_equal(r->from, item(PT_FUNCTION, "f"));
	assert_int_equal(r->span.start_line, 3);
	assert_int_equal(r->span.start_col, 9);
	assert_int_equal(r->span.end_col, 16);
	r = ref(FR_MACRO_CALL, "std::vec");
	assert_int_equal(r->span.end_col - r->span.start_col, 3); /* `vec` */
	assert_int_equal(ref(FR_MACRO_CALL, "impl_ops")->from, -1);
	assert_int_equal(ref(FR_MACRO_CALL, "gen")->from, item(PT_MODULE, "m"));
	assert_non_null(ref_nth(FR_MACRO_CALL, "not_impl", 0));
}

/* Items written in item-level macro bodies are parsed where they stand. */
static void test_macro_items(void **state)
{
	(void)state;
	run("pub trait Named { fn name(&self) -> &'static str; }\n"    /* 0 */
	    "struct Countdown;\n"                                      /* 1 */
	    "items! {\n"                                               /* 2 */
	    "    impl crate::Named for Countdown {\n"                  /* 3 */
	    "        fn name(&self) -> &'static str { helper() }\n"    /* 4 */
	    "    }\n"                                                  /* 5 */
	    "}\n"                                                      /* 6 */
	    "mod sys {\n"                                              /* 7 */
	    "    cfg_if::cfg_if! {\n"                                  /* 8 */
	    "        if #[cfg(unix)] {\n"                              /* 9 */
	    "            mod unix;\n"                                  /* 10 */
	    "            pub use self::unix::*;\n"                     /* 11 */
	    "        } else if #[cfg(windows)] {\n"                    /* 12 */
	    "            #[path = \"win.rs\"] mod windows;\n"          /* 13 */
	    "        } else {\n"                                       /* 14 */
	    "            mod other;\n"                                 /* 15 */
	    "            cfg_if! { if #[cfg(a)] { fn inner() {} } }\n" /* 16 */
	    "        }\n"                                              /* 17 */
	    "    }\n"                                                  /* 18 */
	    "}\n"                                                      /* 19 */
	    "macro_name! { pub struct X { f: u8 } }\n"                 /* 20 */
	    "impl S { items! { fn meth(&self) { self.go() } } }\n"     /* 21 */
	    "thread_local!(static KEY: Cell<u8> = Cell::new(0));\n"    /* 22 */
	    "macro_rules! tpl { ($t:ty) => { impl Tr for $t { fn t() { no_call(); } } }; }\n");
	const fact_item *im = &F.items.v[item(PT_IMPL, "")];
	assert_string_equal(S(im->impl_trait), "crate::Named");
	assert_string_equal(S(im->impl_self), "Countdown");
	assert_int_equal(im->flags, FI_TRAIT_IMPL | FI_IN_MACRO);
	assert_int_equal(im->parent, -1);
	assert_int_equal(im->span.start_line, 3);
	assert_int_equal(im->span.start_col, 4);
	assert_int_equal(im->span.end_line, 5);
	assert_int_equal(im->name_span.start_line, 3);
	assert_int_equal(im->name_span.start_col, 26);
	assert_int_equal(im->name_span.end_col, 35);
	assert_string_equal(S(im->sig), "impl crate::Named for Countdown");

	int impl_i = item(PT_IMPL, "");
	int n_name = 0;
	for (size_t i = 0; i < F.items.n; i++) {
		const fact_item *t = &F.items.v[i];
		if (t->kind != PT_METHOD || strcmp(S(t->name), "name") != 0)
			continue;
		n_name++;
		if (t->parent == impl_i) {
			assert_int_equal(t->flags, FI_HAS_BODY | FI_IN_MACRO);
			assert_int_equal(t->span.start_line, 4);
			assert_int_equal(ref(FR_CALL_PATH, "helper")->from, (int)i);
		}
	}
	assert_int_equal(n_name, 2); /* the trait's and the impl's, once each */
	assert_int_equal(count_refs(FR_CALL_PATH, "helper"), 1);

	int sys = item(PT_MODULE, "sys");
	const fact_item *u = it(PT_MODULE, "unix");
	assert_int_equal(u->flags, FI_MOD_EXTERNAL | FI_IN_MACRO);
	assert_int_equal(u->parent, sys);
	assert_int_equal(u->span.start_line, 10);
	assert_int_equal(u->span.start_col, 12);
	assert_int_equal(it(PT_MODULE, "windows")->parent, sys);
	assert_string_equal(S(it(PT_MODULE, "windows")->path_attr), "win.rs");
	assert_int_equal(it(PT_MODULE, "other")->parent, sys);
	const fact_use *us = use_of("*", 0);
	assert_string_equal(S(us->path), "self::unix");
	assert_int_equal(us->scope, sys);
	assert_int_equal(us->flags, FU_PUB);
	assert_int_equal(us->span.start_line, 11);
	const fact_item *inner = it(PT_FUNCTION, "inner");
	assert_int_equal(inner->parent, sys);
	assert_int_equal(inner->flags, FI_HAS_BODY | FI_IN_MACRO);
	assert_int_equal(inner->span.start_line, 16);
	assert_int_equal(ref(FR_MACRO_CALL, "cfg_if::cfg_if")->from, sys);
	assert_int_equal(ref(FR_MACRO_CALL, "cfg_if")->from, sys);
	assert_int_equal(count_refs(FR_CALL_PATH, "cfg"), 0); /* attributes, not calls */

	const fact_item *xs = it(PT_STRUCT, "X");
	assert_int_equal(xs->flags, FI_PUB | FI_IN_MACRO);
	assert_int_equal(xs->span.start_line, 20);
	assert_int_equal(xs->span.start_col, 14);
	assert_int_equal(F.fields.n, 1);
	assert_int_equal(F.fields.v[0].owner, item(PT_STRUCT, "X"));
	assert_string_equal(S(F.fields.v[0].type), "u8");

	const fact_item *m = it(PT_METHOD, "meth");
	assert_int_equal(F.items.v[m->parent].kind, PT_IMPL);
	assert_string_equal(S(F.items.v[m->parent].impl_self), "S");
	assert_recv(ref(FR_CALL_METHOD, "go"), RECV_TYPE, "Self", "");

	const fact_item *k = it(PT_STATIC, "KEY");
	assert_int_equal(k->flags, FI_IN_MACRO);
	assert_int_equal(k->span.start_line, 22);
	assert_int_equal(count_refs(FR_CALL_PATH, "Cell::new"), 1);

	/* a macro_rules! body is a template: never parsed as items */
	assert_int_equal(item(PT_FUNCTION, "t"), -1);
	assert_int_equal(item(PT_METHOD, "t"), -1);
	assert_int_equal(count_refs(FR_CALL_PATH, "no_call"), 0);
	for (size_t i = 0; i < F.items.n; i++)
		assert_false(F.items.v[i].flags & FI_MACRO_GEN);

	/* the invocation's scope carries in: generic params, trait parents */
	run("impl<T: Clone> S<T> { items! { fn m(&self, t: T) -> T { t.clone() } } }\n"
	    "trait Tr { decl! { fn req(&self); } }\n");
	assert_recv(ref(FR_CALL_METHOD, "clone"), RECV_BOUND, "Clone", "");
	assert_string_equal(S(it(PT_METHOD, "m")->ret_type), "T"); /* a generic param */
	assert_int_equal(it(PT_METHOD, "req")->parent, item(PT_TRAIT, "Tr"));
	assert_int_equal(it(PT_METHOD, "req")->flags, FI_IN_MACRO);
}

/* A body that opens with a comment (tokio's `cfg_rt! { /// doc\n pub fn
 * spawn() }`, syn's `ast_struct! { /// doc\n pub struct Path {..} }`): the
 * comment is no token, the items after it are parsed all the same. */
static void test_macro_items_after_comments(void **state)
{
	(void)state;
	run("cfg_rt! {\n"                  /* 0 */
	    "    /// Spawns a task.\n"     /* 1 */
	    "    pub fn spawn() {}\n"      /* 2 */
	    "}\n"                          /* 3 */
	    "m! {\n"                       /* 4 */
	    "    // plain\n"               /* 5 */
	    "    /* block */ /** doc */\n" /* 6 */
	    "    pub struct S;\n"          /* 7 */
	    "}\n"                          /* 8 */
	    "n! { // only a comment\n}\n"
	    "o! { /* then */ not an item }\n");
	const fact_item *f = it(PT_FUNCTION, "spawn");
	assert_int_equal(f->flags, FI_PUB | FI_HAS_BODY | FI_IN_MACRO);
	assert_int_equal(f->span.start_line, 2);
	assert_int_equal(f->span.start_col, 4);
	const fact_item *st = it(PT_STRUCT, "S");
	assert_int_equal(st->flags, FI_PUB | FI_IN_MACRO);
	assert_int_equal(st->span.start_line, 7);
	assert_int_equal(F.items.n, 2);
	assert_int_equal(F.n_errors, 0);
}

/* A body whose items only partly parse: the broken part falls back to the
 * token scan, without duplicating what parsed. */
static void test_macro_items_partial(void **state)
{
	(void)state;
	run("items! {\n"
	    "    impl Sub for Num { fn sub(self) -> Self { self } }\n"
	    "    impl Add for Wrap { fn add(self) -> { } }\n"
	    "}\n");
	int sub = 0, add = 0;
	for (size_t i = 0; i < F.items.n; i++) {
		const fact_item *t = &F.items.v[i];
		if (t->kind != PT_IMPL)
			continue;
		if (strcmp(S(t->impl_trait), "Sub") == 0) {
			sub++;
			assert_int_equal(t->flags, FI_TRAIT_IMPL | FI_IN_MACRO);
		} else if (strcmp(S(t->impl_trait), "Add") == 0) {
			add++;
			assert_int_equal(t->flags, FI_TRAIT_IMPL | FI_MACRO_GEN);
			assert_string_equal(S(t->impl_self), "Wrap");
		}
	}
	assert_int_equal(sub, 1);
	assert_int_equal(add, 1);
	assert_int_equal(it(PT_METHOD, "sub")->parent, item(PT_IMPL, ""));
	assert_int_equal(F.n_errors, 0); /* the re-parse's errors are not the file's */
}

/* Same-file macro_rules! templates, expanded where they are invoked: the
 * items rustc's expansion has (impls with their methods, one per argument
 * of a repetition), at the invocation. */
static void test_macro_templates(void **state)
{
	(void)state;
	run("trait Named {}\n"                   /* 0 */
	    "impl_named!(Square, \"square\");\n" /* 1 */
	    "macro_rules! impl_named {\n"        /* 2 */
	    "    (@skip $t:ty) => {};\n"         /* 3 */
	    "    ($t:ty, $n:expr) => { impl Named for $t { fn name(&self) -> &str { $n } } };\n"
	    "    ($t:ty) => { impl $crate::Plain for $t {} };\n" /* 5 */
	    "}\n"                                                /* 6 */
	    "impl_named!(Circle, \"circle\");\n"                 /* 7 */
	    "mod m { impl_named!(geo::Tri<u8>); }\n"             /* 8 */
	    "macro_rules! many { ($($t:ty),* $(,)?) => { $(impl Clone for $t {})* impl<T> Tr for T "
	    "{} }; }\n"
	    "many!(A, &'a B, c::C<X, Y>,);\n"                                         /* 10 */
	    "many!();\n"                                                              /* 11 */
	    "elsewhere!(D, \"d\");\n"                                                 /* 12 */
	    "fn f() { impl_named!(Local, \"x\"); }\n"                                 /* 13 */
	    "macro_rules! spaced { ($($t:ty)*) => {$( impl FromStr for $t {} )*} }\n" /* 14 */
	    "spaced! { i8 u16 a::B<T> }\n");                                          /* 15 */
	const char *want[][4] = {
		/* trait, self, line, the self type as written */
		{"Named", "Square", "1", "Square"},
		{"Named", "Circle", "7", "Circle"},
		{"crate::Plain", "geo::Tri", "8", "geo::Tri<u8>"},
		{"Clone", "A", "10", "A"},
		{"Clone", "B", "10", "&'a B"},
		{"Clone", "c::C", "10", "c::C<X, Y>"},
		{"Tr", "", "10", "T"},
		{"Tr", "", "11", "T"},
		{"FromStr", "i8", "15", "i8"},
		{"FromStr", "u16", "15", "u16"},
		{"FromStr", "a::B", "15", "a::B<T>"},
	};
	size_t k = 0;
	int methods = 0;
	for (size_t i = 0; i < F.items.n; i++) {
		const fact_item *g = &F.items.v[i];
		if (g->kind == PT_METHOD) {
			/* `fn name` of the template: in its impl, at the invocation */
			const fact_item *p = &F.items.v[g->parent];
			assert_string_equal(S(g->name), "name");
			assert_int_equal(p->kind, PT_IMPL);
			assert_int_equal(g->flags, FI_HAS_BODY | FI_MACRO_GEN);
			assert_int_equal(g->span.start_byte, p->span.start_byte);
			assert_string_equal(S(g->sig), "fn name(&self) -> &str");
			/* its name where the template writes it */
			assert_int_equal(g->name_span.start_line, 4);
			assert_int_equal(g->name_span.start_col, 49);
			methods++;
			continue;
		}
		if (g->kind != PT_IMPL)
			continue;
		assert_true(k < sizeof want / sizeof want[0]);
		assert_int_equal(g->flags, FI_TRAIT_IMPL | FI_MACRO_GEN);
		assert_string_equal(S(g->impl_trait), want[k][0]);
		assert_string_equal(S(g->impl_self), want[k][1]);
		assert_int_equal(g->span.start_line, atoi(want[k][2]));
		/* the self type where it is written: the invocation, the template */
		assert_int_equal(g->name_span.end_byte - g->name_span.start_byte,
				 strlen(want[k][3]));
		k++;
	}
	assert_int_equal(k, sizeof want / sizeof want[0]);
	/* not the impl a fn body's invocation makes: items local to a fn (rustdoc
	 * lists none either); its calls are read from the tokens */
	assert_int_equal(methods, 2);
	const fact_item *sq = &F.items.v[item(PT_IMPL, "")];
	assert_int_equal(sq->span.start_col, 0);
	assert_int_equal(sq->span.end_col, 29); /* `impl_named!(Square, "square")` */
	assert_int_equal(sq->parent, -1);
	assert_string_equal(S(sq->sig), "impl Named for Square");
	assert_int_equal(sq->name_span.start_col, 12); /* `Square` */
	assert_int_equal(sq->name_span.end_col, 18);
	for (size_t i = 0; i < F.items.n; i++) {
		const fact_item *g = &F.items.v[i];
		if (g->kind == PT_IMPL && strcmp(S(g->impl_self), "geo::Tri") == 0)
			assert_int_equal(g->parent, item(PT_MODULE, "m"));
	}

	/* an invocation inside a cfg_if! branch, after the definition */
	run("macro_rules! named { ($t:ty) => { impl Named for $t {} }; }\n"
	    "mod m {\n"
	    "    cfg_if! { if #[cfg(a)] { named!(Hex); } else { named!(Oct); } }\n"
	    "}\n");
	assert_int_equal(count_items(PT_IMPL), 2);
	for (int i = 0; i < 2; i++) {
		const fact_item *h = &F.items.v[item(PT_MODULE, "m") + 1 + i];
		assert_int_equal(h->kind, PT_IMPL);
		assert_int_equal(h->flags, FI_TRAIT_IMPL | FI_MACRO_GEN);
		assert_string_equal(S(h->impl_self), i ? "Oct" : "Hex");
		assert_int_equal(h->parent, item(PT_MODULE, "m"));
		assert_int_equal(h->span.start_line, 2);
		assert_int_equal(h->span.start_col, i ? 51 : 29);
	}

	/* a definition inside a cfg_if! branch, used before it */
	run("use_it!(Z);\n"
	    "cfg_if! { if #[cfg(a)] { macro_rules! use_it { ($t:ty) => { impl Q for $t {} }; } } "
	    "}\n");
	const fact_item *q = it(PT_IMPL, "");
	assert_int_equal(q->flags, FI_TRAIT_IMPL | FI_MACRO_GEN);
	assert_string_equal(S(q->impl_trait), "Q");
	assert_string_equal(S(q->impl_self), "Z");
	assert_int_equal(q->span.start_line, 0);
	assert_int_equal(it(PT_MACRO, "use_it")->flags, FI_IN_MACRO);
}

/* Attributes a template writes: docs and lints left out of the parsed text,
 * the test and entry-point markers kept (FI_TEST, FI_ENTRY as written by
 * hand). */
static void test_macro_template_attributes(void **state)
{
	(void)state;
	run("macro_rules! cases { ($($n:ident),*) => { $(#[doc = \"x\"] #[test] fn $n() {})* "
	    "#[tokio::test] async fn t_async() {} #[no_mangle] pub extern \"C\" fn exported() {} "
	    "#[inline] fn plain() {} }; }\n"
	    "cases!(t_one, t_two);\n");
	assert_true(it(PT_FUNCTION, "t_one")->flags & FI_TEST);
	assert_true(it(PT_FUNCTION, "t_two")->flags & FI_TEST);
	assert_true(it(PT_FUNCTION, "t_async")->flags & FI_TEST);
	assert_true(it(PT_FUNCTION, "exported")->flags & FI_ENTRY);
	assert_false(it(PT_FUNCTION, "plain")->flags & (FI_TEST | FI_ENTRY));
	assert_true(it(PT_FUNCTION, "plain")->flags & FI_MACRO_GEN);
}

/* A template impl for an array, slice or tuple type: one impl per argument
 * at the invocation, its self type unnamed (as for a hand-written one). */
static void test_macro_template_array_impls(void **state)
{
	(void)state;
	run("pub unsafe trait Array {}\n" /* 0 */
	    "macro_rules! impl_array(\n"  /* 1 */
	    "    ($($size:expr),+) => { $( unsafe impl<T> Array for [T; $size] { fn size() -> "
	    "usize { $size } } )+ }\n"
	    ");\n"                          /* 3 */
	    "impl_array!(0, 1, 2, 0x40);\n" /* 4 */
	    "macro_rules! tup { ($t:ty) => { impl Pair for ($t, $t) {} impl Sl for &[$t] {} }; }\n"
	    "tup!(u8);\n"); /* 6 */
	assert_int_equal(count_items(PT_IMPL), 6);
	assert_int_equal(count_items(PT_METHOD), 4);
	const char *want[6][3] = {{"Array", "4", "[T; 0]"},  {"Array", "4", "[T; 1]"},
				  {"Array", "4", "[T; 2]"},  {"Array", "4", "[T; 0x40]"},
				  {"Pair", "6", "(u8, u8)"}, {"Sl", "6", "&[u8]"}};
	size_t k = 0;
	char sig[64];
	for (size_t i = 0; i < F.items.n; i++) {
		const fact_item *g = &F.items.v[i];
		if (g->kind != PT_IMPL)
			continue;
		assert_true(k < 6);
		assert_int_equal(g->flags, FI_TRAIT_IMPL | FI_MACRO_GEN);
		assert_string_equal(S(g->impl_trait), want[k][0]);
		assert_string_equal(S(g->impl_self), "");
		assert_int_equal(g->span.start_line, atoi(want[k][1]));
		snprintf(sig, sizeof sig, "%simpl%s %s for %s", k < 4 ? "unsafe " : "",
			 k < 4 ? "<T>" : "", want[k][0], want[k][2]);
		assert_string_equal(S(g->sig), sig);
		k++;
	}
}

/* Calls written in macro arguments, read from the tokens. */
static void test_macro_calls(void **state)
{
	(void)state;
	run("struct P { name: String }\n"                              /* 0 */
	    "impl P {\n"                                               /* 1 */
	    "    fn show(&self, f: &mut Formatter, n: Node) {\n"       /* 2 */
	    "        println!(\"{}\", g(n));\n"                        /* 3 */
	    "        assert_eq!(n.len(), h::k::<u8>());\n"             /* 4 */
	    "        let v = vec![h(1), n.walk(), self.name.len()];\n" /* 5 */
	    "        write!(f, \"{}\", self.name());\n"                /* 6 */
	    "        format!(\"{x}\", x = Self::make(other.m()));\n"   /* 7 */
	    "        let c = |y| y;\n"                                 /* 8 */
	    "        dbg!(c(1), inner!(deep(2)));\n"                   /* 9 */
	    "    }\n"                                                  /* 10 */
	    "}\n"                                                      /* 11 */
	    "macro_rules! m { () => { call_me(); $x.meth() }; }\n");   /* 12 */
	int show = item(PT_METHOD, "show");
	const fact_ref *r = ref(FR_CALL_PATH, "g");
	assert_int_equal(r->from, show);
	assert_int_equal(r->span.start_line, 3);
	assert_int_equal(r->span.start_col, 23);
	assert_int_equal(r->span.end_col, 24);
	assert_recv(ref(FR_CALL_METHOD, "len"), RECV_TYPE, "Node", "");
	r = ref(FR_CALL_PATH, "h::k");
	assert_int_equal(r->span.start_line, 4);
	assert_int_equal(r->span.start_col, 31); /* `k` */
	assert_int_equal(count_refs(FR_CALL_PATH, "h"), 1);
	assert_recv(ref(FR_CALL_METHOD, "walk"), RECV_TYPE, "Node", "");
	assert_recv(ref_nth(FR_CALL_METHOD, "len", 1), RECV_FIELD, "Self", "name");
	assert_recv(ref(FR_CALL_METHOD, "name"), RECV_TYPE, "Self", "");
	assert_int_equal(ref(FR_CALL_METHOD, "name")->span.start_line, 6);
	assert_non_null(ref(FR_CALL_PATH, "Self::make"));
	assert_recv(ref(FR_CALL_METHOD, "m"), RECV_NONE, "", "");
	assert_int_equal(count_refs(FR_CALL_PATH, "c"), 0); /* a local closure */
	assert_non_null(ref(FR_MACRO_CALL, "inner"));
	assert_int_equal(ref(FR_MACRO_CALL, "inner")->span.start_line, 9);
	assert_int_equal(ref(FR_CALL_PATH, "deep")->from, show);
	assert_int_equal(count_refs(FR_CALL_PATH, "call_me"), 0);
	assert_int_equal(count_refs(FR_CALL_METHOD, "meth"), 0);
	assert_int_equal(count_refs(FR_CALL_PATH, "x"), 0);
	assert_int_equal(count_refs(FR_CALL_PATH, "println"), 0);

	/* keywords and quote!-style `#var` are not callees; fn headers are not calls */
	run("fn f() { m!(for x in (0..n) { go(x) } #var (y) move (z) self (w)); n!(fn decl(a: u8) "
	    "{}); }\n");
	assert_int_equal(F.refs.n, 3); /* m, go, n */
	assert_non_null(ref(FR_MACRO_CALL, "m"));
	assert_non_null(ref(FR_MACRO_CALL, "n"));
	assert_int_equal(ref(FR_CALL_PATH, "go")->from, 0);

	/* names the macro's own tokens bind shadow the outer locals */
	run("fn f(x: Foo, y: Foo, z: Foo, w: Foo) {\n"
	    "    assert!(v.iter().all(|x| x.a()));\n"
	    "    m!({ let y = g(); y.b() }, for z in it { z.c() }, |q, w| w.d(), z.e());\n"
	    "    n!(x.f(), y.g(), q.h());\n"
	    "}\n");
	assert_recv(ref(FR_CALL_METHOD, "f"), RECV_TYPE, "Foo",
		    ""); /* another macro: x is the param */
	assert_recv(ref(FR_CALL_METHOD, "g"), RECV_TYPE, "Foo", "");
	assert_recv(ref(FR_CALL_METHOD, "h"), RECV_NONE, "", "");
	assert_recv(ref(FR_CALL_METHOD, "a"), RECV_NONE, "", "");
	assert_recv(ref(FR_CALL_METHOD, "b"), RECV_NONE, "", "");
	assert_recv(ref(FR_CALL_METHOD, "c"), RECV_NONE, "", "");
	assert_recv(ref(FR_CALL_METHOD, "d"), RECV_NONE, "", "");
	assert_recv(ref(FR_CALL_METHOD, "e"), RECV_NONE, "", ""); /* `z` rebound in this macro */
	assert_recv(ref(FR_CALL_METHOD, "all"), RECV_NONE, "", "");
}

/* The receivers of calls in macro arguments, read from the tokens as the
 * walk reads a tree: method results, fields, `?`, an index, a fn's result,
 * tuple fields (`debug_assert!(self.flags().unicode())`,
 * `trace!(rem = src.remaining())`). */
static void test_macro_arg_chains(void **state)
{
	(void)state;
	run("struct P { inner: Q }\n"
	    "impl P {\n"
	    "    fn f(&self, src: Buf, t: (A, B)) {\n"
	    "        debug_assert!(self.flags().unicode());\n"
	    "        trace!(rem = src.remaining(), n = self.inner.len());\n"
	    "        println!(\"{}\", src.get()?.name());\n"
	    "        assert!(t.0.ok() && Q::new().empty() && src.all()[0].first());\n"
	    "        assert!(f(x).g().h());\n"
	    "    }\n"
	    "}\n");
	assert_recv(ref(FR_CALL_METHOD, "unicode"), RECV_MRET, "Self", "flags");
	assert_recv(ref(FR_CALL_METHOD, "flags"), RECV_TYPE, "Self", "");
	assert_recv(ref(FR_CALL_METHOD, "remaining"), RECV_TYPE, "Buf", "");
	assert_recv(ref(FR_CALL_METHOD, "len"), RECV_FIELD, "Self", "inner");
	assert_recv(ref(FR_CALL_METHOD, "name"), RECV_CHAIN, "Buf", "T:get?");
	assert_recv(ref(FR_CALL_METHOD, "ok"), RECV_FIELD, "()<A,B>", "0");
	assert_recv(ref(FR_CALL_METHOD, "empty"), RECV_RET, "Q::new", "");
	assert_recv(ref(FR_CALL_METHOD, "first"), RECV_CHAIN, "Buf", "T:all[");
	assert_recv(ref(FR_CALL_METHOD, "h"), RECV_CHAIN, "f", "R:g");
	assert_non_null(ref(FR_CALL_PATH, "Q::new"));
}

/* ---- robustness -------------------------------------------------------------------------- */

static void test_syntax_errors(void **state)
{
	(void)state;
	run("fn good() { call(); }\n"
	    "fn broken( { let = ; }\n"
	    "struct Fine { a: u8 }\n"
	    "impl Fine { fn m(&self) -> { } }\n"
	    "fn also_good() {}\n");
	assert_true(F.n_errors > 0);
	assert_true(item(PT_FUNCTION, "good") >= 0);
	assert_true(item(PT_STRUCT, "Fine") >= 0);
	assert_true(item(PT_FUNCTION, "also_good") >= 0);
	assert_non_null(ref_nth(FR_CALL_PATH, "call", 0));
	for (size_t i = 0; i < F.items.n; i++)
		assert_true(F.items.v[i].parent < (int32_t)i);
}

static void deep(pt_strbuf *b, const char *head, const char *open, const char *mid,
		 const char *close, int n, const char *tail)
{
	b->len = 0;
	pt_strbuf_adds(b, head);
	for (int i = 0; i < n; i++)
		pt_strbuf_adds(b, open);
	pt_strbuf_adds(b, mid);
	for (int i = 0; i < n; i++)
		pt_strbuf_adds(b, close);
	pt_strbuf_adds(b, tail);
}

static void test_deep_nesting(void **state)
{
	(void)state;
	pt_strbuf b = {0};
	deep(&b, "fn f() { let x = ", "(", "a.m()", ")", 10000, "; }\n");
	run_len(b.buf, b.len);
	assert_non_null(ref_nth(FR_CALL_METHOD, "m", 0));
	deep(&b, "fn f() ", "{ ", "g();", " }", 10000, "\n");
	run_len(b.buf, b.len);
	assert_non_null(ref_nth(FR_CALL_PATH, "g", 0));
	deep(&b, "", "mod m { ", "fn leaf() {}", " }", 10000, "\n");
	run_len(b.buf, b.len);
	assert_int_equal(count_items(PT_MODULE), 10000);
	assert_int_equal(it(PT_FUNCTION, "leaf")->parent, 9999);
	deep(&b, "use a::", "{b::", "c", "}", 10000, ";\n");
	run_len(b.buf, b.len);
	deep(&b, "fn f(x: ", "&", "T", "", 10000, ") {}\n");
	run_len(b.buf, b.len);
	deep(&b, "fn f(x: ", "Vec<", "T", ">", 10000, ") -> <<X as Y>::Z as W>::V { x.m() }\n");
	run_len(b.buf, b.len);
	deep(&b, "fn f() { ", "<", "T", ">::f", 2000, "(); }\n");
	run_len(b.buf, b.len);
	deep(&b, "m! { ", "impl<", "T", ">", 5000, " }\n");
	run_len(b.buf, b.len);
	deep(&b, "fn f() { let ", "(", "a", ",)", 10000, " = 1; }\n");
	run_len(b.buf, b.len);
	deep(&b, "fn f() { ", "|x| ", "x.m()", "", 5000, "; }\n");
	run_len(b.buf, b.len);
	/* macro bodies: re-parsed a bounded number of levels deep */
	deep(&b, "", "m! { ", "fn leaf() {}", " }", 10000, "\n");
	run_len(b.buf, b.len);
	deep(&b, "", "m! { mod x { ", "fn leaf() {}", " } }", 3000, "\n");
	run_len(b.buf, b.len);
	assert_true(count_items(PT_MODULE) >= 8);
	deep(&b, "", "cfg_if! { if #[cfg(a)] { ", "fn leaf() {}", " } }", 10000, "\n");
	run_len(b.buf, b.len);
	deep(&b, "fn f() { println!(\"{}\", ", "g(", "x.m()", ")", 10000, "); }\n");
	run_len(b.buf, b.len);
	assert_non_null(ref_nth(FR_CALL_PATH, "g", 0));
	deep(&b, "macro_rules! m { ($t:ty) => { impl A for $t {} }; }\nm!(", "(", "X", ")", 10000,
	     ");\n");
	run_len(b.buf, b.len);
	/* a repetition over more types than PT_MACRO_MAX_DEPTH allows is a
	 * limit reached (nothing made), below it every type gets its impl */
	deep(&b, "macro_rules! m { ($($t:ty)*) => { $(impl A for $t {})* }; }\nm!(", "X ", "", "",
	     10000, ");\n");
	run_len(b.buf, b.len);
	deep(&b, "macro_rules! m { ($($t:ty)*) => { $(impl A for $t {})* }; }\nm!(", "X ", "", "",
	     2500, ");\n");
	run_len(b.buf, b.len);
	assert_int_equal(count_items(PT_IMPL), 2500);
	pt_strbuf_free(&b);
}

static void test_bad_bytes(void **state)
{
	(void)state;
	static const char nul[] =
		"fn a() {}\0fn b() { \"\0\" }\n\xff\xfe fn c(\x80) {} struct \xc3( \nfn d() {}\n";
	run_len(nul, sizeof nul - 1);
	assert_true(item(PT_FUNCTION, "a") >= 0);
	assert_true(F.n_errors > 0);
	assert_true(item(PT_FUNCTION, "d") >= 0);

	run_len("", 0);
	assert_int_equal(F.items.n, 0);
	assert_int_equal(F.n_lines, 0);
	run_len("fn a() {}", 9);
	assert_int_equal(F.n_lines, 1);
	pt_facts_free(&F);
	pt_facts_init(&F);
	assert_int_equal(pt_extractor_text(X, NULL, 0, &F), PT_OK);

	/* random bytes and random Rust-ish token soup: no crash, sane indexes */
	static const char *toks[] = {
		"fn",
		"struct",
		"impl",
		"for",
		"trait",
		"mod",
		"use",
		"let",
		"{",
		"}",
		"(",
		")",
		"<",
		">",
		"::",
		":",
		";",
		",",
		"=",
		"&",
		"'a",
		"x",
		"T",
		"Self",
		"self",
		".",
		"m",
		"!",
		"#[derive(A)]",
		"pub",
		"where",
		"->",
		"as",
		"*",
		"\"s\"",
		"'c'",
		"|",
		"match",
		"=>",
		"dyn",
		"r#x",
		"\n",
		"\0",
		"\xff",
		"/*",
		"*/",
		"//",
	};
	pt_strbuf b = {0};
	srand(7);
	for (int round = 0; round < 300; round++) {
		b.len = 0;
		int n = rand() % 200;
		for (int i = 0; i < n; i++) {
			if (round % 3 == 0) {
				pt_strbuf_addc(&b, (char)(rand() & 0xff));
			} else {
				const char *t = toks[rand() % (sizeof toks / sizeof toks[0])];
				pt_strbuf_add(&b, t, t[0] ? strlen(t) : 1);
				pt_strbuf_addc(&b, ' ');
			}
		}
		run_len(b.buf ? b.buf : "", b.len);
		for (size_t i = 0; i < F.items.n; i++)
			assert_true(F.items.v[i].parent >= -1 && F.items.v[i].parent < (int32_t)i);
		for (size_t i = 0; i < F.refs.n; i++)
			assert_true(F.refs.v[i].from >= -1 &&
				    F.refs.v[i].from < (int32_t)F.items.n);
		pt_strbuf enc = {0};
		pt_facts g;
		pt_facts_init(&g);
		pt_facts_encode(&F, &enc);
		assert_int_equal(pt_facts_decode(enc.buf, enc.len, &g), 0);
		pt_facts_free(&g);
		pt_strbuf_free(&enc);
	}
	pt_strbuf_free(&b);
}

/* Macro bodies are re-parsed and token-scanned: the same care with
 * broken bytes and random shapes there. */
static void test_bad_macro_bodies(void **state)
{
	(void)state;
	static const char nul[] =
		"m! { fn a() {} \0 \xff impl X for Y {} }\n"
		"cfg_if! { if #[cfg(a)] { \xff\0 mod x; } else { fn \x80() {} } }\n"
		"fn f() { println!(\"\0\", g(\xff), x.\xc3(1)); }\n";
	run_len(nul, sizeof nul - 1);
	assert_true(F.n_errors > 0);
	assert_non_null(ref_nth(FR_CALL_PATH, "g", 0));

	static const char *toks[] = {
		"m!",    "cfg_if!", "macro_rules!",
		"impl",  "for",     "fn",
		"mod",   "x",       ";",
		"{",     "}",       "(",
		")",     "[",       "]",
		"<",     ">",       "::",
		",",     "#",       "$t",
		"$(",    ")*",      ":ty",
		"=>",    "if",      "else",
		".",     "self",    "struct",
		"pub",   "use",     "\0",
		"\xff",  "'a",      "&",
		"\"s\"", "\n",
	};
	pt_strbuf b = {0};
	srand(11);
	for (int round = 0; round < 300; round++) {
		b.len = 0;
		int n = rand() % 300;
		for (int i = 0; i < n; i++) {
			const char *t = toks[rand() % (sizeof toks / sizeof toks[0])];
			pt_strbuf_add(&b, t, t[0] ? strlen(t) : 1);
			pt_strbuf_addc(&b, ' ');
		}
		run_len(b.buf ? b.buf : "", b.len);
		for (size_t i = 0; i < F.items.n; i++)
			assert_true(F.items.v[i].parent >= -1 && F.items.v[i].parent < (int32_t)i);
		for (size_t i = 0; i < F.refs.n; i++)
			assert_true(F.refs.v[i].from >= -1 &&
				    F.refs.v[i].from < (int32_t)F.items.n);
		pt_strbuf enc = {0};
		pt_facts g;
		pt_facts_init(&g);
		pt_facts_encode(&F, &enc);
		assert_int_equal(pt_facts_decode(enc.buf, enc.len, &g), 0);
		pt_facts_free(&g);
		pt_strbuf_free(&enc);
	}
	pt_strbuf_free(&b);
}

static void test_timeout(void **state)
{
	(void)state;
	pt_strbuf b = {0};
	for (int i = 0; i < 20000; i++)
		pt_strbuf_printf(&b, "fn f%d(x: u32) -> u32 { let y = x * %d + g(x); y }\n", i, i);
	pt_extractor_set_timeout(X, 1);
	pt_facts_free(&F);
	pt_facts_init(&F);
	assert_int_equal(pt_extractor_text(X, b.buf, b.len, &F), PT_ETIMEDOUT);
	assert_int_equal(F.items.n, 0);
	pt_extractor_set_timeout(X, 2000000);
	run("fn after() {}\n"); /* the parser was reset */
	assert_int_equal(F.items.n, 1);
	assert_string_equal(S(F.items.v[0].name), "after");
	pt_strbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_attributes_and_spans),
		cmocka_unit_test(test_sig),
		cmocka_unit_test(test_sig_limit),
		cmocka_unit_test(test_generics_and_ret),
		cmocka_unit_test(test_impl_headers),
		cmocka_unit_test(test_uses),
		cmocka_unit_test(test_path_calls),
		cmocka_unit_test(test_receivers),
		cmocka_unit_test(test_type_refs),
		cmocka_unit_test(test_receiver_chains),
		cmocka_unit_test(test_receiver_matches_and_closures),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_try_macro),
		cmocka_unit_test(test_macro_items),
		cmocka_unit_test(test_macro_items_after_comments),
		cmocka_unit_test(test_macro_items_partial),
		cmocka_unit_test(test_macro_templates),
		cmocka_unit_test(test_macro_template_attributes),
		cmocka_unit_test(test_macro_template_array_impls),
		cmocka_unit_test(test_macro_calls),
		cmocka_unit_test(test_macro_arg_chains),
		cmocka_unit_test(test_generic_fields),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_bad_macro_bodies),
		cmocka_unit_test(test_timeout),
	};
	return pt_run_tests(tests, setup, teardown);
}
