/* tests/test_store.c — the LMDB layer (store/store.h).
 *
 * Each test gets its own temporary directory under /tmp (fixture), with
 * the database in a subdirectory "db" that does not exist yet.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_main.h"

#include <fcntl.h>
#include <ftw.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/store.h"
#include "../core/base.h"

typedef struct {
	char root[64]; /* the mkdtemp directory */
	char *db;      /* root/db */
	store *s;      /* closed by teardown if still open */
} fixture;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	fixture *f = pt_xcalloc(1, sizeof *f);
	strcpy(f->root, "/tmp/pt-test-store-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	f->db = pt_xmalloc(strlen(f->root) + 4);
	sprintf(f->db, "%s/db", f->root);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	store_close(f->s);
	chmod(f->root, 0755);
	if (f->db)
		chmod(f->db, 0755);
	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->db);
	free(f);
	return 0;
}

/* A path under the fixture root (caller frees). */
static char *path_in(const fixture *f, const char *name)
{
	char *p = pt_xmalloc(strlen(f->root) + strlen(name) + 2);
	sprintf(p, "%s/%s", f->root, name);
	return p;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static bool exists_in(const char *dir, const char *name)
{
	char *p = pt_xmalloc(strlen(dir) + strlen(name) + 2);
	sprintf(p, "%s/%s", dir, name);
	bool e = exists(p);
	free(p);
	return e;
}

static store *open_new(fixture *f)
{
	assert_int_equal(store_open(f->db, STORE_CREATE, &f->s), PT_OK);
	assert_non_null(f->s);
	return f->s;
}

static void reopen(fixture *f, unsigned flags, int want)
{
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(store_open(f->db, flags, &f->s), want);
}

static void put_str(store_txn *txn, store_table t, const char *k, const char *v)
{
	assert_int_equal(store_put(txn, t, k, strlen(k), v, strlen(v) + 1), PT_OK);
}

static void put_id(store_txn *txn, store_table t, const char *k, uint64_t id)
{
	uint8_t b[8];
	store_key_u64(b, id);
	assert_int_equal(store_put(txn, t, k, strlen(k), b, 8), PT_OK);
}

static void commit_strs(store *s, store_table t, const char *const *kv, size_t n)
{
	store_txn *txn;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	for (size_t i = 0; i + 1 < n; i += 2)
		put_str(txn, t, kv[i], kv[i + 1]);
	assert_int_equal(store_txn_commit(txn), PT_OK);
}

/* The value of k as a string, or NULL when absent. */
static const char *get_str(store_txn *txn, store_table t, const char *k)
{
	store_val v;
	int rc = store_get(txn, t, k, strlen(k), &v);
	if (rc == PT_ENOTFOUND)
		return NULL;
	assert_int_equal(rc, PT_OK);
	return v.data;
}

static void assert_get(store *s, store_table t, const char *k, const char *want)
{
	store_txn *txn;
	assert_int_equal(store_txn_begin(s, false, &txn), PT_OK);
	const char *got = get_str(txn, t, k);
	if (want) {
		assert_non_null(got);
		assert_string_equal(got, want);
	} else {
		assert_null(got);
	}
	store_txn_abort(txn);
}

static uint64_t count(store *s, store_table t)
{
	store_txn *txn;
	uint64_t n = 0;
	assert_int_equal(store_txn_begin(s, false, &txn), PT_OK);
	assert_int_equal(store_count(txn, t, &n), PT_OK);
	store_txn_abort(txn);
	return n;
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static uint64_t size_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

/* ---- open, put, get, del, commit, abort -------------------------------- */

static void test_create_put_get(void **state)
{
	fixture *f = *state;
	free(f->db);
	f->db = path_in(f, "a/b/db"); /* mkdir -p */
	store *s = open_new(f);
	assert_string_equal(store_dir(s), f->db);
	assert_int_equal(store_schema_found(s), 0); /* new */

	store_txn *txn;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	put_str(txn, TBL_FILES, "src/lib.rs", "one");
	assert_string_equal(get_str(txn, TBL_FILES, "src/lib.rs"), "one"); /* own writes */
	put_str(txn, TBL_FILES, "src/lib.rs", "two");                      /* overwrite */
	assert_string_equal(get_str(txn, TBL_FILES, "src/lib.rs"), "two");
	assert_null(get_str(txn, TBL_FACTS, "src/lib.rs")); /* tables apart */
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_get(s, TBL_FILES, "src/lib.rs", "two");

	/* Aborted writes are never seen. */
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	put_str(txn, TBL_FILES, "src/main.rs", "x");
	assert_int_equal(store_del(txn, TBL_FILES, "src/lib.rs", 10, NULL, 0), PT_OK);
	store_txn_abort(txn);
	assert_get(s, TBL_FILES, "src/main.rs", NULL);
	assert_get(s, TBL_FILES, "src/lib.rs", "two");

	/* Committed delete; deleting again says NOTFOUND. */
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	assert_int_equal(store_del(txn, TBL_FILES, "src/lib.rs", 10, NULL, 0), PT_OK);
	assert_int_equal(store_del(txn, TBL_FILES, "src/lib.rs", 10, NULL, 0), PT_ENOTFOUND);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_get(s, TBL_FILES, "src/lib.rs", NULL);

	/* Data and schema persist across a reopen. */
	commit_strs(s, TBL_FILEIDS, (const char *const[]){"k", "kept"}, 2);
	reopen(f, 0, PT_OK);
	assert_int_equal(store_schema_found(f->s), STORE_SCHEMA_VERSION);
	assert_get(f->s, TBL_FILEIDS, "k", "kept");
	reopen(f, STORE_RDONLY, PT_OK);
	assert_get(f->s, TBL_FILEIDS, "k", "kept");
	reopen(f, STORE_NOSYNC, PT_OK);
	assert_get(f->s, TBL_FILEIDS, "k", "kept");
}

static void test_meta_u64(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	store_txn *txn;
	uint64_t v = 0;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	assert_int_equal(store_meta_get_u64(txn, "next_file", &v), PT_ENOTFOUND);
	assert_int_equal(store_meta_put_u64(txn, "next_file", 0x0123456789abcdefull), PT_OK);
	assert_int_equal(store_meta_get_u64(txn, "next_file", &v), PT_OK);
	assert_true(v == 0x0123456789abcdefull);
	put_str(txn, TBL_META, "odd", "abc"); /* 4 bytes: not a u64 */
	assert_int_equal(store_meta_get_u64(txn, "odd", &v), PT_ECORRUPT);
	/* The schema is stored as a u32 under "schema". */
	store_val sv;
	assert_int_equal(store_get(txn, TBL_META, "schema", 6, &sv), PT_OK);
	assert_int_equal(sv.len, 4);
	assert_int_equal(store_load_u32(sv.data), STORE_SCHEMA_VERSION);
	assert_int_equal(store_txn_commit(txn), PT_OK);
}

static void test_bad_args(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	store_txn *txn, *w;
	char big[512];
	memset(big, 'k', sizeof big);
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	assert_int_equal(store_put(txn, TBL_FILES, big, 511, "v", 1), PT_OK); /* max */
	assert_int_equal(store_put(txn, TBL_FILES, big, 512, "v", 1), PT_EINVAL);
	assert_int_equal(store_put(txn, TBL_FILES, big, 0, "v", 1), PT_EINVAL);
	assert_int_equal(store_put(txn, TBL_NAMES, "n", 1, "1234", 4), PT_EINVAL); /* not 8 */
	assert_int_equal(store_put(txn, (store_table)TBL_COUNT, "k", 1, "v", 1), PT_EINVAL);
	assert_int_equal(store_put(txn, TBL_FILES, "k", 1, "", 0), PT_OK); /* empty value */
	/* The failed calls did not poison the transaction. */
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_int_equal(count(s, TBL_FILES), 2);

	/* No writes through a read transaction. */
	assert_int_equal(store_txn_begin(s, false, &txn), PT_OK);
	assert_int_equal(store_put(txn, TBL_FILES, "k", 1, "v", 1), PT_EINVAL);
	assert_int_equal(store_del(txn, TBL_FILES, "k", 1, NULL, 0), PT_EINVAL);
	assert_int_equal(store_clear(txn), PT_EINVAL);
	assert_int_equal(store_txn_commit(txn), PT_OK);

	/* No write transaction on a read-only store. */
	reopen(f, STORE_RDONLY, PT_OK);
	assert_int_equal(store_txn_begin(f->s, true, &w), PT_EACCES);
	assert_null(w);
	assert_string_equal(store_table_name(TBL_FILEENTS), "fileents");
	assert_string_equal(store_table_name(TBL_META), "meta");
}

/* A read transaction keeps its snapshot while a writer commits (MVCC). */
static void test_mvcc(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	commit_strs(s, TBL_FILES, (const char *const[]){"k", "old"}, 2);

	store_txn *r, *w, *r2;
	assert_int_equal(store_txn_begin(s, false, &r), PT_OK);
	store_val before;
	assert_int_equal(store_get(r, TBL_FILES, "k", 1, &before), PT_OK);

	assert_int_equal(store_txn_begin(s, true, &w), PT_OK);
	put_str(w, TBL_FILES, "k", "new");
	put_str(w, TBL_FILES, "k2", "added");
	/* Uncommitted: another reader still sees the old state. */
	assert_int_equal(store_txn_begin(s, false, &r2), PT_OK);
	assert_string_equal(get_str(r2, TBL_FILES, "k"), "old");
	store_txn_abort(r2);
	assert_int_equal(store_txn_commit(w), PT_OK);

	/* Committed: the old reader's view, and its borrowed value, hold. */
	assert_string_equal(get_str(r, TBL_FILES, "k"), "old");
	assert_string_equal(before.data, "old");
	assert_null(get_str(r, TBL_FILES, "k2"));
	uint64_t n = 0;
	assert_int_equal(store_count(r, TBL_FILES, &n), PT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_txn_commit(r), PT_OK);

	assert_get(s, TBL_FILES, "k", "new");
	assert_get(s, TBL_FILES, "k2", "added");
}

typedef struct {
	store_txn *txn;
	const char *got;
	int rc;
} reader_job;

static void *reader_thread(void *p)
{
	reader_job *j = p;
	store_val v;
	j->rc = store_get(j->txn, TBL_FILES, "k", 1, &v);
	if (j->rc == PT_OK)
		j->got = v.data;
	return NULL;
}

/* MDB_NOTLS: a read txn begun in one thread can be used in another while
 * this thread writes. */
static void test_read_txn_other_thread(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	commit_strs(s, TBL_FILES, (const char *const[]){"k", "v1"}, 2);
	reader_job j = {0};
	assert_int_equal(store_txn_begin(s, false, &j.txn), PT_OK);
	store_txn *w;
	assert_int_equal(store_txn_begin(s, true, &w), PT_OK);
	put_str(w, TBL_FILES, "k", "v2");
	assert_int_equal(store_txn_commit(w), PT_OK);

	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, reader_thread, &j), 0);
	pthread_join(th, NULL);
	assert_int_equal(j.rc, PT_OK);
	assert_string_equal(j.got, "v1");
	store_txn_abort(j.txn);
}

