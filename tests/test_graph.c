/* tests/test_graph.c — resolution rules, end to end through index_run and
 * the query API, on small hand-checked workspaces written by each test:
 * modules and uses, targets, macros, variants, names and re-exports,
 * sessions and incremental re-indexing, the store's check. Receiver typing
 * is in tests/test_graph_recv.c; the fixture is tests/graph_fixture.h.
 * The expected answers are written by hand from the Rust below. */
#define _GNU_SOURCE
#include "graph_fixture.h"

#include "../graph/check.h"
#include "../graph/workspace.h"

static void test_modules_and_uses(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"mod a;\nmod b;\npub mod c { pub fn deep() {} }\n"
		"use crate::a::helper as h;\nuse self::c::{self as cc};\n"
		"pub fn top() { h(); b::bfn(); c::deep(); cc::deep(); }\n",
		"src/a.rs", "pub fn helper() { super::b::bfn(); }\n", "src/b.rs",
		"use crate::c::*;\npub fn bfn() { deep(); }\n", NULL);
	assert_answer(&w, "callees", "t::top", "t::a::helper,t::b::bfn,t::c::deep");
	assert_answer(&w, "callees", "t::a::helper", "t::b::bfn");
	assert_answer(&w, "callees", "t::b::bfn", "t::c::deep");
	assert_answer(&w, "callers", "t::c::deep", "t::b::bfn,t::top");
	ws_free(&w);
}

/* A glob import sees what the globbed module shows the importer: a child's
 * `use super::*` everything of its parent, a glob of another module its
 * `pub` items and `pub use`s only (rustc: private imports and items are
 * visible in their module and below). So a private glob of seq does not
 * carry ops' Eq and hidden fn into imp, and a parent that re-exports its
 * children (`pub use self::sse2::*`) while they glob it back privately
 * (`use crate::x86::*`, as core::arch does) gives each name its one
 * definition, from whichever file asks. */
static void test_glob_visibility(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub mod ops { pub trait Eq {} pub fn hidden() {} }\n"
		"pub mod seq { use crate::ops::*; pub fn s() { hidden(); } }\n"
		"pub mod imp { use crate::seq::*; pub struct T;\n"
		"  impl Eq for T {}\n  fn hidden() {}\n  pub fn go() { s(); hidden(); } }\n"
		"pub mod x86 { mod sse2; mod avx; mod avx2;\n"
		"  pub use self::sse2::*; pub use self::avx::*; pub use self::avx2::*; }\n"
		"pub mod kid { fn k() {} pub mod inner { use super::*; pub fn i() { k(); } } }\n",
		"src/x86/sse2.rs", "use crate::x86::*;\npub fn zero() { one(); two(); }\n",
		"src/x86/avx.rs", "use crate::x86::*;\npub fn one() { zero(); two(); }\n",
		"src/x86/avx2.rs", "use crate::x86::*;\npub fn two() { zero(); one(); }\n", NULL);
	assert_answer(&w, "callees", "t::seq::s", "t::ops::hidden");
	assert_answer(&w, "callees", "t::imp::go", "t::imp::hidden,t::seq::s");
	assert_answer(&w, "impls", "t::ops::Eq", "");
	assert_answer(&w, "callees", "t::x86::sse2::zero", "t::x86::avx2::two,t::x86::avx::one");
	assert_answer(&w, "callees", "t::x86::avx::one", "t::x86::avx2::two,t::x86::sse2::zero");
	assert_answer(&w, "callees", "t::x86::avx2::two", "t::x86::avx::one,t::x86::sse2::zero");
	assert_answer(&w, "callees", "t::kid::inner::i", "t::kid::k");
	ws_free(&w);
}

/* `extern crate a as b;` names the crate a, never an item a of the crate
 * (std's `extern crate alloc as alloc_crate;` beside its `mod alloc`), and
 * at the crate root it puts b in every module's extern prelude (std::alloc's
 * `pub use alloc_crate::alloc::*;`). rustc resolves both calls to
 * liba::thing::helper. */
static void test_extern_crate_alias(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"liba\", \"app\"]\n", "liba/Cargo.toml",
		"[package]\nname = \"liba\"\nversion = \"0.1.0\"\n", "liba/src/lib.rs",
		"pub mod thing { pub fn helper() {} }\n", "app/Cargo.toml",
		"[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"
		"[dependencies]\nliba = { path = \"../liba\" }\n",
		"app/src/lib.rs",
		"extern crate liba as liba_crate;\n"
		"pub mod liba { pub use liba_crate::thing::*; }\n"
		"pub mod user { pub fn go() { crate::liba::helper(); } }\n"
		"pub mod deep { pub fn run() { liba_crate::thing::helper(); } }\n",
		NULL);
	assert_answer(&w, "callees", "app::user::go", "liba::thing::helper");
	assert_answer(&w, "callees", "app::deep::run", "liba::thing::helper");
	ws_free(&w);
}

/* serde's facade: every module says `use lib::*;`, and `lib` names std's
 * modules through a private module that globs std. `fmt::Display` there is
 * std's, as rustc resolves it; a use the facade does not make `pub` is not
 * seen through the glob. */
static void test_facade_glob_leaves(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"mod lib {\n"
		"    mod core { pub use std::*; }\n"
		"    pub use self::core::fmt::{self, Display};\n"
		"    use self::core::hash;\n"
		"}\n"
		"pub mod de {\n"
		"    use lib::*;\n"
		"    pub struct U;\n"
		"    impl fmt::Display for U { fn fmt(&self, f: &mut fmt::Formatter) -> "
		"fmt::Result "
		"{ Ok(()) } }\n"
		"    pub struct H;\n"
		"    impl hash::Hash for H { fn hash<S>(&self, s: &mut S) {} }\n"
		"    pub mod format {\n"
		"        use lib::fmt::Write;\n" /* Rust 2015: from the crate root */
		"        pub struct B;\n"
		"        impl Write for B { fn write_str(&mut self, s: &str) -> ::std::fmt::Result "
		"{ Ok(()) } }\n"
		"    }\n"
		"}\n",
		NULL);
	assert_answer(&w, "impls", "std::fmt::Display", "t::de::U");
	assert_answer(&w, "impls", "std::fmt::Write", "t::de::format::B");
	query_ids ids = {0};
	assert_int_equal(query_targets(w.txn, "std::hash::Hash", &ids), 0);
	assert_int_equal(ids.n, 0); /* the private `use` is not seen through the glob */
	pt_vec_free(&ids);
	ws_free(&w);
}

/* anyhow's shape: a stand-in trait for builds without std, and a `use`
 * of std's trait under the same name for builds with it. With the std
 * feature on (the default), rustc's impls and bounds are of std's trait,
 * in the root and in a module that imports the name from the root. */
static void test_cfg_off_standin_gives_way(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml",
		"[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2018\"\n"
		"[features]\ndefault = [\"std\"]\nstd = []\n",
		"src/lib.rs",
		"#[cfg(feature = \"std\")]\nuse std::error::Error as StdError;\n"
		"#[cfg(not(feature = \"std\"))]\ntrait StdError: core::fmt::Debug {}\n"
		"mod context;\n"
		"pub struct A;\n"
		"impl StdError for A {}\n",
		"src/context.rs",
		"use crate::StdError;\n"
		"pub struct B;\n"
		"impl StdError for B {}\n",
		NULL);
	assert_answer(&w, "impls", "std::error::Error", "t::A,t::context::B");
	ws_free(&w);
}

/* bitflags 1.x: the macro has its crate's name, so `use bitflags::bitflags;`
 * binds `bitflags` in the macro namespace too; the impls it writes name
 * `$crate::_core::ops::BitOr`, where `bitflags` is the crate and `_core` is
 * its `pub extern crate core as _core;`: std's trait. */
static void test_macro_named_like_its_crate(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"bf\", \"app\"]\n", "bf/Cargo.toml",
		"[package]\nname = \"bf\"\nversion = \"0.1.0\"\n", "bf/src/lib.rs",
		"#![no_std]\n"
		"pub extern crate core as _core;\n"
		"#[macro_export]\n"
		"macro_rules! bf {\n"
		"    (struct $name:ident;) => {\n"
		"        pub struct $name(u8);\n"
		"        impl $crate::_core::ops::BitOr for $name {\n"
		"            type Output = Self;\n"
		"            fn bitor(self, o: Self) -> Self { $name(self.0 | o.0) }\n"
		"        }\n"
		"    };\n"
		"}\n",
		"app/Cargo.toml",
		"[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"
		"[dependencies]\nbf = { path = \"../bf\" }\n",
		"app/src/lib.rs", "use bf::bf;\nbf! { struct F; }\n", NULL);
	assert_answer(&w, "impls", "std::ops::BitOr", "app::F");
	ws_free(&w);
}

/* serde's templates write a visitor type and its impl inside the body of
 * the fn they write: rustc has those impls (one per invocation), and the
 * calls in their methods. */
static void test_items_in_template_fn_bodies(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub trait Visitor { fn visit(&self) -> u8; }\n"
		"pub trait De { fn de() -> u8; }\n"
		"fn helper() -> u8 { 1 }\n"
		"macro_rules! num {\n"
		"    ($t:ident) => {\n"
		"        impl De for $t {\n"
		"            fn de() -> u8 {\n"
		"                struct PrimitiveVisitor;\n"
		"                impl Visitor for PrimitiveVisitor {\n"
		"                    fn visit(&self) -> u8 { helper() }\n"
		"                }\n"
		"                PrimitiveVisitor.visit()\n"
		"            }\n"
		"        }\n"
		"    };\n"
		"}\n"
		"pub struct A;\npub struct B;\n"
		"num!(A);\nnum!(B);\n",
		NULL);
	assert_answer(&w, "impls", "t::Visitor",
		      "t::A::de::PrimitiveVisitor,t::B::de::PrimitiveVisitor");
	assert_answer(&w, "callers", "t::helper",
		      "t::A::de::PrimitiveVisitor::visit,t::B::de::PrimitiveVisitor::visit");
	ws_free(&w);
}

/* `OsStr::from_raw_bytes(b)`: a std type's path, then an associated fn a
 * workspace trait implemented for it gives (the trait in scope), as
 * os_str_bytes writes; a std type's own fn (`OsStr::new`) is std's, and
 * without the trait in scope there is no callee. */
