/* tests/test_places.c — a file's entities by position (query_places_*,
 * query_entity_at): the innermost item under a cursor, on a hand-written
 * workspace whose answers are read off the Rust below; every position of
 * the files against a plain scan of the stored entities; and the same
 * after an editor session's edit has moved every span. */
#define _GNU_SOURCE
#include "graph_fixture.h"

/* Lines are 0-based below, columns are byte columns. */
static const char *lib_rs =
	"pub mod m {\n"                            /* 0 */
	"    pub struct S;\n"                      /* 1 */
	"    impl S {\n"                           /* 2 */
	"        pub fn get(&self) -> u32 { 1 }\n" /* 3 */
	"        pub fn put(&self) {}\n"           /* 4 */
	"    }\n"                                  /* 5 */
	"    pub fn free() {\n"                    /* 6 */
	"        let _ = 1;\n"                     /* 7 */
	"    }\n"                                  /* 8 */
	"}\n"                                      /* 9 */
	"macro_rules! mk { ($a:ident, $b:ident) => { pub fn $a() {} pub fn $b() {} "
	"}; }\n"               /* 10 */
	"mk!(alpha, beta);\n"  /* 11 */
	"pub mod touch;\n"     /* 12 */
	"pub fn after() {}\n"; /* 13 */

/* Two items on one line with nothing between them: a's end is b's start,
 * a position there is in both, and a (13 bytes) is smaller than bb. */
static const char *touch_rs = "pub fn a() {}pub fn bb() {}\n";

/* The name of the entity answer for file rel at (line, col), or "-" when
 * there is none; from one places object and from query_entity_at, which
 * must agree. */
static const char *name_at(ws *w, const char *rel, uint32_t line, uint32_t col)
{
	static char out[64];
	uint32_t file;
	uint64_t a = 0, b = 0;
	query_places *p = NULL;
	rec_entity e;
	assert_int_equal(query_file_id(w->txn, rel, &file), PT_OK);
	assert_int_equal(query_places_load(w->txn, file, &p), PT_OK);
	int ra = query_places_at(p, line, col, &a);
	int rb = query_entity_at(w->txn, file, line, col, &b);
	query_places_free(p);
	assert_int_equal(ra, rb);
	assert_true(a == b);
	if (ra != PT_OK)
		return "-";
	assert_int_equal(query_entity(w->txn, a, &e), PT_OK);
	snprintf(out, sizeof out, "%s", e.kind == PT_IMPL ? "impl" : e.name);
	return out;
}

static void test_innermost(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", lib_rs, "src/touch.rs", touch_rs, NULL);
	assert_string_equal(name_at(&w, "src/lib.rs", 3, 20), "get");   /* `(&self)` */
	assert_string_equal(name_at(&w, "src/lib.rs", 3, 34), "get");   /* its body */
	assert_string_equal(name_at(&w, "src/lib.rs", 4, 16), "put");   /* its name */
	assert_string_equal(name_at(&w, "src/lib.rs", 2, 4), "impl");   /* `impl` */
	assert_string_equal(name_at(&w, "src/lib.rs", 5, 4), "impl");   /* its `}` */
	assert_string_equal(name_at(&w, "src/lib.rs", 4, 2), "impl");   /* before `pub fn put` */
	assert_string_equal(name_at(&w, "src/lib.rs", 1, 15), "S");     /* `S` */
	assert_string_equal(name_at(&w, "src/lib.rs", 7, 8), "free");   /* `let` */
	assert_string_equal(name_at(&w, "src/lib.rs", 8, 4), "free");   /* its `}` */
	assert_string_equal(name_at(&w, "src/lib.rs", 9, 0), "m");      /* m's `}` */
	assert_string_equal(name_at(&w, "src/lib.rs", 6, 2), "m");      /* between items */
	assert_string_equal(name_at(&w, "src/lib.rs", 10, 40), "mk");   /* the macro's body */
	assert_string_equal(name_at(&w, "src/lib.rs", 13, 8), "after"); /* `after` */
	assert_string_equal(name_at(&w, "src/lib.rs", 14, 0), "-");     /* after the last line */
	/* the two fns the invocation defines share its span: the one whose
	 * name is under the cursor */
	assert_string_equal(name_at(&w, "src/lib.rs", 11, 6), "alpha");
	assert_string_equal(name_at(&w, "src/lib.rs", 11, 12), "beta");
	const char *either = name_at(&w, "src/lib.rs", 11, 1);
	assert_true(strcmp(either, "alpha") == 0 || strcmp(either, "beta") == 0);
	/* any column: the smallest item on the line */
	assert_string_equal(name_at(&w, "src/lib.rs", 3, UINT32_MAX), "get");
	assert_string_equal(name_at(&w, "src/lib.rs", 5, UINT32_MAX), "impl");
	/* touching items */
	assert_string_equal(name_at(&w, "src/touch.rs", 0, 3), "a");
	assert_string_equal(name_at(&w, "src/touch.rs", 0, 13), "a");
	assert_string_equal(name_at(&w, "src/touch.rs", 0, 14), "bb");
	assert_string_equal(name_at(&w, "src/touch.rs", 0, 26), "bb");
	assert_string_equal(name_at(&w, "src/touch.rs", 0, 28), "-");
	ws_free(&w);
}