/* ---- cursors ----------------------------------------------------------- */

static void test_cursor_plain(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	commit_strs(s, TBL_FILES,
		    (const char *const[]){"b.rs", "2", "d.rs", "4", "a.rs", "1", "c.rs", "3"}, 8);
	store_txn *txn;
	store_cursor *c;
	store_val k, v;
	assert_int_equal(store_txn_begin(s, false, &txn), PT_OK);
	assert_int_equal(store_cursor_open(txn, TBL_FILES, &c), PT_OK);

	/* Full scan in key order. */
	const char *want[] = {"a.rs", "b.rs", "c.rs", "d.rs"};
	int rc = store_cursor_seek(c, NULL, 0, &k, &v);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(rc, PT_OK);
		assert_int_equal(k.len, 4);
		assert_memory_equal(k.data, want[i], 4);
		assert_int_equal(((const char *)v.data)[0], '1' + i);
		rc = store_cursor_next(c, &k, &v);
	}
	assert_int_equal(rc, PT_ENOTFOUND);

	/* seek: first key >= the given one. */
	assert_int_equal(store_cursor_seek(c, "bz", 2, &k, NULL), PT_OK);
	assert_memory_equal(k.data, "c.rs", 4);
	assert_int_equal(store_cursor_seek(c, "b.rs", 4, &k, &v), PT_OK);
	assert_memory_equal(k.data, "b.rs", 4);
	assert_int_equal(store_cursor_next(c, &k, NULL), PT_OK);
	assert_memory_equal(k.data, "c.rs", 4);
	assert_int_equal(store_cursor_seek(c, "z", 1, &k, &v), PT_ENOTFOUND);

	/* A plain table has one "duplicate" per key. */
	assert_int_equal(store_cursor_first_dup(c, "c.rs", 4, &v), PT_OK);
	assert_string_equal(v.data, "3");
	assert_int_equal(store_cursor_next_dup(c, &v), PT_ENOTFOUND);
	assert_int_equal(store_cursor_first_dup(c, "c", 1, &v), PT_ENOTFOUND);
	store_cursor_close(c);

	/* Empty table. */
	assert_int_equal(store_cursor_open(txn, TBL_ENTS, &c), PT_OK);
	assert_int_equal(store_cursor_seek(c, NULL, 0, &k, &v), PT_ENOTFOUND);
	store_cursor_close(c);
	store_txn_abort(txn);
}

