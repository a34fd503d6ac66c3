/* tests/test_lint.c — graph/lint.c: path patterns, the cycle policy,
 * forbidden dependencies and unused public items, on small workspaces
 * written by each test; the expected findings are written by hand from the
 * Rust below. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_main.h"

#include "../graph/index.h"
#include "ws_files.h"
#include "../graph/lint.h"

typedef struct {
	char root[256], db[300];
	store *st;
	store_txn *txn;
} ws;

/* files: pairs of (path, text), NULL-terminated. */
static void ws_make(ws *w, ...)
{
	memset(w, 0, sizeof *w);
	va_list ap;
	va_start(ap, w);
	ws_files_make(w->root, w->db, "/tmp/pt-lint-XXXXXX", ap);
	va_end(ap);
	assert_int_equal(store_open(w->db, STORE_CREATE, &w->st), 0);
	index_opts o = {.root = w->root, .jobs = 2};
	index_report rep;
	assert_int_equal(index_run(w->st, &o, &rep), 0);
	assert_int_equal(store_txn_begin(w->st, false, &w->txn), 0);
}

static void ws_free(ws *w)
{
	store_txn_abort(w->txn);
	store_close(w->st);
	ws_files_remove(w->root);
}

/* The findings as sorted lines "file:line rule key" (1-based lines). */
static char *findings(ws *w, const lint_opts *o)
{
	lint_report r = {0};
	assert_int_equal(lint_run(w->txn, o, &r), 0);
	pt_strbuf b = {0};
	pt_strbuf_add(&b, "", 0);
	for (size_t i = 0; i < r.items.n; i++) {
		const lint_finding *f = &r.items.v[i];
		const char *rule = f->rule == LINT_CYCLE    ? "cycle"
				   : f->rule == LINT_FORBID ? o->forbid[f->forbid].name
							    : "unused";
		pt_strbuf_printf(&b, "%s%s:%u %s %s", i ? "\n" : "",
				 query_file_path(w->txn, f->file), f->line + 1, rule,
				 lint_text(&r, f->key));
	}
	lint_report_free(&r);
	return b.buf;
}

#define assert_findings(w, o, expected)                                                            \
	do {                                                                                       \
		char *got_ = findings((w), (o));                                                   \
		if (strcmp(got_, (expected)) != 0)                                                 \
			fail_msg("expected:\n%s\ngot:\n%s", (expected), got_);                     \
		free(got_);                                                                        \
	} while (0)

static const char *cargo = "[package]\nname = \"t\"\nversion = \"0.1.0\"\n";

static void test_path_match(void **state)
{
	(void)state;
	assert_true(lint_path_match("t::domain", "t::domain", NULL, 0));
	assert_true(lint_path_match("t::domain", "t::domain::Order::new", NULL, 0));
	assert_false(lint_path_match("t::domain", "t::domains::x", NULL, 0));
	assert_false(lint_path_match("t::domain::x", "t::domain", NULL, 0));
	assert_true(lint_path_match("crate::infra", "any::infra::db", NULL, 0));
	assert_true(lint_path_match("crate::infra", "t::infra", "t", 1));
	assert_false(lint_path_match("crate::infra", "u::infra", "t", 1));
	assert_true(lint_path_match("*::infra", "u::infra::db", NULL, 0));
	assert_true(lint_path_match("core*", "core_model::x", NULL, 0));
	assert_false(lint_path_match("core*", "model_core::x", NULL, 0));
	assert_true(lint_path_match("t::**::db", "t::a::b::db::save", NULL, 0));
	assert_true(lint_path_match("t::**::db", "t::db", NULL, 0));
	assert_false(lint_path_match("t::**::db", "t::a::dbx", NULL, 0));
	assert_true(lint_path_match("**", "anything::at::all", NULL, 0));
}

/* a ⇄ b siblings (a cycle, at the `use` lines); p ⇄ p::child (parent and
 * child: none); x::inner → y and y → x (the cycle is x ⇄ y, lifted from
 * x::inner); q ⇄ r only through a call with two candidates (ambiguous: none
 * by default) and through #[cfg(test)] code (none by default). */