/* The answer at (line, col) by the rule itself, from a scan of the
 * file's stored entities: every entity whose span holds the position,
 * the fewest bytes first, then the one whose name holds it. */
static uint64_t scan_at(store_txn *txn, uint32_t file, uint32_t line, uint32_t col)
{
	query_ids ids = {0};
	uint64_t best = 0;
	uint32_t best_size = UINT32_MAX;
	bool best_named = false;
	assert_int_equal(query_file_entities(txn, file, &ids), PT_OK);
	for (size_t i = 0; i < ids.n; i++) {
		rec_entity e;
		assert_int_equal(query_entity(txn, ids.v[i], &e), PT_OK);
		bool in = (line > e.sl || (line == e.sl && col >= e.sc)) &&
			  (line < e.el || (line == e.el && col <= e.ec));
		bool named = (line > e.nsl || (line == e.nsl && col >= e.nsc)) &&
			     (line < e.nel || (line == e.nel && col <= e.nec));
		uint32_t size = e.end_byte - e.start_byte;
		if (in && (size < best_size || (size == best_size && named && !best_named))) {
			best = e.id;
			best_size = size;
			best_named = named;
		}
	}
	pt_vec_free(&ids);
	return best;
}

/* Every position of the file (and a little past each line's end). Ties of
 * one size that are not named (alpha and beta from mk's name) may go
 * either way, so those compare by span. */
static void assert_every_position(ws *w, const char *rel, uint32_t lines)
{
	uint32_t file;
	query_places *p = NULL;
	assert_int_equal(query_file_id(w->txn, rel, &file), PT_OK);
	assert_int_equal(query_places_load(w->txn, file, &p), PT_OK);
	assert_true(query_places_count(p) > 0);
	for (uint32_t l = 0; l <= lines; l++)
		for (uint32_t c = 0; c < 90; c++) {
			uint64_t got = 0, want = scan_at(w->txn, file, l, c);
			query_places_at(p, l, c, &got);
			if (got == want)
				continue;
			rec_entity a, b;
			assert_true(got && want);
			assert_int_equal(query_entity(w->txn, got, &a), PT_OK);
			assert_int_equal(query_entity(w->txn, want, &b), PT_OK);
			if (a.start_byte != b.start_byte || a.end_byte != b.end_byte)
				fail_msg("%s %u:%u: %s, the scan says %s", rel, l, c, a.name,
					 b.name);
		}
	query_places_free(p);
}

static void test_every_position(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", lib_rs, "src/touch.rs", touch_rs, NULL);
	assert_every_position(&w, "src/lib.rs", 15);
	assert_every_position(&w, "src/touch.rs", 1);
	ws_free(&w);
}

/* An editor session's edit that keeps the file's shape moves every span
 * down two lines: places made after it answer at the new positions, and
 * the database's generation moved (what tells a keeper of places made
 * before it that they are stale). */
static void test_after_edit(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", cargo, "src/lib.rs", lib_rs, "src/touch.rs", touch_rs, NULL);
	uint64_t g0 = 0, g1 = 0;
	store_meta_get_u64(w.txn, META_GENERATION, &g0);
	store_txn_abort(w.txn);
	w.txn = NULL;
	pt_strbuf t = {0};
	pt_strbuf_adds(&t, "// one\n// two\n");
	pt_strbuf_adds(&t, lib_rs);
	index_session *se = index_session_new(w.st, w.root);
	index_report rep;
	assert_int_equal(index_session_update(se, "src/lib.rs", t.buf, t.len, &rep), 0);
	assert_true(rep.fast_path);
	index_session_free(se);
	assert_int_equal(store_txn_begin(w.st, false, &w.txn), 0);
	store_meta_get_u64(w.txn, META_GENERATION, &g1);
	assert_true(g1 != g0);
	assert_string_equal(name_at(&w, "src/lib.rs", 5, 20), "get");
	assert_string_equal(name_at(&w, "src/lib.rs", 3, 15), "S");
	assert_string_equal(name_at(&w, "src/lib.rs", 3, 20), "m"); /* past `S;` now */
	assert_string_equal(name_at(&w, "src/lib.rs", 13, 6), "alpha");
	assert_string_equal(name_at(&w, "src/lib.rs", 0, 3), "-"); /* the comment */
	assert_every_position(&w, "src/lib.rs", 17);
	pt_strbuf_free(&t);
	ws_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_innermost),
		cmocka_unit_test(test_every_position),
		cmocka_unit_test(test_after_edit),
	};
	return pt_run_tests(tests, NULL, NULL);
}