static uint64_t id_of(store_val v)
{
	assert_int_equal(v.len, 8);
	return store_load_u64(v.data);
}

static void test_cursor_dupsort(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	store_txn *txn;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	put_id(txn, TBL_NAMES, "foo", 3);
	put_id(txn, TBL_NAMES, "foo", 1);
	put_id(txn, TBL_NAMES, "foo", 2);
	put_id(txn, TBL_NAMES, "foo", 2); /* same pair again: no new entry */
	put_id(txn, TBL_NAMES, "bar", 9);
	put_id(txn, TBL_NAMES, "zed", 5);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_int_equal(count(s, TBL_NAMES), 5);

	store_cursor *c;
	store_val k, v;
	assert_int_equal(store_txn_begin(s, false, &txn), PT_OK);
	assert_int_equal(store_cursor_open(txn, TBL_NAMES, &c), PT_OK);
	/* next visits every (key, value) pair, values in order. */
	const char *wk[] = {"bar", "foo", "foo", "foo", "zed"};
	const uint64_t wv[] = {9, 1, 2, 3, 5};
	int rc = store_cursor_seek(c, NULL, 0, &k, &v);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(rc, PT_OK);
		assert_memory_equal(k.data, wk[i], 3);
		assert_true(id_of(v) == wv[i]);
		rc = store_cursor_next(c, &k, &v);
	}
	assert_int_equal(rc, PT_ENOTFOUND);

	/* The duplicates of exactly one key. */
	assert_int_equal(store_cursor_first_dup(c, "foo", 3, &v), PT_OK);
	assert_true(id_of(v) == 1);
	assert_int_equal(store_cursor_next_dup(c, &v), PT_OK);
	assert_true(id_of(v) == 2);
	assert_int_equal(store_cursor_next_dup(c, &v), PT_OK);
	assert_true(id_of(v) == 3);
	assert_int_equal(store_cursor_next_dup(c, &v), PT_ENOTFOUND);
	assert_int_equal(store_cursor_first_dup(c, "fo", 2, &v), PT_ENOTFOUND);
	assert_int_equal(store_cursor_first_dup(c, "bar", 3, &v), PT_OK);
	assert_true(id_of(v) == 9);
	assert_int_equal(store_cursor_next_dup(c, &v), PT_ENOTFOUND);
	store_cursor_close(c);
	store_txn_abort(txn);

	/* Delete one duplicate, then all of a key. */
	uint8_t two[8];
	store_key_u64(two, 2);
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	assert_int_equal(store_del(txn, TBL_NAMES, "foo", 3, two, 8), PT_OK);
	assert_int_equal(store_del(txn, TBL_NAMES, "foo", 3, two, 8), PT_ENOTFOUND);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_int_equal(count(s, TBL_NAMES), 4);
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	assert_int_equal(store_del(txn, TBL_NAMES, "foo", 3, NULL, 0), PT_OK);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_int_equal(count(s, TBL_NAMES), 2);
}

/* A cursor left open when its transaction ends is detached, not freed
 * under the caller: closing it later is safe, using it is EINVAL. */
static void test_cursor_outlives_txn(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	store_txn *txn;
	store_cursor *c1, *c2, *c3;
	store_val k, v;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	put_id(txn, TBL_FILEENTS, "\1\0\0\0", 7);
	assert_int_equal(store_cursor_open(txn, TBL_FILEENTS, &c1), PT_OK);
	assert_int_equal(store_cursor_open(txn, TBL_FILEENTS, &c2), PT_OK);
	assert_int_equal(store_cursor_open(txn, TBL_FILES, &c3), PT_OK);
	assert_int_equal(store_cursor_seek(c1, NULL, 0, &k, &v), PT_OK);
	assert_true(id_of(v) == 7);
	store_cursor_close(c2); /* from the middle of the list */
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_int_equal(store_cursor_next(c1, &k, &v), PT_EINVAL);
	assert_int_equal(store_cursor_next_dup(c1, &v), PT_EINVAL);
	store_cursor_close(c1);
	store_cursor_close(c3);
	store_cursor_close(NULL);

	assert_int_equal(store_txn_begin(s, false, &txn), PT_OK);
	assert_int_equal(store_cursor_open(txn, TBL_FILEENTS, &c1), PT_OK);
	store_txn_abort(txn);
	store_cursor_close(c1);
	assert_int_equal(count(s, TBL_FILEENTS), 1);
}

/* ---- count and clear --------------------------------------------------- */