static void test_ext_type_path_call(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml",
		"[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n", "src/lib.rs",
		"use std::ffi::OsStr;\n"
		"pub trait OsStrBytes { fn from_raw_bytes(b: &[u8]) -> Option<&Self>; }\n"
		"impl OsStrBytes for OsStr { fn from_raw_bytes(b: &[u8]) -> Option<&Self> { None } "
		"}\n"
		"pub trait New { fn new(s: &str) -> Self; }\n"
		"impl New for u8 { fn new(s: &str) -> Self { 0 } }\n"
		"pub fn go(b: &[u8]) { OsStr::from_raw_bytes(b); OsStr::new(\"x\"); }\n"
		"pub mod other { pub fn no(b: &[u8]) { std::ffi::OsStr::from_raw_bytes(b); } }\n",
		NULL);
	assert_answer(&w, "callees", "t::go",
		      "t::OsStr::from_raw_bytes,t::OsStrBytes::from_raw_bytes");
	assert_answer(&w, "callees", "t::other::no", "");
	ws_free(&w);
}

static void test_mod_rs_and_path_attr(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"mod net;\n#[path = \"other/x.rs\"]\nmod renamed;\npub fn f() { net::conn::open(); "
		"renamed::g(); }\n",
		"src/net/mod.rs", "pub mod conn;\n", "src/net/conn.rs", "pub fn open() {}\n",
		"src/other/x.rs", "pub fn g() {}\n", NULL);
	assert_answer(&w, "callees", "t::f", "t::net::conn::open,t::renamed::g");
	ws_free(&w);
}

static const char *shapes =
	"pub struct Q;\n"
	"impl Q { pub fn norm(&self) -> f64 { 0.0 } pub fn new() -> Q { Q } }\n"
	"pub struct P { pub c: Q }\n"
	"impl P {\n"
	"    pub fn area(&self) -> f64 { self.c.norm() }\n"
	"    pub fn new() -> Self { P { c: Q::new() } }\n"
	"    fn helper() {}\n"
	"    pub fn run(&self) { Self::helper(); }\n"
	"}\n"
	"pub struct R;\n"
	"impl R { pub fn area(&self) -> f64 { 1.0 } }\n"
	"pub trait Area { fn area(&self) -> f64; fn twice(&self) -> f64 { self.area() * 2.0 } }\n"
	"impl Area for P { fn area(&self) -> f64 { P::area(self) } }\n"
	"impl Area for R { fn area(&self) -> f64 { 1.0 } }\n"
	"pub fn use_it(p: &P) {\n"
	"    p.area();\n"
	"    let q: Q = Q::new();\n"
	"    q.norm();\n"
	"    let x = P::new();\n"
	"    x.run();\n"
	"}\n"
	"pub fn total<T: Area>(t: &T) -> f64 { t.area() }\n"
	"pub fn dynamic(a: &dyn Area) -> f64 { a.twice() }\n"
	"pub fn qualified(p: &P) -> f64 { <P as Area>::area(p) }\n";

static void test_method_receivers(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", shapes, NULL);
	assert_answer(&w, "callees", "t::use_it",
		      "t::P::area,t::P::new,t::P::run,t::Q::new,t::Q::norm");
	assert_answer(&w, "callees", "t::P::run", "t::P::helper");
	/* `P::area` names both the inherent method and the trait impl's */
	assert_answer(&w, "callees", "t::total", "t::Area::area");
	assert_answer(&w, "callees", "t::dynamic", "t::Area::twice");
	/* `<P as Area>::area` names the concrete impl's method, and the
	 * trait's (rustc's callee) */
	assert_answer(&w, "callees", "t::qualified", "t::Area::area,t::P::area");
	query_results r = {0};
	rec_entity callee, parent;
	assert_int_equal(query_callees(w.txn, one(&w, "t::qualified"), 0, &r), 0);
	int in_impl = 0, in_trait = 0;
	for (size_t i = 0; i < r.items.n; i++) {
		assert_int_equal(query_entity(w.txn, r.items.v[i].id, &callee), 0);
		assert_int_equal(query_entity(w.txn, callee.parent, &parent), 0);
		in_impl += parent.kind == PT_IMPL && (parent.flags & ENT_TRAIT_IMPL);
		in_trait += parent.kind == PT_TRAIT;
	}
	assert_int_equal(in_impl, 1);
	assert_int_equal(in_trait, 1);
	query_results_free(&r);
	assert_answer(&w, "callees", "t::Area::twice", "t::Area::area");
	ws_free(&w);
}

static void test_impls_and_derives(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"use std::fmt;\n"
		"pub mod ast { pub trait Visitor { fn visit(&self); } }\n"
		"#[derive(Debug, Clone)]\npub struct S;\n"
		"pub struct W<T>(T);\n"
		"impl ast::Visitor for S { fn visit(&self) {} }\n"
		"impl<T: Clone> ast::Visitor for W<T> { fn visit(&self) {} }\n"
		"impl fmt::Display for S { fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { "
		"Ok(()) } }\n"
		"#[derive(Debug)]\nenum E { A }\n",
		NULL);
	assert_answer(&w, "impls", "ast::Visitor", "t::S,t::W");
	assert_answer(&w, "impls", "t::ast::Visitor::visit", "t::S::visit,t::W::visit");
	/* derives and hand impls of std traits meet at one placeholder */
	assert_answer(&w, "impls", "std::fmt::Debug", "t::E,t::S");
	assert_answer(&w, "impls", "std::fmt::Display", "t::S");
	assert_answer(&w, "impls", "std::clone::Clone", "t::S");
	ws_free(&w);
}

static void test_blast_radius_and_cycles(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"mod a;\nmod b;\npub fn f() { g(); }\npub fn g() { f(); }\npub fn h() { g(); "
		"}\npub fn k() { h(); }\n",
		"src/a.rs", "use crate::b::Bt;\npub struct At;\npub fn fa(_x: Bt) {}\n", "src/b.rs",
		"use crate::a::At;\npub struct Bt;\npub fn fb(_x: At) {}\n", NULL);
	assert_answer(&w, "blast", "t::g", "t::f,t::h,t::k");
	query_cycle_set c = {0};
	assert_int_equal(query_cycles(w.txn, CYCLES_MODULE | CYCLES_FUNCTION, &c), 0);
	assert_int_equal(c.level.n, 2);
	int mod = c.level.v[0] == CYCLES_MODULE ? 0 : 1;
	assert_int_equal(c.starts.v[mod + 1] - c.starts.v[mod], 2);
	rec_entity e1, e2;
	assert_int_equal(query_entity(w.txn, c.members.v[c.starts.v[mod]], &e1), 0);
	assert_int_equal(query_entity(w.txn, c.members.v[c.starts.v[mod] + 1], &e2), 0);
	assert_true((!strcmp(e1.qpath, "t::a") && !strcmp(e2.qpath, "t::b")) ||
		    (!strcmp(e1.qpath, "t::b") && !strcmp(e2.qpath, "t::a")));
	query_cycle_set_free(&c);
	ws_free(&w);
}

/* A path longer than any fixed buffer: blast radius at depth 70 over a
 * chain f0 → f1 → .. → f70 gives f0 a via path of all 71 entities, from
 * the target to f0 (it was cut at 64, losing the target). */
static void test_blast_radius_deep_via(void **state)
{
	(void)state;
	pt_strbuf src = {0};
	for (int i = 0; i < 70; i++)
		pt_strbuf_printf(&src, "pub fn f%d() { f%d(); }\n", i, i + 1);
	pt_strbuf_adds(&src, "pub fn f70() {}\n");
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", pt_strbuf_cstr(&src), NULL);
	uint64_t target = one(&w, "t::f70"), f0 = one(&w, "t::f0");
	query_results r = {0};
	assert_int_equal(query_blast_radius(w.txn, target, 100, 0, &r), 0);
	assert_int_equal(r.items.n, 70);
	const query_item *deepest = NULL;
	for (size_t i = 0; i < r.items.n; i++)
		if (r.items.v[i].id == f0)
			deepest = &r.items.v[i];
	assert_non_null(deepest);
	assert_int_equal(deepest->depth, 70);
	assert_int_equal(deepest->via_n, 71);
	assert_true(r.via.v[deepest->via_off] == target);
	assert_true(r.via.v[deepest->via_off + 70] == f0);
	for (uint32_t k = 1; k < 70; k++) {
		rec_entity e;
		char want[16];
		snprintf(want, sizeof want, "t::f%u", 70 - k);
		assert_int_equal(query_entity(w.txn, r.via.v[deepest->via_off + k], &e), 0);
		assert_string_equal(e.qpath, want);
	}
	query_results_free(&r);
	pt_strbuf_free(&src);
	ws_free(&w);
}

static void test_targets(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", shapes, NULL);
	query_ids ids = {0};
	assert_int_equal(query_targets(w.txn, "area", &ids), 0);
	assert_int_equal(ids.n, 5); /* P::area, R::area, Area::area, two impl methods */
	pt_vec_clear(&ids);
	assert_int_equal(query_targets(w.txn, "P::area", &ids), 0);
	assert_int_equal(ids.n, 2); /* inherent and `impl Area for P` */
	pt_vec_clear(&ids);
	assert_int_equal(query_targets(w.txn, "src/lib.rs:15", &ids), 0); /* `pub fn use_it` line */
	assert_int_equal(ids.n, 1);
	rec_entity e;
	assert_int_equal(query_entity(w.txn, ids.v[0], &e), 0);
	assert_string_equal(e.qpath, "t::use_it");
	pt_vec_clear(&ids);
	assert_int_equal(query_targets(w.txn, "nonexistent", &ids), 0);
	assert_int_equal(ids.n, 0);
	pt_vec_free(&ids);
	ws_free(&w);
}

