/* tests/test_extract_macro.c — Rust snippets with macro invocations →
 * facts, checked by hand: `try!`, macro_rules! items and their templates,
 * items and calls made inside invocations, and broken macro bodies. The
 * other facts are in tests/test_extract.c; the fixture is
 * tests/extract_fixture.h. */
#include "extract_fixture.h"

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

/* A definition under #[cfg(doc)] exists for rustdoc only (quote's documented
 * `quote!` stands beside the #[cfg(not(doc))] one every build expands): an
 * invocation expands the other definition, even when the stand-in is the
 * nearer one before it. */
static void test_macro_doc_stand_in(void **state)
{
	(void)state;
	run("#[cfg(not(doc))]\n"
	    "#[macro_export]\n"
	    "macro_rules! q { ($e:expr) => { $crate::helper($e) }; }\n"
	    "#[cfg(doc)]\n"
	    "#[macro_export]\n"
	    "macro_rules! q { ($($t:tt)*) => { stand_in() }; }\n"
	    "#[cfg(doc)] fn documented() {}\n"
	    "macro_rules! after { () => {} }\n"
	    "fn f() { q!(1); }\n");
	assert_int_equal(F.macros.n, 3);
	assert_int_equal(F.macros.v[0].flags, FM_EXPORT);
	assert_int_equal(F.macros.v[1].flags, FM_EXPORT | FM_DOC);
	assert_int_equal(F.macros.v[2].flags, 0); /* the attribute was a fn's */
	int f = item(PT_FUNCTION, "f");
	assert_int_equal(count_refs(FR_CALL_PATH, "stand_in"), 0);
	const fact_ref *r = ref(FR_CALL_PATH, "crate::helper");
	assert_non_null(r);
	assert_int_equal(r->from, f);
}

/* `$w(x)` where `$w:expr` took a path of several tokens: the expansion
 * keeps the fragment one operand, `(Self::write_u16)(x)` (byteorder's
 * write_slice!), which calls that path, as `(crate::free)(2)` written by
 * hand does; a parenthesized field is a value called, no method. */
static void test_macro_paren_path_calls(void **state)
{
	(void)state;
	run("macro_rules! each { ($w:expr) => { $w(1) }; }\n" /* 0 */
	    "pub fn free(n: u8) {}\n"                         /* 1 */
	    "impl Bo for Be {\n"                              /* 2 */
	    "    fn w(n: u8) {}\n"                            /* 3 */
	    "    fn wi(&self) {\n"                            /* 4 */
	    "        each!(Self::w);\n"                       /* 5 */
	    "        each!(crate::free);\n"                   /* 6 */
	    "        (crate::free)(2);\n"                     /* 7 */
	    "        (self.f)(3);\n"                          /* 8 */
	    "    }\n"
	    "}\n");
	int wi = item(PT_METHOD, "wi");
	const fact_ref *r = ref(FR_CALL_PATH, "Self::w");
	assert_non_null(r);
	assert_int_equal(r->from, wi);
	assert_int_equal(r->span.start_line, 5);
	assert_int_equal(r->span.start_col, 20); /* `w`, in the invocation */
	assert_int_equal(count_refs(FR_CALL_PATH, "crate::free"), 2);
	assert_int_equal(ref_nth(FR_CALL_PATH, "crate::free", 1)->span.start_line, 7);
	assert_int_equal(count_refs(FR_CALL_METHOD, "f"), 0);
}

/* A #[cfg(..)] on a macro invocation is the condition of everything it
 * expands to (serde's `#[cfg(feature = "std")] declare_error_trait!(..)`
 * beside the `not(feature = "std")` one): each top item of the output takes
 * it, joined with its own. */
static void test_macro_invocation_cfg(void **state)
{
	(void)state;
	run("macro_rules! declare {\n"
	    "    ($n:ident) => {\n"
	    "        pub trait $n { fn custom() -> Self; }\n"
	    "        #[cfg(unix)] pub fn helper() {}\n"
	    "    };\n"
	    "}\n"
	    "#[cfg(feature = \"std\")]\n"
	    "declare!(Error);\n"
	    "#[cfg(not(feature = \"std\"))]\n"
	    "declare!(Error);\n"
	    "declare!(Plain);\n");
	int n = 0;
	const char *want[] = {"all(feature = \"std\")", "all(not(feature = \"std\"))"};
	for (size_t i = 0; i < F.items.n; i++) {
		const fact_item *t = &F.items.v[i];
		if (t->kind == PT_TRAIT && strcmp(S(t->name), "Error") == 0)
			assert_string_equal(S(t->cfg), want[n++]);
	}
	assert_int_equal(n, 2);
	assert_string_equal(S(it(PT_TRAIT, "Plain")->cfg), "");
	assert_string_equal(S(it(PT_FUNCTION, "helper")->cfg),
			    "all(all(feature = \"std\"), all(unix))");
	assert_string_equal(S(it(PT_METHOD, "custom")->cfg), ""); /* its trait's is enough */
}

/* pin-project-lite writes `impl <$($impl_generics)*> $ident <$($ty_generics)*>`:
 * for a struct without generics, `impl <> Addr <> { fn project(..) }`,
 * which is `impl Addr`; its methods are Addr's, not free fns. */
static void test_macro_empty_generics(void **state)
{
	(void)state;
	run("macro_rules! pp {\n"
	    "    ($n:ident $(<$($g:ident),*>)?) => {\n"
	    "        pub struct $n <$($($g),*)?> { x: u8 }\n"
	    "        impl <$($($g),*)?> $n <$($($g),*)?> {\n"
	    "            fn project(&self) -> u8 { helper::<>() }\n"
	    "        }\n"
	    "    };\n"
	    "}\n"
	    "pp!(Addr);\n"
	    "pp!(Gen<T>);\n");
	assert_int_equal(count_items(PT_FUNCTION), 0);
	assert_int_equal(count_items(PT_METHOD), 2);
	int n = 0;
	for (size_t i = 0; i < F.items.n; i++) {
		const fact_item *t = &F.items.v[i];
		if (t->kind != PT_IMPL)
			continue;
		assert_string_equal(S(t->impl_self), n++ ? "Gen" : "Addr");
	}
	assert_int_equal(n, 2);
	assert_non_null(ref(FR_CALL_PATH, "helper"));
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
		assert_facts_sound();
	}
	pt_strbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_try_macro),
		cmocka_unit_test(test_macro_items),
		cmocka_unit_test(test_macro_items_after_comments),
		cmocka_unit_test(test_macro_items_partial),
		cmocka_unit_test(test_macro_templates),
		cmocka_unit_test(test_macro_template_attributes),
		cmocka_unit_test(test_macro_template_array_impls),
		cmocka_unit_test(test_macro_calls),
		cmocka_unit_test(test_macro_doc_stand_in),
		cmocka_unit_test(test_macro_paren_path_calls),
		cmocka_unit_test(test_macro_invocation_cfg),
		cmocka_unit_test(test_macro_empty_generics),
		cmocka_unit_test(test_macro_arg_chains),
		cmocka_unit_test(test_bad_macro_bodies),
	};
	return pt_run_tests(tests, setup, teardown);
}