static void test_count_clear(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	assert_int_equal(count(s, TBL_META), 1); /* the schema */
	store_txn *txn;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	for (int i = 0; i < 100; i++) {
		char k[16];
		snprintf(k, sizeof k, "f%03d", i);
		put_str(txn, TBL_FILES, k, "x");
		put_id(txn, TBL_FILEENTS, "file", (uint64_t)i);
	}
	put_str(txn, TBL_ENTS, "e", "y");
	assert_int_equal(store_meta_put_u64(txn, "next_file", 100), PT_OK);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_int_equal(count(s, TBL_FILES), 100);
	assert_int_equal(count(s, TBL_FILEENTS), 100);
	assert_int_equal(count(s, TBL_ENTS), 1);
	assert_int_equal(count(s, TBL_META), 2);

	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	assert_int_equal(store_clear(txn), PT_OK);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	for (int t = TBL_META + 1; t < TBL_COUNT; t++)
		assert_int_equal(count(s, (store_table)t), 0);
	assert_int_equal(count(s, TBL_META), 2); /* META stays */

	/* Tables stay usable after the clear. */
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	put_id(txn, TBL_FILEENTS, "file", 1);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_int_equal(count(s, TBL_FILEENTS), 1);
	reopen(f, 0, PT_OK);
}

/* ---- open failures ----------------------------------------------------- */

static void test_missing_dir(void **state)
{
	fixture *f = *state;
	store *s = (store *)1;
	assert_int_equal(store_open(f->db, 0, &s), PT_ENOENT);
	assert_null(s);
	assert_int_equal(store_open(f->db, STORE_RDONLY | STORE_CREATE, &s), PT_ENOENT);
	assert_null(s);
	assert_false(exists(f->db)); /* read-only never creates */

	/* An existing directory without a database: read-only finds none,
	 * and leaves no lock file behind. */
	assert_int_equal(mkdir(f->db, 0755), 0);
	assert_int_equal(store_open(f->db, STORE_RDONLY, &s), PT_ENOENT);
	assert_null(s);
	assert_false(exists_in(f->db, "lock.mdb"));
	assert_int_equal(store_open(NULL, 0, &s), PT_EINVAL);
	assert_int_equal(store_open("", 0, &s), PT_EINVAL);
}

/* A directory the store creates gets a .gitignore of `*` (git leaves the
 * database untracked); one it finds does not; store_remove takes ours
 * away with the directory, and leaves one that someone else wrote. */
static void test_gitignore(void **state)
{
	fixture *f = *state;
	open_new(f);
	char *gi = pt_xmalloc(strlen(f->db) + 16);
	sprintf(gi, "%s/.gitignore", f->db);
	size_t n = 0;
	char *text = pt_read_file(gi, &n);
	assert_non_null(text);
	assert_non_null(strstr(text, "\n*\n")); /* a line with `*` alone */
	free(text);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(store_remove(f->db), PT_OK);
	assert_false(exists(f->db));

	/* an existing directory: nothing written; someone else's .gitignore stays */
	assert_int_equal(mkdir(f->db, 0755), 0);
	open_new(f);
	assert_false(exists(gi));
	store_close(f->s);
	f->s = NULL;
	FILE *o = fopen(gi, "w");
	fputs("*.mdb\n", o);
	fclose(o);
	assert_int_equal(store_remove(f->db), PT_OK);
	assert_true(exists(gi));
	free(gi);
}

/* Something that is not a directory in the way fails even for root. */
static void test_not_a_directory(void **state)
{
	fixture *f = *state;
	store *s = (store *)1;
	write_file(f->db, "file", 4);
	assert_int_equal(store_open(f->db, STORE_CREATE, &s), PT_EACCES);
	assert_null(s);
	assert_int_equal(store_open(f->db, 0, &s), PT_EACCES);
	assert_int_equal(store_open(f->db, STORE_RDONLY, &s), PT_EACCES);

	char *under = path_in(f, "db/sub/db"); /* a parent is a regular file */
	assert_int_equal(store_open(under, STORE_CREATE, &s), PT_EACCES);
	assert_null(s);
	assert_int_equal(store_open(under, 0, &s), PT_EACCES);
	assert_int_equal(store_remove(f->db), PT_EACCES);
	free(under);
}

static void test_readonly_dir(void **state)
{
	fixture *f = *state;
	open_new(f);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(chmod(f->db, 0555), 0);
	if (geteuid() == 0) {
		print_message("skipped: running as root, chmod 0555 does not stop writes\n");
		skip();
	}
	assert_int_equal(store_open(f->db, 0, &f->s), PT_EACCES);
	assert_null(f->s);
	/* Read-only still works: the lock file is already there. */
	assert_int_equal(store_open(f->db, STORE_RDONLY, &f->s), PT_OK);
	char *sub = path_in(f, "db/new");
	store *s2;
	assert_int_equal(store_open(sub, STORE_CREATE, &s2), PT_EACCES);
	free(sub);
}

/* ---- schema ------------------------------------------------------------ */

static void put_schema_raw(fixture *f, const void *v, size_t n)
{
	store_txn *txn;
	assert_int_equal(store_txn_begin(f->s, true, &txn), PT_OK);
	assert_int_equal(store_put(txn, TBL_META, "schema", 6, v, n), PT_OK);
	put_str(txn, TBL_FILES, "old.rs", "old");
	assert_int_equal(store_txn_commit(txn), PT_OK);
}

static void test_schema_mismatch(void **state)
{
	fixture *f = *state;
	open_new(f);
	uint8_t v[4];
	store_key_u32(v, 99);
	put_schema_raw(f, v, 4);

	/* Read-only: opened, told, but usable for reading. */
	reopen(f, STORE_RDONLY, PT_ESCHEMA);
	assert_non_null(f->s);
	assert_int_equal(store_schema_found(f->s), 99);
	assert_get(f->s, TBL_FILES, "old.rs", "old");

	reopen(f, 0, PT_ESCHEMA);
	assert_non_null(f->s);
	assert_int_equal(store_schema_found(f->s), 99);
	store_txn *txn;
	assert_int_equal(store_txn_begin(f->s, true, &txn), PT_OK);
	assert_int_equal(store_clear(txn), PT_OK);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_get(f->s, TBL_FILES, "old.rs", NULL);

	/* After the clear it is a database of our schema. */
	reopen(f, 0, PT_OK);
	assert_int_equal(store_schema_found(f->s), STORE_SCHEMA_VERSION);
	store_stats st;
	assert_int_equal(store_stats_get(f->s, &st), PT_OK);
	assert_int_equal(st.schema, STORE_SCHEMA_VERSION);
}