/* A re-exported item is found by the path its users write. */
static void test_reexport_targets(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub mod a { pub mod b { pub struct Deep; pub fn deep() {} } }\npub use "
		"a::b::Deep;\n"
		"pub fn user(_d: Deep) { a::b::deep(); }\n",
		NULL);
	assert_int_equal(one(&w, "t::Deep") != 0, 1);
	rec_entity e;
	assert_int_equal(query_entity(w.txn, one(&w, "t::Deep"), &e), 0);
	assert_string_equal(e.qpath, "t::a::b::Deep");
	query_ids ids = {0};
	assert_int_equal(query_targets(w.txn, "t::c::Deep", &ids), 0);
	assert_int_equal(ids.n, 0); /* no segment `c` on the way */
	pt_vec_free(&ids);
	ws_free(&w);
}

/* The path of the one entity target names. */
static char *path_of(ws *w, const char *target)
{
	rec_entity e;
	assert_int_equal(query_entity(w->txn, one(w, target), &e), 0);
	return strdup(e.qpath);
}

#define assert_target(w, target, expected)                                                         \
	do {                                                                                       \
		char *got_ = path_of((w), (target));                                               \
		if (strcmp(got_, (expected)) != 0)                                                 \
			fail_msg("target %s: expected %s, got %s", target, expected, got_);        \
		free(got_);                                                                        \
	} while (0)

/* A path target is resolved the way `use` resolves it: through `pub use`
 * re-exports (renamed, of private modules, globs), and nothing stands in
 * for a path that leads nowhere (the tokio::spawn,
 * tokio::sync::Mutex, tokio::runtime::Runtime, syn::Item, clap::Parser
 * shapes; checked with rustc); a name the tool prints is a target. */
static void test_use_rule_targets(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"mod task;\npub mod sync;\npub mod runtime;\nmod item;\nmod loom;\nmod parser;\n"
		"mod derive;\npub use task::spawn;\npub use task::spawn as launch;\n"
		"pub use task::Handle;\npub use item::Item;\npub use crate::derive::Parser;\n"
		"pub mod prelude { pub use crate::item::*; }\npub mod iter { pub type Item = u8; "
		"}\n",
		"src/task.rs",
		"pub fn spawn() {}\npub struct Handle;\nimpl Handle { pub fn spawn(&self) {} }\n",
		"src/sync/mod.rs", "mod mutex;\npub use self::mutex::Mutex;\n", "src/sync/mutex.rs",
		"pub struct Mutex;\n", "src/runtime.rs",
		"mod imp { pub struct Runtime; }\npub use self::imp::Runtime;\n#[cfg(test)]\nmod "
		"tests { pub struct Runtime; }\n",
		"src/item.rs", "pub enum Item { Fn, Struct }\npub struct Other;\n", "src/loom.rs",
		"pub mod mocked { pub mod sync { pub struct Mutex; } }\n", "src/parser.rs",
		"pub mod parser { pub struct Parser; }\n", "src/derive.rs",
		"pub trait Parser { fn parse() -> Self; }\nimpl Parser for crate::task::Handle { "
		"fn "
		"parse() -> Self { crate::task::Handle } }\n",
		NULL);
	assert_target(&w, "t::spawn", "t::task::spawn");
	assert_target(&w, "t::launch", "t::task::spawn");
	assert_target(&w, "t::sync::Mutex", "t::sync::mutex::Mutex");
	assert_target(&w, "t::runtime::Runtime", "t::runtime::imp::Runtime");
	assert_target(&w, "t::Item", "t::item::Item");
	assert_target(&w, "t::prelude::Other", "t::item::Other");
	assert_target(&w, "t::Parser", "t::derive::Parser");
	assert_target(&w, "t::Handle::spawn", "t::task::Handle::spawn");
	/* names the tool prints */
	assert_target(&w, "t::derive::<impl Parser for crate::task::Handle>",
		      "t::derive::<impl Parser for crate::task::Handle>");
	assert_target(&w, "t::derive::Handle::parse", "t::derive::Handle::parse");
	/* nothing stands in: no `Handle` in sync, no `Runtime` at the root */
	query_ids ids = {0};
	assert_int_equal(query_targets(w.txn, "t::sync::Handle", &ids), 0);
	assert_int_equal(ids.n, 0);
	assert_int_equal(query_targets(w.txn, "t::nothing::Runtime", &ids), 0);
	assert_int_equal(ids.n, 0);
	/* ... but the closest are offered */
	assert_int_equal(query_target_suggestions(w.txn, "t::sync::Handle", 2, &ids), 0);
	assert_int_equal(ids.n, 1);
	rec_entity e;
	assert_int_equal(query_entity(w.txn, ids.v[0], &e), 0);
	assert_string_equal(e.qpath, "t::task::Handle");
	pt_vec_free(&ids);
	ws_free(&w);
}

static void test_incremental_reresolves(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", "mod a;\npub fn f() { a::later(); }\n",
		"src/a.rs", "pub fn other() {}\n", NULL);
	assert_answer(&w, "callees", "t::f", "");
	/* the callee appears in another file: the old unresolved call resolves */
	sleep(0);
	write_file(w.root, "src/a.rs", "pub fn other() {}\npub fn later() {}\n");
	ws_index(&w);
	assert_answer(&w, "callees", "t::f", "t::a::later");
	write_file(w.root, "src/a.rs", "pub fn other() {}\n");
	ws_index(&w);
	assert_answer(&w, "callees", "t::f", "");
	ws_free(&w);
}

static void test_loose_folder(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "main.rs", "mod util;\nfn main() { util::go(); }\n", "util.rs",
		"pub fn go() {}\n", "solo.rs", "pub fn alone() {}\n", NULL);
	assert_answer(&w, "callees", "main::main", "main::util::go");
	assert_int_equal(one(&w, "solo::alone") != 0, 1);
	ws_free(&w);
}

/* Methods a macro_rules! template defines inside an impl, named by the
 * invocation's arguments, are methods of that type. */
static void test_macro_made_methods(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub struct Info { bits: u16 }\n"
		"macro_rules! flag {\n"
		"    ($bit:expr, $is:ident, $set:ident) => {\n"
		"        pub fn $is(&self) -> bool { self.bits & (1 << $bit) != 0 }\n"
		"        pub fn $set(&mut self, yes: bool) { if yes { self.bits |= 1 << $bit } }\n"
		"    };\n"
		"}\n"
		"impl Info {\n"
		"    flag!(0, is_utf8, set_utf8);\n"
		"    flag!(1, is_anchored, set_anchored);\n"
		"}\n"
		"pub fn make(i: &mut Info) -> bool { i.set_utf8(true); i.is_anchored() }\n",
		NULL);
	assert_answer(&w, "callees", "t::make", "t::Info::is_anchored,t::Info::set_utf8");
	rec_entity e;
	assert_int_equal(query_entity(w.txn, one(&w, "t::Info::set_anchored"), &e), 0);
	assert_int_equal(e.sl, 9); /* at the invocation that names it */
	/* its name is where the invocation writes it: a position there
	 * designates it, not its sibling from the same invocation */
	assert_int_equal(e.nsl, 9);
	assert_int_equal(e.nsc, 26); /* `    flag!(1, is_anchored, set_anchored);` */
	assert_int_equal(e.nec, 38);
	assert_int_equal(one(&w, "src/lib.rs:10:28"), one(&w, "t::Info::set_anchored"));
	assert_int_equal(one(&w, "src/lib.rs:10:15"), one(&w, "t::Info::is_anchored"));
	ws_free(&w);
}

/* Calls written in a macro_rules! body are calls of the fn the expansion
 * sits in (or defines), at their place in the definition, with receivers
 * typed at the invocation: `$this` bound to `self`; `(**self)` in an impl
 * for `&mut T` or `Box<T>` is the T, known by its bounds. */
/* Macros defined in another file of the crate, and exported by another
 * crate of the workspace: the items they write (a trait with a default
 * method, a struct with its impl) are entities where they are invoked,
 * and the calls their bodies write are placed in the defining file. */
static void test_macros_of_other_files(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"flags\", \"app\"]\n",
		"flags/Cargo.toml", "[package]\nname = \"flags\"\nversion = \"0.1.0\"\n",
		"flags/src/lib.rs",
		"#[macro_use]\n"
		"mod macros;\n"
		"pub mod util;\n"
		"pub fn one() -> u8 { 1 }\n",
		"flags/src/macros.rs",
		"macro_rules! template {\n"                                        /* 0 */
		"    ($name:ident, $m:ident) => {\n"                               /* 1 */
		"        pub trait $name {\n"                                      /* 2 */
		"            fn $m(&self) -> u8;\n"                                /* 3 */
		"            fn twice(&self) -> u8 { self.$m() + crate::one() }\n" /* 4 */
		"        }\n"
		"    };\n"
		"}\n"
		"#[macro_export]\n"
		"macro_rules! bitset {\n"
		"    ($v:vis struct $n:ident: $t:ty { $(const $f:ident = $x:expr;)* }) => {\n"
		"        $v struct $n { bits: $t }\n"
		"        impl $n { $(pub const $f: $n = $n { bits: $x };)*\n"
		"            pub fn contains(&self, o: $n) -> bool { self.bits & o.bits == o.bits "
		"}\n"
		"            pub fn insert(&mut self, o: $n) { self.bits |= o.bits; $crate::one(); "
		"}\n"
		"        }\n"
		"    };\n"
		"}\n",
		"flags/src/util.rs",
		"template!(Shape, area);\n"
		"pub struct Sq;\n"
		"impl Shape for Sq { fn area(&self) -> u8 { 4 } }\n"
		"pub fn go(s: &Sq) -> u8 { s.twice() }\n",
		"app/Cargo.toml",
		"[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nflags = { path = "
		"\"../flags\" }\n",
		"app/src/lib.rs",
		"flags::bitset! {\n"
		"    pub struct Perm: u8 { const READ = 1; const WRITE = 2; }\n"
		"}\n"
		"pub fn check(p: &mut Perm) -> bool { p.insert(Perm::READ); "
		"p.contains(Perm::WRITE) }\n",
		NULL);
	/* a trait written by a template of another file, with its impls */
	assert_answer(&w, "impls", "flags::util::Shape", "flags::util::Sq");
	assert_answer(&w, "callees", "flags::util::go", "flags::util::Shape::twice");
	assert_answer(&w, "callees", "flags::util::Shape::twice",
		      "flags::one,flags::util::Shape::area");
	rec_entity e;
	assert_int_equal(query_entity(w.txn, one(&w, "flags::util::Shape"), &e), 0);
	assert_int_equal(e.sl, 0); /* at the invocation, its name where the invocation writes it */
	assert_int_equal(e.nsc, 10);
	/* the call the template's body writes is placed in the template */
	query_results r = {0};
	assert_int_equal(query_callers(w.txn, one(&w, "flags::one"), 0, &r), 0);
	bool in_template = false, in_bitset = false;
	for (size_t i = 0; i < r.items.n; i++)
		for (uint32_t j = 0; j < r.items.v[i].site_n; j++) {
			const query_site *s = &r.sites.v[r.items.v[i].site_off + j];
			const char *f = query_file_path(w.txn, s->file);
			in_template |=
				!strcmp(f, "flags/src/macros.rs") && s->line == 4 && s->col == 55;
			in_bitset |= !strcmp(f, "flags/src/macros.rs") && s->line == 14;
		}
	query_results_free(&r);
	assert_true(in_template);
	/* an exported macro of another crate: its struct, impl and methods */
	assert_answer(&w, "callees", "app::check", "app::Perm::contains,app::Perm::insert");
	assert_answer(&w, "callers", "flags::one", "app::Perm::insert,flags::util::Shape::twice");
	assert_true(in_bitset);
	assert_int_equal(query_entity(w.txn, one(&w, "app::Perm"), &e), 0);
	assert_int_equal(e.kind, PT_STRUCT);
	assert_int_equal(e.nsl, 1);
	assert_int_equal(e.nsc, 15); /* `Perm`, where the invocation writes it */
	ws_free(&w);
}