static const char *cyc_lib = "pub mod a;\npub mod b;\npub mod p;\npub mod x;\npub mod y;\n"
			     "pub mod q;\npub mod r;\n";
static const char *cyc_a = "use crate::b::B;\npub struct A;\npub fn fa(_b: B) {}\n";
static const char *cyc_b = "use crate::a::A;\npub struct B;\npub fn fb(_a: A) {}\n";
static const char *cyc_p = "pub mod child;\nuse self::child::C;\npub struct P;\n"
			   "pub fn fp(_c: C) {}\n";
static const char *cyc_pc = "use super::P;\npub struct C;\npub fn fc(_p: P) {}\n";
static const char *cyc_x = "pub mod inner;\npub struct X;\n";
static const char *cyc_xi = "pub fn go() -> u32 {\n    crate::y::why()\n}\n";
static const char *cyc_y = "pub fn why() -> u32 { 1 }\npub fn back(_x: crate::x::X) {}\n";
static const char *cyc_q = "pub struct Q;\nimpl Q { pub fn run(&self) {} }\n"
			   "pub fn q_calls(v: &Vec<u8>) { let z = v.first(); z.run(); }\n"
			   "#[cfg(test)]\nmod tests {\n    fn t() { crate::r::rr(); }\n}\n";
static const char *cyc_r = "pub struct R;\nimpl R { pub fn run(&self) {} }\n"
			   "pub fn rr() { crate::q::q_calls(&Vec::new()); }\n";

static void test_cycle_policy(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", cyc_lib, "src/a.rs", cyc_a, "src/b.rs",
		cyc_b, "src/p/mod.rs", cyc_p, "src/p/child.rs", cyc_pc, "src/x/mod.rs", cyc_x,
		"src/x/inner.rs", cyc_xi, "src/y.rs", cyc_y, "src/q.rs", cyc_q, "src/r.rs", cyc_r,
		NULL);
	lint_opts o;
	lint_opts_default(&o);
	assert_findings(
		&w, &o,
		"src/a.rs:1 cycle module-cycle|t::a|t::b|t::a|USES|t::b::B\n"
		"src/b.rs:1 cycle module-cycle|t::b|t::a|t::b|USES|t::a::A\n"
		"src/x/inner.rs:2 cycle module-cycle|t::x|t::y|t::x::inner::go|CALLS|t::y::why\n"
		"src/y.rs:2 cycle module-cycle|t::y|t::x|t::y::back|USES|t::x::X");
	/* parent and child, reported when asked: p ⇄ p::child joins in */
	o.parent_child = true;
	char *got = findings(&w, &o);
	assert_non_null(strstr(got, "src/p/mod.rs:2 cycle module-cycle|t::p|t::p::child|t::p|USES|"
				    "t::p::child::C"));
	assert_non_null(strstr(got, "src/p/child.rs:1 cycle module-cycle|t::p::child|t::p|"));
	free(got);
	ws_free(&w);
}

static void test_forbid(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub mod domain;\npub mod infra;\npub mod app;\n", "src/domain.rs",
		"pub struct Order;\npub fn total(_o: &Order) -> u32 { 0 }\n", "src/infra.rs",
		"use crate::domain::Order;\npub fn save(o: &Order) -> u32 {\n"
		"    crate::domain::total(o)\n}\n",
		"src/app.rs", "pub fn run() -> u32 { crate::infra::save(&crate::domain::Order) }\n",
		NULL);
	lint_forbid f[] = {{"infra-domain", "crate::infra", "crate::domain", NULL},
			   {"no-app", "crate::domain", "crate::app", NULL}};
	lint_opts o;
	lint_opts_default(&o);
	o.cycles = false;
	o.forbid = f;
	o.n_forbid = 2;
	assert_findings(
		&w, &o,
		"src/infra.rs:1 infra-domain infra-domain|t::infra|USES|t::domain::Order\n"
		"src/infra.rs:2 infra-domain infra-domain|t::infra::save|USES|t::domain::Order\n"
		"src/infra.rs:3 infra-domain infra-domain|t::infra::save|CALLS|t::domain::total");
	ws_free(&w);
}