/* A schema value of another size is another schema, not corruption. */
static void test_schema_other_layout(void **state)
{
	fixture *f = *state;
	open_new(f);
	put_schema_raw(f, "\1\0\0\0\0\0\0\0", 8);
	reopen(f, 0, PT_ESCHEMA);
	assert_non_null(f->s);
	assert_int_equal(store_schema_found(f->s), UINT32_MAX);
}

/* Build, with raw LMDB, a database of "schema 7" whose names table is a
 * plain table and that lacks the fileents table altogether. */
static void make_old_schema(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, names;
	uint8_t v7[4] = {7, 0, 0, 0};
	MDB_val k = {6, "schema"}, v = {4, v7}, nk = {3, "foo"}, nv = {3, "abc"};
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0644), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", MDB_CREATE, &meta), 0);
	assert_int_equal(mdb_dbi_open(txn, "names", MDB_CREATE, &names), 0);
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_put(txn, names, &nk, &nv, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void test_schema_old_tables(void **state)
{
	fixture *f = *state;
	make_old_schema(f->db);
	store_txn *txn;
	store_val v;

	/* Read-only: the tables that do not match stay closed. */
	assert_int_equal(store_open(f->db, STORE_RDONLY, &f->s), PT_ESCHEMA);
	assert_int_equal(store_schema_found(f->s), 7);
	assert_int_equal(store_txn_begin(f->s, false, &txn), PT_OK);
	assert_int_equal(store_get(txn, TBL_NAMES, "foo", 3, &v), PT_ESCHEMA);
	assert_int_equal(store_get(txn, TBL_FILEENTS, "foo", 3, &v), PT_ESCHEMA);
	assert_int_equal(store_get(txn, TBL_FILES, "foo", 3, &v), PT_ESCHEMA);
	store_txn_abort(txn);
	store_stats st;
	assert_int_equal(store_stats_get(f->s, &st), PT_OK);
	assert_int_equal(st.schema, 7);
	assert_int_equal(st.entries[TBL_NAMES], 0);

	/* Writable: recreated with our layout, then cleared and rebuilt. */
	reopen(f, 0, PT_ESCHEMA);
	assert_non_null(f->s);
	assert_int_equal(store_txn_begin(f->s, true, &txn), PT_OK);
	assert_int_equal(store_clear(txn), PT_OK);
	put_id(txn, TBL_NAMES, "foo", 1);
	put_id(txn, TBL_NAMES, "foo", 2);
	put_id(txn, TBL_FILEENTS, "\1\0\0\0", 1);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	reopen(f, 0, PT_OK);
	assert_int_equal(count(f->s, TBL_NAMES), 2);
	assert_int_equal(count(f->s, TBL_FILEENTS), 1);
}

/* ---- corruption -------------------------------------------------------- */

static void fill_some(store *s, int n, size_t vlen)
{
	store_txn *txn;
	char *val = pt_xmalloc(vlen);
	memset(val, 'v', vlen);
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	for (int i = 0; i < n; i++) {
		char k[16];
		snprintf(k, sizeof k, "key%06d", i);
		assert_int_equal(store_put(txn, TBL_FACTS, k, strlen(k), val, vlen), PT_OK);
	}
	assert_int_equal(store_txn_commit(txn), PT_OK);
	free(val);
}

/* Close the fixture's store, then expect every kind of open to refuse. */
static void assert_corrupt(fixture *f)
{
	store *s = (store *)1;
	assert_int_equal(store_open(f->db, 0, &s), PT_ECORRUPT);
	assert_null(s);
	assert_int_equal(store_open(f->db, STORE_RDONLY, &s), PT_ECORRUPT);
	assert_null(s);
	assert_int_equal(store_compact(f->db, NULL, NULL), PT_ECORRUPT);
}

static char *data_path(fixture *f)
{
	char *p = pt_xmalloc(strlen(f->db) + 10);
	sprintf(p, "%s/data.mdb", f->db);
	return p;
}

static void test_corrupt_garbage(void **state)
{
	fixture *f = *state;
	fill_some(open_new(f), 200, 100);
	store_close(f->s);
	f->s = NULL;
	char *data = data_path(f);
	size_t n = (size_t)size_of(data);
	uint8_t *junk = pt_xmalloc(n);
	srand(1);
	for (size_t i = 0; i < n; i++)
		junk[i] = (uint8_t)rand();
	write_file(data, junk, n);
	assert_corrupt(f);

	write_file(data, "not an LMDB file\n", 17); /* shorter than a page */
	assert_corrupt(f);
	free(junk);
	free(data);
}

static void test_corrupt_truncated(void **state)
{
	fixture *f = *state;
	fill_some(open_new(f), 2000, 200);
	store_close(f->s);
	f->s = NULL;
	char *data = data_path(f);
	uint64_t n = size_of(data);
	long page = sysconf(_SC_PAGESIZE);
	assert_true(n > 16 * (uint64_t)page);

	/* Past the meta pages: LMDB would map pages that are not there. */
	assert_int_equal(truncate(data, (off_t)n / 2), 0);
	assert_corrupt(f);
	assert_int_equal(truncate(data, 3 * page), 0);
	assert_corrupt(f);
	/* Inside the meta pages. */
	assert_int_equal(truncate(data, 100), 0);
	assert_corrupt(f);
	free(data);
}

/* A scribbled meta page (its magic) is refused, not followed. */
static void test_corrupt_meta(void **state)
{
	fixture *f = *state;
	fill_some(open_new(f), 10, 10);
	store_close(f->s);
	f->s = NULL;
	char *data = data_path(f);
	int fd = open(data, O_RDWR);
	assert_true(fd >= 0);
	/* Both metas: page header (16 bytes), then mm_magic. */
	long page = sysconf(_SC_PAGESIZE);
	assert_int_equal(pwrite(fd, "XXXX", 4, 16), 4);
	assert_int_equal(pwrite(fd, "XXXX", 4, page + 16), 4);
	close(fd);
	assert_corrupt(f);
	free(data);
}

/* An empty data file is what a crash during creation leaves: LMDB
 * initialises it as a new database. */
static void test_empty_data_file(void **state)
{
	fixture *f = *state;
	assert_int_equal(mkdir(f->db, 0755), 0);
	char *data = data_path(f);
	write_file(data, "", 0);
	assert_int_equal(store_open(f->db, 0, &f->s), PT_OK);
	assert_int_equal(store_schema_found(f->s), 0);
	assert_int_equal(count(f->s, TBL_META), 1);
	free(data);
}

/* ---- map full and growth ----------------------------------------------- */

/* Put n values of 200 bytes in one transaction; returns the first error. */
static int put_many(store *s, int n)
{
	store_txn *txn;
	char val[200];
	memset(val, 'm', sizeof val);
	int rc = store_txn_begin(s, true, &txn);
	for (int i = 0; !rc && i < n; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%07d", i);
		rc = store_put(txn, TBL_FACTS, k, strlen(k), val, sizeof val);
	}
	if (rc) {
		/* After a map-full error the txn only aborts: the error sticks. */
		assert_int_equal(store_put(txn, TBL_FACTS, "again", 5, "x", 1), rc);
		assert_int_equal(store_txn_commit(txn), rc); /* frees txn */
		return rc;
	}
	return store_txn_commit(txn);
}

static void test_map_full_grow(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	store_stats st;
	assert_int_equal(store_stats_get(s, &st), PT_OK);
	assert_true(st.map_size >= (1ull << 30)); /* initial map */

	assert_int_equal(store_set_mapsize(s, 256 * 1024), PT_OK);
	assert_int_equal(store_stats_get(s, &st), PT_OK);
	uint64_t small = st.map_size;
	assert_true(small < (1ull << 20));

	/* Fill until full; the failed transaction leaves nothing behind. */
	int n = 0, rc = PT_OK;
	while (rc == PT_OK && n < 100000) {
		n += 100;
		rc = put_many(s, n);
	}
	assert_int_equal(rc, PT_EMAPFULL);
	assert_true(n > 100);
	assert_int_equal(count(s, TBL_FACTS), (uint64_t)(n - 100));

	/* Grow (with no txn open), retry: it fits. */
	assert_int_equal(store_grow(s), PT_OK);
	assert_int_equal(store_stats_get(s, &st), PT_OK);
	assert_true(st.map_size == 2 * small);
	assert_int_equal(put_many(s, n), PT_OK);
	assert_int_equal(count(s, TBL_FACTS), (uint64_t)n);

	/* No growth while a write transaction is open. */
	store_txn *txn;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	assert_int_equal(store_grow(s), PT_EINVAL);
	store_txn_abort(txn);
}

/* A map grown past the initial size is kept at the next open. */
static void test_grown_map_persists(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	assert_int_equal(store_grow(s), PT_OK);
	fill_some(s, 1, 1); /* a commit records the map size */
	reopen(f, 0, PT_OK);
	store_stats st;
	assert_int_equal(store_stats_get(f->s, &st), PT_OK);
	assert_true(st.map_size == (2ull << 30));
}

/* ---- stats ------------------------------------------------------------- */

static void test_stats(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	fill_some(s, 50, 10);
	store_txn *txn;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	put_id(txn, TBL_NAMES, "a", 1);
	put_id(txn, TBL_NAMES, "a", 2);
	put_id(txn, TBL_NAMES, "b", 1);
	assert_int_equal(store_txn_commit(txn), PT_OK);

	store_stats st;
	assert_int_equal(store_stats_get(s, &st), PT_OK);
	assert_int_equal(st.schema, STORE_SCHEMA_VERSION);
	assert_int_equal(st.entries[TBL_FACTS], 50);
	assert_int_equal(st.entries[TBL_NAMES], 3);
	assert_int_equal(st.entries[TBL_META], 1);
	assert_int_equal(st.entries[TBL_FILES], 0);
	char *data = data_path(f);
	assert_true(st.file_size == size_of(data));
	free(data);
	assert_true(st.readers_max >= 126);
	assert_int_equal(st.readers_used, 0);

	store_txn *r1, *r2;
	assert_int_equal(store_txn_begin(s, false, &r1), PT_OK);
	assert_int_equal(store_txn_begin(s, false, &r2), PT_OK);
	assert_int_equal(store_stats_get(s, &st), PT_OK);
	assert_int_equal(st.readers_used, 2);
	store_txn_abort(r1);
	store_txn_abort(r2);
	assert_int_equal(store_stats_get(s, &st), PT_OK);
	assert_int_equal(st.readers_used, 0);
}

/* ---- snapshot, restore, compact, remove -------------------------------- */

/* Every (key, value) of every table, as one comparable string. */
static void dump(store *s, pt_strbuf *out)
{
	store_txn *txn;
	out->len = 0;
	assert_int_equal(store_txn_begin(s, false, &txn), PT_OK);
	for (int t = 0; t < TBL_COUNT; t++) {
		store_cursor *c;
		store_val k, v;
		assert_int_equal(store_cursor_open(txn, (store_table)t, &c), PT_OK);
		for (int rc = store_cursor_seek(c, NULL, 0, &k, &v); rc != PT_ENOTFOUND;
		     rc = store_cursor_next(c, &k, &v)) {
			assert_int_equal(rc, PT_OK);
			pt_strbuf_printf(out, "%d|%zu|", t, k.len);
			pt_strbuf_add(out, k.data, k.len);
			pt_strbuf_printf(out, "|%zu|", v.len);
			pt_strbuf_add(out, v.data, v.len);
			pt_strbuf_addc(out, '\n');
		}
		store_cursor_close(c);
	}
	store_txn_abort(txn);
}

static void fill_all(store *s, const char *tag)
{
	store_txn *txn;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	for (int i = 0; i < 300; i++) {
		char k[32];
		snprintf(k, sizeof k, "%s-%04d", tag, i);
		put_str(txn, TBL_FILES, k, tag);
		put_str(txn, TBL_ENTS, k, "entity");
		put_id(txn, TBL_NAMES, tag, (uint64_t)i);
	}
	assert_int_equal(store_meta_put_u64(txn, "root", 12345), PT_OK);
	assert_int_equal(store_txn_commit(txn), PT_OK);
}

static void test_snapshot_restore(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	fill_all(s, "orig");
	pt_strbuf want = {0}, got = {0};
	dump(s, &want);
	assert_true(want.len > 1000);

	char *snap = path_in(f, "snap.mdb");
	assert_int_equal(store_snapshot(s, snap), PT_OK);
	assert_true(exists(snap));
	char *tmp = path_in(f, "snap.mdb.tmp"), *lock = path_in(f, "snap.mdb-lock");
	assert_false(exists(tmp));
	store_close(f->s);
	f->s = NULL;

	/* Restore into a directory that does not exist yet. */
	char *other = path_in(f, "other/db");
	assert_int_equal(store_restore(other, snap), PT_OK);
	assert_false(exists(lock)); /* verified without a lock file */
	store *o;
	assert_int_equal(store_open(other, 0, &o), PT_OK);
	assert_int_equal(store_schema_found(o), STORE_SCHEMA_VERSION);
	dump(o, &got);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.buf, want.buf, want.len);

	/* Restore over a database with other contents replaces them, and
	 * drops the old lock file. */
	fill_all(o, "changed");
	dump(o, &got);
	assert_true(got.len != want.len);
	store_close(o);
	assert_true(exists_in(other, "lock.mdb"));
	assert_int_equal(store_restore(other, snap), PT_OK);
	assert_false(exists_in(other, "data.mdb.tmp"));
	assert_false(exists_in(other, "lock.mdb"));
	assert_int_equal(store_open(other, 0, &o), PT_OK);
	dump(o, &got);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.buf, want.buf, want.len);
	store_close(o);

	pt_strbuf_free(&want);
	pt_strbuf_free(&got);
	free(snap);
	free(tmp);
	free(lock);
	free(other);
}