static void test_macro_body_calls(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"macro_rules! get {\n"
		"    ($this:ident, $n:expr) => {{ $this.skip($n); $this.left() as u8 }};\n"
		"    (be => $this:ident, $n:expr) => {{ $this.skip($n); 0 }};\n"
		"}\n"
		"pub trait Src {\n"
		"    fn left(&self) -> usize;\n"
		"    fn skip(&mut self, n: usize);\n"
		"    fn next_u8(&mut self) -> u8 { get!(self, 1) }\n"
		"    fn next_u16(&mut self) -> u8 { get!(be => self, 2) }\n"
		"}\n"
		"macro_rules! forward {\n"
		"    () => {\n"
		"        fn left(&self) -> usize { (**self).left() }\n"
		"        fn skip(&mut self, n: usize) { (**self).skip(n) }\n"
		"    };\n"
		"}\n"
		"impl<T: Src + ?Sized> Src for &mut T { forward!(); }\n"
		"impl<T: Src + ?Sized> Src for Box<T> { forward!(); }\n"
		"pub struct Bytes;\n"
		"impl Src for Bytes { fn left(&self) -> usize { 0 } fn skip(&mut self, _n: usize) "
		"{} }\n"
		"pub trait Len { fn len(&self) -> usize; }\n"
		"impl Len for Bytes { fn len(&self) -> usize { 0 } }\n"
		"pub struct Other; impl Other { pub fn len(&self) -> usize { 1 } }\n"
		"impl<T: Len + ?Sized> Len for &T { fn len(&self) -> usize { (**self).len() } }\n",
		NULL);
	assert_answer(&w, "callees", "t::Src::next_u8", "t::Src::left,t::Src::skip");
	assert_answer(&w, "callees", "t::Src::next_u16", "t::Src::skip");
	/* the forwarding methods made at both invocations (for `Box<T>` and
	 * `&mut T`, the latter named under its impl) call the trait's */
	assert_answer(&w, "callers", "t::Src::left",
		      "t::<impl Src for &mut T>::left,t::Box::left,t::Src::next_u8");
	assert_answer(
		&w, "callers", "t::Src::skip",
		"t::<impl Src for &mut T>::skip,t::Box::skip,t::Src::next_u16,t::Src::next_u8");
	/* the same written out of a macro */
	assert_answer(&w, "callers", "t::Len::len", "t::<impl Len for &T>::len");
	/* each call is where the definition writes it */
	query_results r = {0};
	assert_int_equal(query_references(w.txn, one(&w, "t::Src::left"), 0, &r), 0);
	bool at_def = false;
	for (size_t i = 0; i < r.items.n; i++)
		for (uint32_t j = 0; j < r.items.v[i].site_n; j++) {
			const query_site *s = &r.sites.v[r.items.v[i].site_off + j];
			at_def |= s->line == 12 && s->col == 43;
		}
	query_results_free(&r);
	assert_true(at_def);
	ws_free(&w);
}

/* `I::B::f()` with I a generic parameter and B an associated type of I's
 * bound declared `type B: Bd;`: Bd's f (rustc: t::Bd::lo), not a method
 * of I's own bound that has the same name. */
static void test_assoc_type_paths(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub trait Bd { fn lo() -> Self; fn hi() -> Self; }\n"
		"pub trait Iv { type B: Bd; fn lo(&self) -> Self::B; }\n"
		"pub fn mins<I: Iv>() -> (I::B, I::B) { (I::B::lo(), I::B::hi()) }\n"
		"macro_rules! pair { ($a:expr, $b:expr) => { ($a, $b) }; }\n"
		"pub fn toks<I: Iv>() -> (I::B, I::B) { pair!(I::B::lo(), I::B::hi()) }\n",
		NULL);
	assert_answer(&w, "callees", "t::mins", "t::Bd::hi,t::Bd::lo");
	assert_answer(&w, "callees", "t::toks", "t::Bd::hi,t::Bd::lo");
	ws_free(&w);
}

/* Names bound by variant patterns take the variant's field types. */
/* Sorted, comma-joined paths of what references id (its users). */
static char *users(ws *w, const char *target)
{
	query_results r = {0};
	assert_int_equal(query_references(w->txn, one(w, target), 0, &r), 0);
	pt_strbuf b = {0};
	pt_strbuf_add(&b, "", 0);
	char *names[64];
	size_t n = 0;
	for (size_t i = 0; i < r.items.n && n < 64; i++) {
		rec_entity e;
		assert_int_equal(query_entity(w->txn, r.items.v[i].id, &e), 0);
		names[n++] = strdup(e.qpath);
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		pt_strbuf_adds(&b, i ? "," : "");
		pt_strbuf_adds(&b, names[i]);
		free(names[i]);
	}
	query_results_free(&r);
	return b.buf;
}

/* Enum variants: entities under their enum; `E::A`, `E::B(x)`, `E::C {..}`,
 * `Self::A`, a `use E::A` and a glob `use E::*` name them; a use of a
 * variant is a use of its enum; building a tuple variant is no call. */
static void test_variants(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub enum Mode { Fast, Slow(u8), Named { n: u8 } }\n"
		"pub fn slow(n: u8) -> u8 { n }\n"
		"pub fn make() -> Mode { Mode::Slow(slow(1)) }\n"
		"pub fn named() -> Mode { Mode::Named { n: 2 } }\n"
		"impl Mode { pub fn fast() -> Self { Self::Fast } }\n"
		"pub mod user {\n"
		"    use super::Mode::*;\n"
		"    pub fn is_fast(m: &super::Mode) -> bool { match m { Fast => true, _ => false "
		"} }\n"
		"}\n"
		"pub mod other {\n"
		"    use super::Mode::Named;\n"
		"    pub fn n(m: super::Mode) -> u8 { if let Named { n } = m { n } else { 0 } }\n"
		"}\n"
		"pub fn unrelated() -> u8 { let Fast = 1; Fast }\n",
		NULL);
	rec_entity e;
	assert_int_equal(query_entity(w.txn, one(&w, "t::Mode::Slow"), &e), 0);
	assert_int_equal(e.kind, PT_VARIANT);
	assert_int_equal(e.sl, 0);
	assert_int_equal(e.sc, 22);
	char *u = users(&w, "t::Mode::Fast");
	assert_string_equal(u, "t::Mode::fast,t::user::is_fast");
	free(u);
	u = users(&w, "t::Mode::Slow");
	assert_string_equal(u, "t::make");
	free(u);
	u = users(&w, "t::Mode::Named");
	assert_string_equal(u, "t::named,t::other,t::other::n"); /* t::other: its `use` */
	free(u);
	/* the enum is used wherever a variant is */
	u = users(&w, "t::Mode");
	assert_string_equal(u, "t::Mode::fast,t::make,t::named,t::other::n,t::user::is_fast");
	free(u);
	/* `Mode::Slow(..)` builds a value: make calls slow() only */
	assert_answer(&w, "callees", "t::make", "t::slow");
	ws_free(&w);
}

static void test_variant_patterns(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub struct Lit; impl Lit { pub fn span(&self) {} }\n"
		"pub struct Rep; impl Rep { pub fn span(&self) {} }\n"
		"pub enum Ast { Lit(Lit), Rep { inner: Rep } }\n"
		"impl Ast {\n"
		"    pub fn span(&self) {\n"
		"        match *self { Ast::Lit(ref x) => x.span(), Ast::Rep { ref inner } => "
		"inner.span() }\n"
		"    }\n"
		"    pub fn first(&self) { if let Self::Lit(l) = self { l.span() } }\n"
		"}\n",
		NULL);
	assert_answer(&w, "callees", "t::Ast::span", "t::Lit::span,t::Rep::span");
	assert_answer(&w, "callees", "t::Ast::first", "t::Lit::span");
	ws_free(&w);
}

/* One identity per trait: `#[derive(Serialize)]` imported from the derive
 * macro's crate (`use ser_derive::Serialize;`) implements the trait that
 * the crate re-exporting the macro declares (serde's shape: serde::Serialize,
 * not a phantom ser_derive::Serialize); a std trait reached through a
 * re-export (`pub use core::future::Future;` in a crate of ours) and
 * through a glob of std (`mod lib { pub use core::*; }`) is std's. */
