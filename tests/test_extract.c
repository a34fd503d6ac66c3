/* tests/test_extract.c — Rust snippets → facts, checked by hand: items,
 * uses, calls and receivers, types and fields, and robustness. Macro
 * invocations are in tests/test_extract_macro.c; the fixture is
 * tests/extract_fixture.h. */
#include "extract_fixture.h"

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

/* ---- types and fields ----------------------------------------------------------------- */

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

/* `(T)` is T itself, not a tuple (`(T,)` is one): pin-project-lite's
 * projections write their fields `Pin<&'__pin mut (Ty)>` and
 * `&'__pin mut (Ty)`. */
static void test_paren_types(void **state)
{
	(void)state;
	run("struct P<'a, St> { s: Pin<&'a mut (Fuse<St>)>, o: &'a mut (Option<u8>), t: (Node,), "
	    "u: (A, B), d: &'a [(&'a Field, Option<&'a (dyn Value + 'a)>)], e: Vec<Box<dyn Tr>> "
	    "}\n"
	    "fn f() -> (Node) { todo!() }\n");
	/* an element that is a trait object is known by its trait */
	const char *want[][2] = {{"s", "Fuse<St>"},
				 {"o", "Option<u8>"},
				 {"t", "()<Node>"},
				 {"u", "()<A,B>"},
				 {"d", "[]<()<Field,Option<Value>>>"},
				 {"e", "Vec<Tr>"}};
	assert_int_equal(F.fields.n, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(S(F.fields.v[i].name), want[i][0]);
		assert_string_equal(S(F.fields.v[i].type), want[i][1]);
	}
	assert_string_equal(S(it(PT_FUNCTION, "f")->ret_type), "Node");
}

/* A generic type of no known kind keeps its type arguments (lifetimes
 * left out, "_" for one without a path), so that a field or method
 * result of parameter type can be read from them; containers and
 * pointers keep their element as before. */
static void test_type_argument_texts(void **state)
{
	(void)state;
	run("struct S<'a, T> { a: Sp<Kind>, b: Data<'a, B>, d: Foo<u8, Bar<Baz>>, e: Vec<Sp<X>>, "
	    "f: Box<Sp<X>>, g: Iter<'a>, h: M<K, (A, B)>, i: Fuse<T>, j: N<[u8; 4]> }\n"
	    "fn f() -> Sp<Kind> { todo!() }\n");
	const char *want[][2] = {
		{"a", "Sp<Kind>"},     {"b", "Data<B>"},    {"d", "Foo<u8,Bar<Baz>>"},
		{"e", "Vec<Sp<X>>"},   {"f", "Box<Sp<X>>"}, {"g", "Iter"},
		{"h", "M<K,()<A,B>>"}, {"i", "Fuse<T>"},    {"j", "N<[]<u8>>"}};
	assert_int_equal(F.fields.n, 9);
	for (size_t i = 0; i < 9; i++) {
		assert_string_equal(S(F.fields.v[i].name), want[i][0]);
		assert_string_equal(S(F.fields.v[i].type), want[i][1]);
	}
	assert_string_equal(S(it(PT_FUNCTION, "f")->ret_type), "Sp<Kind>");
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
		assert_facts_sound();
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
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_generic_fields),
		cmocka_unit_test(test_paren_types),
		cmocka_unit_test(test_type_argument_texts),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_timeout),
	};
	return pt_run_tests(tests, setup, teardown);
}