/* A bad snapshot is refused before the target is touched. */
static void test_restore_rejects(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	fill_all(s, "keep");
	pt_strbuf want = {0}, got = {0};
	dump(s, &want);
	char *snap = path_in(f, "snap.mdb"), *junk = path_in(f, "junk.mdb");
	char *missing = path_in(f, "missing.mdb");
	uint8_t v[4];
	store_key_u32(v, 42);
	store_txn *txn;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	assert_int_equal(store_put(txn, TBL_META, "schema", 6, v, 4), PT_OK);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	assert_int_equal(store_snapshot(s, snap), PT_OK); /* schema 42 */
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	store_key_u32(v, STORE_SCHEMA_VERSION);
	assert_int_equal(store_put(txn, TBL_META, "schema", 6, v, 4), PT_OK);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	store_close(f->s);
	f->s = NULL;

	char page[8192];
	memset(page, 0x5a, sizeof page);
	write_file(junk, page, sizeof page);
	assert_int_equal(store_restore(f->db, snap), PT_ESCHEMA);
	assert_int_equal(store_restore(f->db, junk), PT_ECORRUPT);
	assert_int_equal(store_restore(f->db, missing), PT_ENOENT);
	assert_int_equal(store_restore(f->db, f->root), PT_EINVAL); /* a directory */

	assert_int_equal(store_open(f->db, 0, &f->s), PT_OK);
	dump(f->s, &got);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.buf, want.buf, want.len);
	pt_strbuf_free(&want);
	pt_strbuf_free(&got);
	free(snap);
	free(junk);
	free(missing);
}