static void test_trait_identity(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"ser\", \"ser_derive\", \"app\"]\n",
		"ser/Cargo.toml",
		"[package]\nname = \"ser\"\nversion = \"0.1.0\"\n[dependencies]\nser_derive = { "
		"path "
		"= \"../ser_derive\" }\n",
		"ser/src/lib.rs",
		"pub trait Serialize { fn ser(&self); }\npub use ser_derive::*;\n"
		"pub mod future { pub use core::future::Future; }\n",
		"ser_derive/Cargo.toml",
		"[package]\nname = \"ser_derive\"\nversion = \"0.1.0\"\n[lib]\nproc-macro = true\n",
		"ser_derive/src/lib.rs",
		"#[proc_macro_derive(Serialize)]\npub fn derive_serialize(i: TokenStream) -> "
		"TokenStream { i }\n",
		"app/Cargo.toml",
		"[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nser = { path = "
		"\"../ser\" }\nser_derive = { path = \"../ser_derive\" }\n",
		"app/src/lib.rs",
		"use ser_derive::Serialize;\n"
		"mod lib { pub use core::*; }\n"
		"#[derive(Serialize)]\npub struct S;\n"
		"pub struct F;\n"
		"impl ser::future::Future for F { type Output = (); fn poll(self: "
		"core::pin::Pin<&mut Self>, _c: &mut core::task::Context<'_>) -> "
		"core::task::Poll<()> { core::task::Poll::Ready(()) } }\n"
		"impl crate::lib::fmt::Debug for F { fn fmt(&self, _f: &mut "
		"core::fmt::Formatter<'_>) -> core::fmt::Result { Ok(()) } }\n",
		NULL);
	assert_answer(&w, "impls", "ser::Serialize", "app::S");
	assert_answer(&w, "impls", "std::future::Future", "app::F");
	assert_answer(&w, "impls", "std::fmt::Debug", "app::F");
	query_ids ids = {0};
	assert_int_equal(query_targets(w.txn, "ser_derive::Serialize", &ids), 0);
	assert_int_equal(ids.n, 0); /* no phantom */
	pt_vec_free(&ids);
	ws_free(&w);
}

/* quote's shape: an exported macro defined twice, a #[cfg(doc)] stand-in
 * for rustdoc first and the #[cfg(not(doc))] one a build expands after it.
 * Another crate's invocations, by path or imported, expand the second: the
 * calls its body writes are the invoking fn's, placed in the template. */
static void test_macro_doc_stand_in_import(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"q\", \"app\"]\n", "q/Cargo.toml",
		"[package]\nname = \"q\"\nversion = \"0.1.0\"\n", "q/src/lib.rs",
		"pub fn push(x: u8) {}\n"
		"pub fn stand_in() {}\n"
		"#[cfg(doc)]\n#[macro_export]\nmacro_rules! q { ($($t:tt)*) => { "
		"$crate::stand_in() }; }\n"
		"#[cfg(not(doc))]\n#[macro_export]\nmacro_rules! q { ($e:expr) => { "
		"$crate::push($e) }; }\n",
		"app/Cargo.toml",
		"[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nq = { path = "
		"\"../q\" }\n",
		"app/src/lib.rs", "use q::q;\npub fn f() { q!(1) }\npub fn g() { q::q!(2) }\n",
		NULL);
	assert_answer(&w, "callees", "app::f", "q::push");
	assert_answer(&w, "callees", "app::g", "q::push");
	ws_free(&w);
}

/* A macro of this file whose rules invoke a macro of another crate, which
 * nothing else in the file invokes (tokio's `reader!` writes
 * `pin_project! { pub struct $name<R> { .. } }`): that macro is lent to the
 * file as well, so the nested invocation expands, with its impls and the
 * calls its methods make. */
static void test_macro_nested_import(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"pp\", \"app\"]\n", "pp/Cargo.toml",
		"[package]\nname = \"pp\"\nversion = \"0.1.0\"\n", "pp/src/lib.rs",
		"pub trait Unp {}\n"
		"pub fn helper() -> u8 { 1 }\n"
		"#[macro_export]\nmacro_rules! pp {\n"
		"    (pub struct $n:ident { $($f:ident: $t:ty),* }) => {\n"
		"        pub struct $n { $($f: $t),* }\n"
		"        impl $crate::Unp for $n {}\n"
		"        impl $n { pub fn project(&self) -> u8 { $crate::helper() } }\n"
		"    };\n"
		"}\n",
		"app/Cargo.toml",
		"[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\npp = { path = "
		"\"../pp\" }\n",
		"app/src/lib.rs",
		"use pp::pp;\n"
		"macro_rules! reader {\n"
		"    ($n:ident) => { pp! { pub struct $n { a: u8 } } };\n"
		"}\n"
		"reader!(ReadU8);\n"
		"pub fn go(r: &ReadU8) -> u8 { r.project() }\n",
		NULL);
	assert_answer(&w, "impls", "pp::Unp", "app::ReadU8");
	assert_answer(&w, "callees", "app::go", "app::ReadU8::project");
	assert_answer(&w, "callees", "app::ReadU8::project", "pp::helper");
	ws_free(&w);
}

/* A path's first segment is in the type namespace: after `use
 * quote::quote;` (a macro) `quote::ToTokens` is still the crate's trait,
 * and the import does not expand itself (clap_derive's shape). */
static void test_prefix_namespace(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"quote\", \"app\"]\n",
		"quote/Cargo.toml", "[package]\nname = \"quote\"\nversion = \"0.1.0\"\n",
		"quote/src/lib.rs",
		"pub trait ToTokens { fn to_tokens(&self); }\n#[macro_export]\nmacro_rules! quote "
		"{ () => {} }\n",
		"app/Cargo.toml",
		"[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nquote = { path = "
		"\"../quote\" }\n",
		"app/src/lib.rs",
		"use quote::quote;\nuse quote::ToTokens;\npub struct X;\nimpl ToTokens for X { fn "
		"to_tokens(&self) {} }\n",
		NULL);
	assert_answer(&w, "impls", "quote::ToTokens", "app::X");
	ws_free(&w);
}

/* Every (key, value) of a table, concatenated in key order. */
static void dump_table(store *st, store_table t, pt_strbuf *out)
{
	store_txn *txn;
	store_cursor *c;
	store_val k, v;
	out->len = 0;
	assert_int_equal(store_txn_begin(st, false, &txn), 0);
	assert_int_equal(store_cursor_open(txn, t, &c), 0);
	for (int r = store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v)) {
		pt_strbuf_add(out, k.data, k.len);
		pt_strbuf_add(out, "|", 1);
		pt_strbuf_add(out, v.data, v.len);
		pt_strbuf_add(out, "\n", 1);
	}
	store_cursor_close(c);
	store_txn_abort(txn);
}

/* The store a session writes equals a fresh full index of the same tree. */
static void assert_same_as_fresh(ws *w)
{
	char db[320];
	store *fresh;
	snprintf(db, sizeof db, "%s/.fresh", w->root);
	assert_int_equal(system("true"), 0);
	assert_int_equal(store_open(db, STORE_CREATE, &fresh), 0);
	index_opts o = {.root = w->root, .jobs = 1};
	index_report rep;
	assert_int_equal(index_run(fresh, &o, &rep), 0);
	store_table tables[] = {TBL_ENTS, TBL_OUT, TBL_IN, TBL_NAMES, TBL_FILEENTS, TBL_FILES};
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		pt_strbuf a = {0}, b = {0};
		dump_table(w->st, tables[i], &a);
		dump_table(fresh, tables[i], &b);
		if (tables[i] == TBL_FILES) {
			/* mtimes differ by design (a buffer is marked unread); compare keys only */
			pt_strbuf_free(&a);
			pt_strbuf_free(&b);
			continue;
		}
		if (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0)
			fail_msg("table %s differs from a fresh index (%zu vs %zu bytes)",
				 store_table_name(tables[i]), a.len, b.len);
		pt_strbuf_free(&a);
		pt_strbuf_free(&b);
	}
	store_close(fresh);
	store_remove(db);
}

/* An edit of a small file beside a big one: the write finds the edges to
 * replace from the edited file and the entities it touches, never from a
 * pass over every edge; and calls into the big file interleave with its
 * own in the adjacency of the callee, as a fresh index orders them. */
static void test_session_edges_by_file(void **state)
{
	(void)state;
	ws w;
	pt_strbuf big = {0};
	/* S implements Tr in both files: S's adjacency holds two IMPL edges
	 * to Tr that only their files tell apart */
	pt_strbuf_adds(&big, "pub struct S<T>(T);\npub trait Tr {}\nimpl Tr for S<u8> {}\n");
	pt_strbuf_adds(&big, "impl Tr for S<u32> {}\npub fn f0() {}\n");
	for (int i = 1; i < 300; i++)
		pt_strbuf_printf(&big, "pub fn f%d() { f0(); f%d(); crate::a::g(); }\n", i, i - 1);
	const char *lib = "mod a;\nmod b;\nmod z;\n";
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", lib, "src/a.rs",
		"pub fn g() {}\npub fn k() { crate::b::f0(); }\nimpl crate::b::Tr for "
		"crate::b::S<u16> {}\n",
		"src/b.rs", big.buf, "src/z.rs", "impl crate::b::Tr for crate::b::S<i8> {}\n",
		NULL);
	store_txn_abort(w.txn);
	w.txn = NULL;
	index_session *se = index_session_new(w.st, w.root);
	index_report rep;
	const char *v[] = {
		/* the call into b moves, spans shift, g gains calls */
		"\npub fn g() { crate::b::f7(); crate::b::f0(); }\npub fn k() {}\n"
		"impl crate::b::Tr for crate::b::S<u16> {}\n",
		"pub fn g() {}\npub fn k() { crate::b::f0(); crate::b::f0(); g(); }\n"
		"impl crate::b::Tr for crate::b::S<u16> {}\n",
		"pub fn g() { k(); }\npub fn k() {}\n\n\nimpl crate::b::Tr for crate::b::S<u16> "
		"{}\n",
		"pub fn g() { crate::b::f299(); crate::b::f1(); }\npub fn k() { g(); "
		"crate::b::f0(); }\n"
		"   impl crate::b::Tr for crate::b::S<u16> {}\n",
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		assert_int_equal(index_session_update(se, "src/a.rs", v[i], strlen(v[i]), &rep), 0);
		assert_true(rep.fast_path);
		assert_true(rep.edges > 1200);
		/* g's incoming calls from b (299 of them) are read once, f0's
		 * 299 too; not the 1,200 edges of the graph */
		assert_true(rep.edges_read > 0);
		assert_true(rep.edges_read < 3 * 300);
		write_file(w.root, "src/a.rs", v[i]);
		assert_same_as_fresh(&w);
	}
	/* the same from a file whose id is above b's (a's is below) */
	const char *z = "\n\nimpl crate::b::Tr for crate::b::S<i8> {}\n";
	assert_int_equal(index_session_update(se, "src/z.rs", z, strlen(z), &rep), 0);
	assert_true(rep.fast_path);
	write_file(w.root, "src/z.rs", z);
	assert_same_as_fresh(&w);
	index_session_free(se);
	pt_strbuf_free(&big);
	ws_free(&w);
}