/* Entry points: a binary's main, #[test] fns, #[no_mangle] and extern fns,
 * proc macros, what a library's root defines or imports; trait impls'
 * methods; items in tests/, benches/, examples/. */
static void test_unused_pub(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs",
		"pub mod inner;\npub use inner::Exported;\npub fn at_root() {}\n", "src/inner.rs",
		"pub struct Exported;\nimpl Exported { pub fn method(&self) {} }\n"
		"pub struct Lonely;\nimpl Lonely { pub fn alone(&self) {} }\n"
		"pub struct ViaMethod;\nimpl ViaMethod { pub fn make() -> u8 { 1 } }\n"
		"pub fn caller() -> u8 { ViaMethod::make() }\n"
		"pub fn unused_fn() {}\n"
		"#[no_mangle]\npub extern \"C\" fn exported_c() {}\n"
		"pub extern \"C\" fn callback() {}\n"
		"#[proc_macro_derive(Foo)]\npub fn derive_foo() {}\n"
		"pub trait Tr { fn t(&self); }\nimpl Tr for Lonely { fn t(&self) {} }\n"
		"pub const UNUSED_C: u8 = 3;\n"
		"#[cfg(test)]\nmod tests {\n    #[test]\n    pub fn a_test() { super::caller(); "
		"}\n}\n",
		"src/bin/tool.rs", "pub fn tool_helper() {}\nfn main() {}\n", "tests/it.rs",
		"pub fn it_helper() {}\n#[test]\nfn it() { it_helper(); }\n", NULL);
	lint_opts o;
	lint_opts_default(&o);
	o.cycles = false;
	o.unused_pub = true;
	o.api_public = false;
	/* by hand: caller is used by the test; ViaMethod through its method;
	 * Tr is implemented; Exported (and its method) is the root's import */
	assert_findings(&w, &o,
			"src/bin/tool.rs:1 unused unused-pub|function|tool::tool_helper\n"
			"src/inner.rs:3 unused unused-pub|struct|t::inner::Lonely\n"
			"src/inner.rs:4 unused unused-pub|method|t::inner::Lonely::alone\n"
			"src/inner.rs:8 unused unused-pub|function|t::inner::unused_fn\n"
			"src/inner.rs:16 unused unused-pub|const|t::inner::UNUSED_C");
	/* api = public: everything pub reachable from the library's root is its
	 * interface; the binary's pub fn is not */
	o.api_public = true;
	assert_findings(&w, &o, "src/bin/tool.rs:1 unused unused-pub|function|tool::tool_helper");
	/* the flags behind the entry points */
	query_ids ids = {0};
	rec_entity e;
	const char *want[][2] = {{"t::inner::tests::a_test", "test"},
				 {"t::inner::exported_c", "entry"},
				 {"t::inner::callback", "entry"},
				 {"t::inner::derive_foo", "entry"},
				 {"it::it", "test"},
				 {"t::inner::caller", "none"}};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		ids.n = 0;
		assert_int_equal(query_targets(w.txn, want[i][0], &ids), 0);
		assert_int_equal(ids.n, 1);
		assert_int_equal(query_entity(w.txn, ids.v[0], &e), 0);
		unsigned f = e.flags & (ENT_TEST | ENT_ENTRY);
		unsigned x = !strcmp(want[i][1], "test")    ? ENT_TEST
			     : !strcmp(want[i][1], "entry") ? ENT_ENTRY
							    : 0;
		if (f != x)
			fail_msg("%s: flags %#x, expected %#x", want[i][0], f, x);
	}
	pt_vec_free(&ids);
	ws_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_match),
		cmocka_unit_test(test_cycle_policy),
		cmocka_unit_test(test_forbid),
		cmocka_unit_test(test_unused_pub),
	};
	return pt_run_tests(tests, NULL, NULL);
}