static void test_compact(void **state)
{
	fixture *f = *state;
	store *s = open_new(f);
	fill_some(s, 3000, 300);
	store_txn *txn;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	for (int i = 0; i < 3000; i++) {
		if (i % 100 == 0)
			continue;
		char k[16];
		snprintf(k, sizeof k, "key%06d", i);
		assert_int_equal(store_del(txn, TBL_FACTS, k, strlen(k), NULL, 0), PT_OK);
	}
	assert_int_equal(store_txn_commit(txn), PT_OK);
	pt_strbuf want = {0}, got = {0};
	dump(s, &want);
	store_close(f->s);
	f->s = NULL;

	char *data = data_path(f);
	uint64_t was = size_of(data), before = 0, after = 0;
	assert_int_equal(store_compact(f->db, &before, &after), PT_OK);
	assert_true(before == was);
	assert_true(after == size_of(data));
	assert_true(after * 4 < before);
	assert_false(exists_in(f->db, "data.mdb.compact"));
	assert_false(exists_in(f->db, "lock.mdb"));

	assert_int_equal(store_open(f->db, 0, &f->s), PT_OK);
	assert_int_equal(count(f->s, TBL_FACTS), 30);
	dump(f->s, &got);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.buf, want.buf, want.len);
	store_close(f->s);
	f->s = NULL;

	char *none = path_in(f, "none");
	assert_int_equal(store_compact(none, &before, &after), PT_ENOENT);
	free(none);
	free(data);
	pt_strbuf_free(&want);
	pt_strbuf_free(&got);
}

/* ---- the check of a data.mdb changed behind our back ---------------------- */

static int deep_says_corrupt(store_txn *txn)
{
	(void)txn;
	return PT_ECORRUPT;
}