/* Edits that change what a file declares, through one session: the
 * edited file and the files whose resolution read a name the edit changed
 * are resolved again, and no other (rep.resolved_files). b calls a::foo,
 * which a first re-exports from c and then defines itself: b's call must
 * move to the new entity (a session that kept b's edges would still point
 * at c::foo, and differ from the fresh index). d reads none of these names
 * and is never resolved again: 2 of the 5 files (a, b) for the first edit,
 * a alone for an added fn no file names. */
static void test_session_dependents(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", "mod a;\nmod b;\nmod c;\nmod d;\n",
		"src/a.rs", "pub use crate::c::foo;\npub fn other() {}\n", "src/b.rs",
		"pub fn g() { crate::a::foo(); }\n", "src/c.rs", "pub fn foo() {}\n", "src/d.rs",
		"pub fn z() { z2(); }\nfn z2() {}\n", NULL);
	assert_answer(&w, "callees", "t::b::g", "t::c::foo");
	store_txn_abort(w.txn);
	w.txn = NULL;
	index_session *se = index_session_new(w.st, w.root);
	index_report rep;
	const char *a1 = "pub fn foo() {}\npub fn other() {}\n";
	assert_int_equal(index_session_update(se, "src/a.rs", a1, strlen(a1), &rep), 0);
	assert_false(rep.fast_path);
	assert_int_equal(rep.rust_files, 5);
	assert_int_equal(rep.resolved_files, 2);
	write_file(w.root, "src/a.rs", a1);
	assert_same_as_fresh(&w);
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	assert_answer(&w, "callees", "t::b::g", "t::a::foo");
	store_txn_abort(w.txn);
	w.txn = NULL;
	/* a fn added that no file names: a alone */
	const char *a2 = "pub fn foo() {}\npub fn other() {}\npub fn added() { foo(); }\n";
	assert_int_equal(index_session_update(se, "src/a.rs", a2, strlen(a2), &rep), 0);
	assert_int_equal(rep.resolved_files, 1);
	write_file(w.root, "src/a.rs", a2);
	assert_same_as_fresh(&w);
	/* renamed: b's call is left without a callee */
	const char *a3 = "pub fn foo2() {}\npub fn other() {}\npub fn added() { foo2(); }\n";
	assert_int_equal(index_session_update(se, "src/a.rs", a3, strlen(a3), &rep), 0);
	assert_int_equal(rep.resolved_files, 2);
	write_file(w.root, "src/a.rs", a3);
	assert_same_as_fresh(&w);
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	assert_answer(&w, "callees", "t::b::g", "");
	store_txn_abort(w.txn);
	w.txn = NULL;
	/* two fns of one path that swap places swap their ids (the
	 * disambiguator counts the earlier ones): b's call to the one the
	 * build has must follow it, though a declares the same things */
	const char *a4 = "#[cfg(unix)]\npub fn foo() {}\n#[cfg(not(unix))]\npub fn foo() {}\n";
	const char *a5 = "#[cfg(not(unix))]\npub fn foo() {}\n#[cfg(unix)]\npub fn foo() {}\n";
	assert_int_equal(index_session_update(se, "src/a.rs", a4, strlen(a4), &rep), 0);
	write_file(w.root, "src/a.rs", a4);
	assert_same_as_fresh(&w);
	assert_int_equal(index_session_update(se, "src/a.rs", a5, strlen(a5), &rep), 0);
	assert_int_equal(rep.resolved_files, 2);
	write_file(w.root, "src/a.rs", a5);
	assert_same_as_fresh(&w);
	index_session_free(se);
	ws_free(&w);
}

/* A random file text for test_session_random: the same declarations
 * (functions f0..f4, one impl of the shared trait) every time, bodies with
 * random calls into every file, and random blank lines that move spans. */
static void session_random_text(pt_strbuf *b, int file, uint64_t *st)
{
	b->len = 0;
	for (int f = 0; f < 5; f++) {
		*st ^= *st << 13, *st ^= *st >> 7, *st ^= *st << 17;
		for (uint64_t k = *st % 3; k > 0; k--)
			pt_strbuf_adds(b, "\n");
		pt_strbuf_printf(b, "pub fn f%d() {", f);
		for (uint64_t c = (*st >> 8) % 4; c > 0; c--) {
			*st ^= *st << 13, *st ^= *st >> 7, *st ^= *st << 17;
			pt_strbuf_printf(b, " crate::m%d::f%d();", (int)(*st % 4),
					 (int)((*st >> 4) % 5));
		}
		pt_strbuf_adds(b, " }\n");
	}
	pt_strbuf_printf(b, "impl crate::Tr for crate::S<[u8; %d]> {}\n", file);
}

/* Random same-shape edits of four files through one session, each
 * compared with a fresh index: every adjacency merge (stored edges of the
 * other files, new ones of the edited file, IMPL edges of one type to one
 * trait told apart by their file) must give the bytes a full index writes. */
static void test_session_random(void **state)
{
	(void)state;
	ws w;
	uint64_t st = 0x853c49e6748fea9bu;
	pt_strbuf t[4] = {{0}};
	for (int i = 0; i < 4; i++)
		session_random_text(&t[i], i, &st);
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"mod m0;\nmod m1;\nmod m2;\nmod m3;\npub struct S<T>(T);\npub trait Tr {}\n",
		"src/m0.rs", t[0].buf, "src/m1.rs", t[1].buf, "src/m2.rs", t[2].buf, "src/m3.rs",
		t[3].buf, NULL);
	store_txn_abort(w.txn);
	w.txn = NULL;
	index_session *se = index_session_new(w.st, w.root);
	index_report rep;
	for (int step = 0; step < 24; step++) {
		int f = (int)((st >> 3) % 4);
		char rel[32];
		snprintf(rel, sizeof rel, "src/m%d.rs", f);
		session_random_text(&t[f], f, &st);
		assert_int_equal(index_session_update(se, rel, t[f].buf, t[f].len, &rep), 0);
		assert_true(rep.fast_path);
		write_file(w.root, rel, t[f].buf);
		assert_same_as_fresh(&w);
	}
	index_session_free(se);
	for (int i = 0; i < 4; i++)
		pt_strbuf_free(&t[i]);
	ws_free(&w);
}

/* Keystrokes in a file that invokes macro_rules! of its own and of
 * another file: the session keeps the workspace's macro table and the
 * trees of the expansions between edits (an edit changes one invocation's
 * input and shifts the others), and each step must still give the bytes
 * of a fresh index. Steps 8 to 10 add, rename and remove a definition
 * (the slow path, which drops the session), and the edits after them load
 * it again. */
static void test_session_macros(void **state)
{
	(void)state;
	ws w;
	const char *mac = "macro_rules! call_two {\n"
			  "    ($a:ident, $b:ident) => { $a(); crate::b::$b(); };\n"
			  "}\n";
	const char *b = "pub fn g(_x: u32) -> u32 { 0 }\npub fn h0() {}\npub fn long_h1() {}\n";
	pt_strbuf t = {0};
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", "#[macro_use]\nmod mac;\nmod a;\nmod b;\n",
		"src/mac.rs", mac, "src/b.rs", b, "src/a.rs", "pub fn f0() {}\n", NULL);
	store_txn_abort(w.txn);
	w.txn = NULL;
	index_session *se = index_session_new(w.st, w.root);
	index_report rep;
	for (int step = 0; step < 13; step++) {
		t.len = 0;
		pt_strbuf_adds(&t,
			       "macro_rules! local {\n    ($x:expr) => { crate::b::g($x) };\n}\n");
		pt_strbuf_adds(&t, "macro_rules! konst {\n"
				   "    ($n:ident, $v:expr) => { pub const $n: u32 = $v; };\n}\n");
		/* an item-level expansion, parsed: its text changes length */
		pt_strbuf_printf(&t, "konst!(KA, %s);\n",
				 step % 2 ? "crate::b::g(1) + 1" : "2 + crate::b::g(3)");
		if (step == 8 || step == 9)
			pt_strbuf_printf(&t, "macro_rules! extra%d { () => { crate::b::h0() }; }\n",
					 step);
		/* expansions whose text changes length: a tree of another text would
		 * misplace every name after it */
		pt_strbuf_printf(&t, "pub fn f0() { call_two!(f1, %s); local!(1); }\n",
				 step % 2 ? "long_h1" : "h0");
		for (int k = step % 3; k > 0; k--)
			pt_strbuf_adds(&t, "  ");
		pt_strbuf_printf(&t, "pub fn f1() { local!(%d); call_two!(f0, long_h1); }\n",
				 step * 7);
		pt_strbuf_adds(&t, "pub fn f2() { call_two!(f0, h0); local!(2); }\n");
		assert_int_equal(index_session_update(se, "src/a.rs", t.buf, t.len, &rep), 0);
		/* the first edit adds imports and 8..10 change the definitions:
		 * the slow path; every other one must take the fast path */
		assert_true(rep.fast_path || step == 0 || (step >= 8 && step <= 10));
		write_file(w.root, "src/a.rs", t.buf);
		assert_same_as_fresh(&w);
	}
	index_session_free(se);
	pt_strbuf_free(&t);
	ws_free(&w);
}

static void test_session_fast_path(void **state)
{
	(void)state;
	ws w;
	const char *lib = "mod a;\npub struct S { pub n: u32 }\nimpl S { pub fn get(&self) -> u32 "
			  "{ self.n } }\n"
			  "pub fn f() -> u32 { a::g() }\npub fn h(s: &S) -> u32 { s.get() }\n";
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", lib, "src/a.rs",
		"pub fn g() -> u32 { 1 }\npub fn k() {}\n", NULL);
	store_txn_abort(w.txn);
	w.txn = NULL;
	index_session *se = index_session_new(w.st, w.root);
	index_report rep;
	/* 1: a body calls something else; the text lives in the buffer only */
	const char *v1 = "pub fn g() -> u32 { k(); 1 }\npub fn k() {}\n";
	assert_int_equal(index_session_update(se, "src/a.rs", v1, strlen(v1), &rep), 0);
	assert_true(rep.fast_path);
	write_file(w.root, "src/a.rs", v1);
	assert_same_as_fresh(&w);
	/* 2: every span moves, a signature changes */
	const char *v2 = "\n\n// moved\npub fn g() -> u32 { k(); super::h(&super::S { n: 2 }) "
			 "}\npub fn k() {}\n";
	assert_int_equal(index_session_update(se, "src/a.rs", v2, strlen(v2), &rep), 0);
	assert_true(rep.fast_path);
	write_file(w.root, "src/a.rs", v2);
	assert_same_as_fresh(&w);
	/* 3: a new item: the whole graph again, then fast once more */
	const char *v3 = "pub fn g() -> u32 { k(); 1 }\npub fn k() {}\npub fn added() { g(); }\n";
	assert_int_equal(index_session_update(se, "src/a.rs", v3, strlen(v3), &rep), 0);
	assert_false(rep.fast_path);
	write_file(w.root, "src/a.rs", v3);
	assert_same_as_fresh(&w);
	const char *v4 =
		"pub fn g() -> u32 { 1 }\npub fn k() { g(); }\npub fn added() { g(); k(); }\n";
	assert_int_equal(index_session_update(se, "src/a.rs", v4, strlen(v4), &rep), 0);
	assert_true(rep.fast_path);
	write_file(w.root, "src/a.rs", v4);
	assert_same_as_fresh(&w);
	/* 4: only a #[cfg] changes: the item leaves the build, which the fast
	 * path (entities and their flags kept) cannot say */
	const char *v5 = "#[cfg(feature = \"off\")]\npub fn g() -> u32 { 1 }\npub fn k() { g(); "
			 "}\npub fn added() { g(); k(); }\n";
	const char *v6 = "#[cfg(not(feature = \"off\"))]\npub fn g() -> u32 { 1 }\npub fn k() { "
			 "g(); }\npub fn added() { g(); k(); }\n";
	assert_int_equal(index_session_update(se, "src/a.rs", v5, strlen(v5), &rep), 0);
	write_file(w.root, "src/a.rs", v5);
	assert_same_as_fresh(&w);
	assert_int_equal(index_session_update(se, "src/a.rs", v6, strlen(v6), &rep), 0);
	write_file(w.root, "src/a.rs", v6);
	assert_same_as_fresh(&w);
	/* the answers, from the session's store */
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	assert_answer(&w, "callers", "t::a::g", "t::a::added,t::a::k,t::f");
	index_session_free(se);
	ws_free(&w);
}

/* An editor session over a file that expands another file's macro, and
 * over that other file: an edit of the invoking file keeps the fast path
 * (its imports are chosen from the session's facts), an edit of the
 * template that another file expands takes the slow one, and each result
 * is the fresh index's. */
static void test_session_and_templates(void **state)
{
	(void)state;
	ws w;
	const char *mac = "macro_rules! tpl {\n"
			  "    ($n:ident) => { pub fn $n() -> u8 { crate::one() } };\n"
			  "}\n";
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"#[macro_use]\nmod mac;\npub mod user;\npub fn one() -> u8 { 1 }\n", "src/mac.rs",
		mac, "src/user.rs", "tpl!(made);\npub fn go() -> u8 { made() }\n", NULL);
	store_txn_abort(w.txn);
	w.txn = NULL;
	index_session *se = index_session_new(w.st, w.root);
	index_report rep;
	/* the invoking file, its declarations as they were */
	const char *u1 = "tpl!(made);\npub fn go() -> u8 { made() + made() }\n";
	assert_int_equal(index_session_update(se, "src/user.rs", u1, strlen(u1), &rep), 0);
	assert_true(rep.fast_path);
	write_file(w.root, "src/user.rs", u1);
	assert_same_as_fresh(&w);
	/* the template: what user.rs makes changes, so the slow path */
	const char *m1 =
		"\nmacro_rules! tpl {\n"
		"    ($n:ident) => { pub fn $n() -> u8 { crate::one() } pub fn extra() {} };\n"
		"}\n";
	assert_int_equal(index_session_update(se, "src/mac.rs", m1, strlen(m1), &rep), 0);
	assert_false(rep.fast_path);
	write_file(w.root, "src/mac.rs", m1);
	assert_same_as_fresh(&w);
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	assert_answer(&w, "callers", "t::one", "t::user::made");
	(void)one(&w, "t::user::extra");
	store_txn_abort(w.txn);
	w.txn = NULL;
	/* the call the template writes moved a line down with it */
	query_results r = {0};
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	assert_int_equal(query_callers(w.txn, one(&w, "t::one"), 0, &r), 0);
	assert_int_equal(r.items.n, 1);
	assert_int_equal(r.sites.v[r.items.v[0].site_off].line, 2);
	query_results_free(&r);
	index_session_free(se);
	ws_free(&w);
}

/* A module and a fn of one name at one level: the module is in the type
 * namespace, the fn a `use` brings in the value namespace; a call names
 * the fn (rustc: memchr's `mod memchr; pub use memchr::memchr;`). */
static void test_value_namespace_use(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"mod find;\npub use crate::find::{find, other};\n"
		"pub fn top() -> u8 { crate::find(1) + find(2) + crate::find::find(3) }\n",
		"src/find.rs", "pub fn find(x: u8) -> u8 { x }\npub fn other() {}\n", "src/user.rs",
		"", NULL);
	assert_answer(&w, "callees", "t::top", "t::find::find");
	query_results r = {0};
	assert_int_equal(query_callers(w.txn, one(&w, "t::find::find"), 0, &r), 0);
	assert_int_equal(r.items.n, 1);
	assert_int_equal(r.items.v[0].site_n, 3);
	query_results_free(&r);
	ws_free(&w);
}

/* An index resolved by other rules (another RESOLVE_VERSION) is resolved
 * again from its cached facts, although no file changed. */
static void test_resolve_version(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", "pub fn a() { b(); }\npub fn b() {}\n",
		NULL);
	assert_answer(&w, "callees", "t::a", "t::b");
	uint64_t a = one(&w, "t::a"), b = one(&w, "t::b");
	store_txn_abort(w.txn);
	w.txn = NULL;
	/* as an older resolver might have left it: the call missing */
	store_txn *t;
	uint8_t ka[8], kb[8];
	store_key_u64(ka, a);
	store_key_u64(kb, b);
	assert_int_equal(store_txn_begin(w.st, true, &t), 0);
	assert_int_equal(store_del(t, TBL_OUT, ka, 8, NULL, 0), 0);
	assert_int_equal(store_del(t, TBL_IN, kb, 8, NULL, 0), 0);
	assert_int_equal(store_meta_put_u64(t, META_RESOLVE_VERSION, RESOLVE_VERSION - 1), 0);
	assert_int_equal(store_txn_commit(t), 0);
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	assert_answer(&w, "callees", "t::a", "");
	index_opts o = {.root = w.root, .jobs = 1};
	index_report rep;
	store_txn_abort(w.txn);
	w.txn = NULL;
	assert_int_equal(index_run(w.st, &o, &rep), 0);
	assert_false(rep.up_to_date);
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	assert_answer(&w, "callees", "t::a", "t::b");
	uint64_t v = 0;
	assert_int_equal(store_meta_get_u64(w.txn, META_RESOLVE_VERSION, &v), 0);
	assert_int_equal(v, RESOLVE_VERSION);
	store_txn_abort(w.txn);
	w.txn = NULL;
	assert_int_equal(index_run(w.st, &o, &rep), 0);
	assert_true(rep.up_to_date); /* and then no more */
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	ws_free(&w);
}

/* onboard --full on an unchanged tree re-parses every file and finds what is
 * stored: nothing is written, so the file does not grow by a copy of the
 * tables it re-read (it doubled: every facts blob was put again). */
static void test_full_reindex_writes_nothing(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", "pub mod m;\n", NULL);
	pt_strbuf mods = {0}, path = {0}, body = {0};
	for (int i = 0; i < 300; i++) {
		pt_strbuf_printf(&mods, "pub mod m%d;\n", i);
		path.len = body.len = 0;
		pt_strbuf_printf(&path, "src/m/m%d.rs", i);
		pt_strbuf_printf(&body, "pub struct S%d { pub a: u32 }\nimpl S%d {\n", i, i);
		for (int k = 0; k < 20; k++)
			pt_strbuf_printf(&body, "    pub fn f%d(&self) -> u32 { self.a + %d }\n", k,
					 k);
		pt_strbuf_adds(&body, "}\n");
		write_file(w.root, pt_strbuf_cstr(&path), pt_strbuf_cstr(&body));
	}
	write_file(w.root, "src/m.rs", pt_strbuf_cstr(&mods));
	ws_index(&w);
	char data[sizeof w.db + 16];
	snprintf(data, sizeof data, "%s/data.mdb", w.db);
	struct stat before, after;
	assert_int_equal(stat(data, &before), 0);
	store_txn_abort(w.txn);
	w.txn = NULL;
	index_opts o = {.root = w.root, .jobs = 2, .force = true};
	index_report rep;
	assert_int_equal(index_run(w.st, &o, &rep), 0);
	assert_int_equal(rep.parsed, 302);
	assert_int_equal(rep.facts_written, 0);
	assert_int_equal(rep.ents_written, 0);
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	assert_int_equal(stat(data, &after), 0);
	assert_true(after.st_size <= before.st_size + before.st_size / 20);
	pt_strbuf_free(&mods);
	pt_strbuf_free(&path);
	pt_strbuf_free(&body);
	ws_free(&w);
}

/* cfg'd alternatives: of two `use`s of one name under complementary
 * cfgs, the type in the default build; a bare variant a glob `use E::*`
 * brings into a pattern; and code in a module the build leaves out keeps
 * its calls to code the build leaves out (a build script's cfg we cannot
 * evaluate may turn both on: memchr's `memchr_runtime_simd`). */