static void set_mtime(const char *path, time_t sec)
{
	struct timespec t[2] = {{sec, 0}, {sec, 0}};
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

/* Our own commits stamp the file, so it is not checked again; a file
 * changed by anything else is, and fails if the deep check fails. */
static void test_check_when_changed(void **state)
{
	fixture *f = *state;
	fill_some(open_new(f), 50, 10);
	store_close(f->s);
	f->s = NULL;
	char *data = data_path(f);
	/* just written: a write in the same clock tick would keep the file's
	 * time, so the file is not trusted yet */
	store_set_deep_check(deep_says_corrupt);
	store *s = (store *)1;
	assert_int_equal(store_open(f->db, 0, &s), PT_ECORRUPT);
	assert_null(s);
	/* an older file that passes the check is stamped ... */
	set_mtime(data, 1000000000);
	store_set_deep_check(NULL);
	assert_int_equal(store_check(f->db), PT_OK);
	assert_true(exists_in(f->db, "checked"));
	/* ... and not checked again while it is the same file */
	store_set_deep_check(deep_says_corrupt);
	reopen(f, 0, PT_OK);
	store_close(f->s);
	f->s = NULL;
	/* changed behind our back: checked again */
	set_mtime(data, 1000000001);
	assert_int_equal(store_open(f->db, 0, &s), PT_ECORRUPT);
	assert_null(s);
	assert_int_equal(store_open(f->db, STORE_RDONLY, &s), PT_ECORRUPT);
	assert_int_equal(store_open(f->db, STORE_NOCHECK, &s), PT_OK); /* asked not to */
	store_close(s);
	store_set_deep_check(NULL);
	free(data);
}

/* A bogus page number in LMDB's free list is only followed by the next
 * writer; the check refuses it before anything is opened. */
static void test_check_freelist(void **state)
{
	fixture *f = *state;
	fill_some(open_new(f), 2000, 200);
	store_txn *txn;
	assert_int_equal(store_txn_begin(f->s, true, &txn), PT_OK);
	assert_int_equal(store_clear(txn), PT_OK);
	assert_int_equal(store_txn_commit(txn), PT_OK);
	fill_some(f->s, 1, 10); /* a later txn: the freed pages are listed */
	store_close(f->s);
	f->s = NULL;
	reopen(f, 0, PT_OK);
	store_close(f->s);
	f->s = NULL;

	/* find the free list's first record in the file, with LMDB itself */
	MDB_env *env;
	MDB_txn *t;
	MDB_cursor *c;
	MDB_val k, v;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, f->db, MDB_RDONLY, 0644), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(mdb_cursor_open(t, 0, &c), 0);
	assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
	size_t n, len = v.mv_size;
	memcpy(&n, v.mv_data, sizeof n);
	assert_true(n > 0 && len == (n + 1) * sizeof n);
	uint8_t *rec = pt_xmalloc(len);
	memcpy(rec, v.mv_data, len);
	mdb_cursor_close(c);
	mdb_txn_abort(t);
	mdb_env_close(env);

	/* the record's bytes are in the file once */
	char *data = data_path(f);
	size_t fsz = (size_t)size_of(data);
	uint8_t *file = pt_xmalloc(fsz);
	int fd = open(data, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, file, fsz, 0), (ssize_t)fsz);
	size_t bogus = (size_t)1 << 40; /* far past the last page */
	int copies = 0;                 /* older pages may hold copies too */
	for (size_t i = 0; i + len <= fsz; i++)
		if (memcmp(file + i, rec, len) == 0) {
			assert_int_equal(pwrite(fd, &bogus, sizeof bogus, (off_t)(i + sizeof n)),
					 (ssize_t)sizeof bogus);
			copies++;
		}
	assert_true(copies > 0);
	close(fd);
	free(file);
	free(rec);
	store *s = (store *)1;
	assert_int_equal(store_open(f->db, 0, &s), PT_ECORRUPT);
	assert_null(s);
	free(data);
}

/* A process killed while it reads leaves its reader slot taken; the next
 * writer of another process frees it. */
static void test_stale_reader_cleared(void **state)
{
	fixture *f = *state;
	fill_some(open_new(f), 10, 10);
	store_stats st;
	assert_int_equal(store_stats_get(f->s, &st), PT_OK);
	assert_int_equal(st.readers_used, 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		store *s = NULL;
		store_txn *t = NULL;
		if (store_open(f->db, STORE_RDONLY | STORE_NOCHECK, &s) ||
		    store_txn_begin(s, false, &t))
			_exit(1);
		raise(SIGKILL);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(store_stats_get(f->s, &st), PT_OK);
	assert_int_equal(st.readers_used, 1); /* the dead reader's slot */
	fill_some(f->s, 1, 10);
	assert_int_equal(store_stats_get(f->s, &st), PT_OK);
	assert_int_equal(st.readers_used, 0);
}

static void test_remove(void **state)
{
	fixture *f = *state;
	fill_some(open_new(f), 10, 10);
	store_close(f->s);
	f->s = NULL;
	assert_true(exists_in(f->db, "data.mdb"));
	assert_int_equal(store_remove(f->db), PT_OK);
	assert_false(exists(f->db));
	assert_int_equal(store_remove(f->db), PT_ENOENT);

	/* Files that are not ours keep the directory. */
	open_new(f);
	store_close(f->s);
	f->s = NULL;
	char *mine = path_in(f, "db/notes.txt");
	write_file(mine, "mine", 4);
	assert_int_equal(store_remove(f->db), PT_OK);
	assert_false(exists_in(f->db, "data.mdb"));
	assert_false(exists_in(f->db, "lock.mdb"));
	assert_true(exists(mine));
	free(mine);
}

static void test_strerror(void **state)
{
	(void)state;
	/* every code has its own sentence; a value that is no code has none */
	static const int codes[] = {PT_OK,       PT_ENOTFOUND, PT_ENOENT, PT_EACCES, PT_ESCHEMA,
				    PT_ECORRUPT, PT_EMAPFULL,  PT_ENOSPC, PT_EBUSY,  PT_EIO,
				    PT_EINVAL,   PT_ETIMEDOUT, PT_ENOROOT};
	size_t n = sizeof codes / sizeof *codes;
	for (size_t a = 0; a < n; a++) {
		const char *m = pt_strerror(codes[a]);
		assert_non_null(m);
		assert_true(strlen(m) > 5);
		assert_string_not_equal(m, "unknown error");
		for (size_t b = 0; b < a; b++)
			assert_string_not_equal(m, pt_strerror(codes[b]));
	}
	assert_string_equal(pt_strerror(-1), "unknown error");
	assert_string_equal(pt_strerror(1), "unknown error");
	assert_string_equal(pt_strerror(PT_ERR_BASE), "unknown error");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_put_get),
		T(test_meta_u64),
		T(test_bad_args),
		T(test_mvcc),
		T(test_read_txn_other_thread),
		T(test_cursor_plain),
		T(test_cursor_dupsort),
		T(test_cursor_outlives_txn),
		T(test_count_clear),
		T(test_gitignore),
		T(test_missing_dir),
		T(test_not_a_directory),
		T(test_readonly_dir),
		T(test_schema_mismatch),
		T(test_schema_other_layout),
		T(test_schema_old_tables),
		T(test_corrupt_garbage),
		T(test_corrupt_truncated),
		T(test_corrupt_meta),
		T(test_empty_data_file),
		T(test_map_full_grow),
		T(test_grown_map_persists),
		T(test_stats),
		T(test_snapshot_restore),
		T(test_restore_rejects),
		T(test_compact),
		T(test_check_when_changed),
		T(test_check_freelist),
		T(test_stale_reader_cleared),
		T(test_remove),
		T(test_strerror),
	};
	return pt_run_tests(tests, NULL, NULL);
}