static void test_cfg_alternatives(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml",
		"[package]\nname = \"t\"\nversion = \"0.1.0\"\n[features]\ndefault = "
		"[\"std\"]\nstd = []\n",
		"src/lib.rs",
		"mod avx;\n#[cfg(simd)] mod fast;\n"
		"pub enum Kind { A(avx::Fwd), B(u8) }\n"
		"pub fn go(k: Kind) -> usize { use self::Kind::*; match k { A(ref gs) => "
		"gs.find(), B(_) => 0 } }\n"
		"pub fn go2(f: avx::Fwd) -> usize { f.find() }\n"
		"pub struct R;\nimpl R { #[cfg(simd)] pub fn rare(&self) -> u8 { 1 } }\n",
		"src/avx.rs",
		"#[cfg(not(feature = \"std\"))]\npub use self::nostd::Fwd;\n#[cfg(feature = "
		"\"std\")]\npub use self::std::Fwd;\n"
		"#[cfg(feature = \"std\")]\nmod std { pub struct Fwd(u8); impl Fwd { pub fn "
		"find(&self) -> usize { 1 } } }\n"
		"#[cfg(not(feature = \"std\"))]\nmod nostd { pub struct Fwd(()); impl Fwd { pub fn "
		"find(&self) -> usize { 2 } } }\n",
		"src/fast.rs", "pub fn go(r: &crate::R) -> u8 { r.rare() }\n", NULL);
	assert_answer(&w, "callees", "t::go2", "t::avx::std::Fwd::find");
	assert_answer(&w, "callees", "t::go", "t::avx::std::Fwd::find");
	assert_answer(&w, "callees", "t::fast::go", "t::R::rare");
	ws_free(&w);
}

/* Whether the graph marks target as left out of the default build. */
static bool flagged_off(ws *w, const char *target)
{
	rec_entity e;
	assert_int_equal(query_entity(w->txn, one(w, target), &e), 0);
	return (e.flags & ENT_CFG_OFF) != 0;
}

/* A module the build leaves out leaves out everything under it, in its
 * own file and in the files it reaches (stdarch's `#[cfg(target_arch =
 * "arm")] mod arm_shared;`): the graph says so, as the resolver's choices
 * do. A file that an off and an on declaration both name is in the build
 * (the default target is a Linux one, so `unix` is on and `arm` off). */
static void test_cfg_off_modules(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"#[cfg(target_arch = \"arm\")] mod arm_shared;\n"
		"#[cfg(not(unix))] mod sys;\n#[cfg(unix)] mod sys;\n"
		"pub fn live() {}\n",
		"src/arm_shared.rs", "pub fn helper() {}\npub mod deep;\npub struct Q;\n",
		"src/arm_shared/deep.rs", "pub fn deeper() {}\n", "src/sys.rs",
		"pub fn sysfn() {}\n", NULL);
	assert_true(flagged_off(&w, "t::arm_shared"));
	assert_true(flagged_off(&w, "t::arm_shared::helper"));
	assert_true(flagged_off(&w, "t::arm_shared::Q"));
	assert_true(flagged_off(&w, "t::arm_shared::deep"));
	assert_true(flagged_off(&w, "t::arm_shared::deep::deeper"));
	assert_false(flagged_off(&w, "t::live"));
	assert_false(flagged_off(&w, "t::sys::sysfn"));
	ws_free(&w);
}

/* Another writer adds a file between the time a run plans its work and
 * the time it writes (the language server and `onboard` on one
 * database): the file keeps one id, and the graph holds together. */
typedef struct {
	store *st;
	const char *root;
	bool done;
} race_ctx;

static void race_progress(void *ctx, size_t done, size_t total)
{
	race_ctx *r = ctx;
	(void)done;
	(void)total;
	if (r->done)
		return;
	r->done = true;
	index_report rep;
	assert_int_equal(index_update_file(r->st, r->root, "src/extra.rs", NULL, 0, &rep), 0);
}

static void test_concurrent_writer_adds_file(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", "pub fn a() {}\n", NULL);
	write_file(w.root, "src/lib.rs", "pub mod extra;\npub fn a() { extra::e(); }\n");
	write_file(w.root, "src/extra.rs", "pub fn e() {}\n");
	store_txn_abort(w.txn);
	w.txn = NULL;
	race_ctx rc = {w.st, w.root, false};
	index_opts o = {.root = w.root, .jobs = 1, .progress = race_progress, .ctx = &rc};
	index_report rep;
	assert_int_equal(index_run(w.st, &o, &rep), 0);
	assert_true(rc.done);
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	graph_check_report r;
	assert_int_equal(graph_check(w.txn, &r), PT_OK);
	assert_false(r.fileids_differ);
	uint64_t n = 0;
	assert_int_equal(store_count(w.txn, TBL_FILEIDS, &n), 0);
	assert_int_equal(n, 3); /* Cargo.toml, lib.rs, extra.rs: one id each */
	assert_answer(&w, "callees", "t::a", "t::extra::e");
	ws_free(&w);
}

/* graph_check on a clean index, then on copies damaged one table at a
 * time (inside a write transaction that is thrown away). */
static store_txn *tamper(ws *w)
{
	store_txn *t;
	assert_int_equal(store_txn_begin(w->st, true, &t), 0);
	return t;
}

static void test_check_finds_damage(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub mod a;\npub struct S;\nimpl S { pub fn m(&self) { a::f(); } }\npub fn g() { "
		"S.m(); }\n",
		"src/a.rs", "pub fn f() {}\n", NULL);
	graph_check_report r;
	assert_int_equal(graph_check(w.txn, &r), PT_OK);
	assert_true(r.ents >= 5 && r.edges >= 3 && r.files == 3 && r.facts == 2);
	assert_false(r.edges_differ || r.names_differ || r.fileents_differ || r.fileids_differ);
	assert_int_equal(r.bad_records + r.dangling + r.bad_facts + r.stale_facts, 0);
	store_txn_abort(w.txn);
	w.txn = NULL;

	uint64_t f = 0, m = 0;
	{
		store_txn *t;
		assert_int_equal(store_txn_begin(w.st, false, &t), 0);
		w.txn = t;
		f = one(&w, "t::a::f");
		m = one(&w, "t::S::m");
		store_txn_abort(t);
		w.txn = NULL;
	}
	uint8_t kf[8], km[8];
	store_key_u64(kf, f);
	store_key_u64(km, m);

	/* an incoming list lost: the two edge tables no longer mirror */
	store_txn *t = tamper(&w);
	assert_int_equal(store_del(t, TBL_IN, kf, 8, NULL, 0), PT_OK);
	assert_int_equal(graph_check(t, &r), PT_ECORRUPT);
	assert_true(r.edges_differ);
	store_txn_abort(t);

	/* an entity that does not decode; its edges now dangle */
	t = tamper(&w);
	assert_int_equal(store_put(t, TBL_ENTS, kf, 8, "garbage", 7), PT_OK);
	assert_int_equal(graph_check(t, &r), PT_ECORRUPT);
	assert_true(r.bad_records >= 1 && r.dangling >= 1);
	store_txn_abort(t);

	/* a name missing from the name index */
	t = tamper(&w);
	assert_int_equal(store_del(t, TBL_NAMES, "m", 1, km, 8), PT_OK);
	assert_int_equal(graph_check(t, &r), PT_ECORRUPT);
	assert_true(r.names_differ && !r.edges_differ);
	store_txn_abort(t);

	/* a cached facts blob that does not decode */
	t = tamper(&w);
	uint8_t k0[4];
	store_key_u32(k0, 0);
	store_val v;
	int first = store_get(t, TBL_FACTS, k0, 4, &v) == PT_OK ? 0 : 1;
	store_key_u32(k0, (uint32_t)first);
	assert_int_equal(store_put(t, TBL_FACTS, k0, 4, "PTF2 but short", 14), PT_OK);
	assert_int_equal(graph_check(t, &r), PT_ECORRUPT);
	assert_int_equal(r.bad_facts, 1);
	store_txn_abort(t);

	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	assert_int_equal(graph_check(w.txn, &r), PT_OK); /* nothing was kept */
	ws_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_and_uses),
		cmocka_unit_test(test_glob_visibility),
		cmocka_unit_test(test_extern_crate_alias),
		cmocka_unit_test(test_facade_glob_leaves),
		cmocka_unit_test(test_cfg_off_standin_gives_way),
		cmocka_unit_test(test_macro_named_like_its_crate),
		cmocka_unit_test(test_items_in_template_fn_bodies),
		cmocka_unit_test(test_ext_type_path_call),
		cmocka_unit_test(test_mod_rs_and_path_attr),
		cmocka_unit_test(test_method_receivers),
		cmocka_unit_test(test_impls_and_derives),
		cmocka_unit_test(test_blast_radius_and_cycles),
		cmocka_unit_test(test_blast_radius_deep_via),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_reexport_targets),
		cmocka_unit_test(test_use_rule_targets),
		cmocka_unit_test(test_incremental_reresolves),
		cmocka_unit_test(test_loose_folder),
		cmocka_unit_test(test_session_fast_path),
		cmocka_unit_test(test_session_edges_by_file),
		cmocka_unit_test(test_session_dependents),
		cmocka_unit_test(test_session_random),
		cmocka_unit_test(test_session_macros),
		cmocka_unit_test(test_session_and_templates),
		cmocka_unit_test(test_macro_made_methods),
		cmocka_unit_test(test_macro_body_calls),
		cmocka_unit_test(test_macros_of_other_files),
		cmocka_unit_test(test_assoc_type_paths),
		cmocka_unit_test(test_variant_patterns),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_trait_identity),
		cmocka_unit_test(test_prefix_namespace),
		cmocka_unit_test(test_macro_doc_stand_in_import),
		cmocka_unit_test(test_macro_nested_import),
		cmocka_unit_test(test_value_namespace_use),
		cmocka_unit_test(test_resolve_version),
		cmocka_unit_test(test_full_reindex_writes_nothing),
		cmocka_unit_test(test_cfg_alternatives),
		cmocka_unit_test(test_cfg_off_modules),
		cmocka_unit_test(test_concurrent_writer_adds_file),
		cmocka_unit_test(test_check_finds_damage),
	};
	return pt_run_tests(tests, NULL, NULL);
}
