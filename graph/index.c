/* graph/index.c — see index.h. A run over the whole workspace
 * (index_run) or one file (index_update_file): change detection, parsing
 * in parallel, storing files and facts, resolving; index_write.c writes
 * the graph (the diff-write). The editor session (index_session.c) reuses
 * the parsing and writing pieces through index_int.h.
 */
#define _GNU_SOURCE
#include "index_int.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BIG_FILE (256u << 10)

_Static_assert(PT_KIND_MAX == REC_ENTITY_KINDS, "store/records.h must know every entity kind");

double ix_secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static int read_all(const char *path, uint64_t max, pt_strbuf *out, int *skip)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*skip = SKIP_UNREADABLE;
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size > max) {
		*skip = SKIP_TOO_BIG;
		close(fd);
		return -1;
	}
	char buf[65536];
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0) {
		pt_strbuf_add(out, buf, (size_t)r);
		if (out->len > max) {
			*skip = SKIP_TOO_BIG;
			close(fd);
			return -1;
		}
	}
	close(fd);
	if (r < 0) {
		*skip = SKIP_UNREADABLE;
		return -1;
	}
	return 0;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3;
		else
			return false;
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

/* Job j's text (the caller's, or read from disk) into text; the file's
 * record is set up from it. Returns the SKIP_* reason, SKIP_NONE if read. */
static int read_job(pool *P, job *j, pt_strbuf *text)
{
	const ws_file *wf = &P->ws->files.v[j->ws];
	pt_strbuf full = {0};
	int skip = SKIP_NONE;
	j->rec = (rec_file){.id = j->known ? j->old.id : 0,
			    .type = wf->cargo ? FILE_CARGO : FILE_RUST,
			    .size = wf->size,
			    .mtime_ns = wf->mtime_ns};
	if (j->text) {
		pt_strbuf_add(text, j->text, j->text_len);
	} else {
		pt_strbuf_printf(&full, "%s/%s", P->root, wf->path);
		int got = read_all(full.buf, P->max_size, text, &skip);
		pt_strbuf_free(&full);
		if (got != 0)
			return skip ? skip : SKIP_UNREADABLE;
	}
	const char *t = pt_strbuf_cstr(text); /* never NULL, even when empty */
	j->rec.hash = pt_hash64(t, text->len);
	j->rec.size = text->len;
	if (j->text)
		j->rec.mtime_ns = -1;
	return SKIP_NONE;
}

/* Whether a Rust file's text can be parsed: SKIP_* reason, or SKIP_NONE. */
static int check_text(pt_strbuf *text)
{
	const char *t = pt_strbuf_cstr(text);
	if (memchr(t, 0, text->len))
		return SKIP_BINARY;
	if (!valid_utf8((const unsigned char *)t, text->len))
		return SKIP_NOT_UTF8;
	return SKIP_NONE;
}

static void skipped(job *j, int skip)
{
	j->rec.skip = (uint8_t)skip;
	j->rec.flags |= FILEF_SKIPPED;
	j->same_hash = false;
	j->extract = false;
	pt_facts_free(&j->facts);
	pt_facts_init(&j->facts);
}

void ix_scan_one(pool *P, job *j)
{
	pt_strbuf text = {0};
	int skip = read_job(P, j, &text);
	j->same_hash = !skip && j->known && j->old.hash == j->rec.hash && !P->force;
	if (j->same_hash || j->rec.type == FILE_CARGO) {
		pt_strbuf_free(&text);
		return;
	}
	if (!skip)
		skip = check_text(&text);
	if (skip) {
		skipped(j, skip);
	} else {
		pt_facts_init(&j->scan);
		pt_macro_scan(pt_strbuf_cstr(&text), text.len, &j->scan);
		j->scan_hash = j->rec.hash;
		j->extract = true;
	}
	pt_strbuf_free(&text);
}

void ix_extract_one(pool *P, job *j, pt_extractor *ex)
{
	pt_strbuf text = {0};
	int skip = read_job(P, j, &text);
	if (!skip)
		skip = check_text(&text);
	if (skip) {
		skipped(j, skip);
		pt_strbuf_free(&text);
		return;
	}
	pt_facts_free(&j->facts);
	pt_facts_init(&j->facts);
	pt_extractor_set_imports(ex, j->imps.v, j->imps.n);
	if (!j->reextract && j->scan.pool.b.buf && j->rec.hash == j->scan_hash)
		pt_extractor_set_scan(ex, &j->scan);
	if (pt_extractor_text_tree(ex, pt_strbuf_cstr(&text), text.len, j->old_tree,
				   P->keep_tree ? &j->new_tree : NULL, &j->facts) != PT_OK) {
		skipped(j, SKIP_TIMEOUT);
	} else {
		j->rec.lines = j->facts.n_lines;
		j->rec.errors = j->facts.n_errors;
		j->error_line = j->facts.first_error_line;
		if (j->facts.n_errors)
			j->rec.flags |= FILEF_SYNTAX_ERRORS;
		j->blob.len = 0;
		(P->fast_blob ? pt_facts_encode_fast : pt_facts_encode)(&j->facts, &j->blob);
	}
	/* the blob is what gets stored and read back: drop the decoded copy
	 * now, it is the bulk of peak memory */
	if (!P->keep_facts) {
		pt_facts_free(&j->facts);
		pt_facts_init(&j->facts);
	}
	pt_strbuf_free(&text);
}

void ix_work_one(pool *P, job *j, pt_extractor *ex)
{
	ix_scan_one(P, j);
	if (j->extract)
		ix_extract_one(P, j, ex);
}

static void *worker(void *arg)
{
	pool *P = arg;
	pt_extractor *ex = P->phase == 2 ? pt_extractor_new() : NULL;
	size_t i;
	while ((i = atomic_fetch_add(&P->next, 1)) < P->n) {
		job *j = &P->jobs[i];
		bool big = P->phase == 2 && P->ws->files.v[j->ws].size > BIG_FILE;
		if (big)
			pthread_mutex_lock(&P->big);
		if (P->phase == 1)
			ix_scan_one(P, j);
		else if (j->extract)
			ix_extract_one(P, j, ex);
		if (big)
			pthread_mutex_unlock(&P->big);
		atomic_fetch_add(&P->done, 1);
	}
	pt_extractor_free(ex);
	return NULL;
}

/* glibc's malloc_trim. Not under a sanitizer: its allocator is not
 * glibc's, whose lazy set-up two indexers (two workspace folders) could
 * then race into (a crash in mtrim). */
static void give_back_memory(void)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	malloc_trim(0);
#endif
}

static void run_pool(pool *P, const index_opts *o)
{
	int n = o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if ((size_t)n > P->n)
		n = (int)P->n;
	pthread_mutex_init(&P->big, NULL);
	if (n <= 1) {
		worker(P);
		if (o->progress)
			o->progress(o->ctx, P->n, P->n);
		give_back_memory();
		return;
	}
	pthread_t *t = pt_xcalloc((size_t)n, sizeof *t);
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, P);
	while (atomic_load(&P->done) < P->n) {
		if (o->progress)
			o->progress(o->ctx, atomic_load(&P->done), P->n);
		struct timespec ts = {0, 50 * 1000000};
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (o->progress)
		o->progress(o->ctx, P->n, P->n);
	free(t);
	/* give the parsers' freed trees back before resolving */
	give_back_memory();
}

/* ---- change detection ------------------------------------------------- */

typedef PT_VEC(char *) pathlist;

/* Compare the scan with the files table: jobs for what may have changed,
 * paths for what is gone. */
typedef PT_VEC(job) joblist;

static int detect(store *st, pt_workspace *ws, bool force, joblist *jobs, pathlist *gone)
{
	store_txn *txn = NULL;
	store_cursor *c = NULL;
	int rc = store_txn_begin(st, false, &txn);
	if (rc)
		return rc;
	for (size_t i = 0; i < ws->files.n; i++) {
		const ws_file *f = &ws->files.v[i];
		store_val v;
		job j = {.ws = (uint32_t)i};
		rc = store_get(txn, TBL_FILES, f->path, strlen(f->path), &v);
		if (rc == PT_OK && rec_file_decode(v.data, v.len, &j.old) == 0) {
			j.known = true;
			if (!force && j.old.size == f->size && j.old.mtime_ns == f->mtime_ns)
				continue;
		} else if (rc != PT_ENOTFOUND && rc != PT_OK) {
			goto done;
		}
		pt_vec_push(jobs, j);
	}
	rc = store_cursor_open(txn, TBL_FILES, &c);
	if (rc)
		goto done;
	store_val k, v;
	size_t w = 0;
	for (int r = store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v)) {
		/* both lists are sorted: walk them together */
		char *p = pt_xstrndup(k.data, k.len);
		int cmp = 1;
		while (w < ws->files.n && (cmp = strcmp(ws->files.v[w].path, p)) < 0)
			w++;
		if (w >= ws->files.n || cmp != 0)
			pt_vec_push(gone, p);
		else
			free(p);
	}
	rc = PT_OK;
done:
	store_cursor_close(c);
	store_txn_abort(txn);
	return rc;
}

/* ---- macro imports --------------------------------------------------------- */

void ix_file_place(const pt_workspace *ws, const char *path, pt_macro_file *out)
{
	size_t blen = 0;
	int32_t pkg = -1;
	const char *krate = "";
	for (size_t c = 0; c < ws->crates.n; c++) {
		const char *pd = ws->crates.v[c].pkg_dir;
		size_t n = strlen(pd);
		if (n && (strncmp(path, pd, n) != 0 || path[n] != '/'))
			continue;
		if (pkg < 0 || n > blen) {
			pkg = (int32_t)c;
			blen = n;
			krate = "";
		}
		if (n == blen && ws->crates.v[c].type == CRATE_LIB && !*krate)
			krate = ws->crates.v[c].name;
	}
	const char *rest = path + blen + (blen ? 1 : 0), *slash = strchr(rest, '/');
	size_t cn = slash ? (size_t)(slash - rest) : 0;
	out->path = path;
	out->pkg = pkg;
	out->area = (int32_t)(pt_hash64(rest, cn) & 0x7fffffff);
	out->krate = krate;
}

/* What choosing the imports reads: every Rust file's macros, from the
 * first pass for the files it read, else from the store. */
typedef struct {
	PT_VEC(pt_macro_file) files;
	PT_VEC(int32_t) job_of; /* per file: its job, -1 if none */
	PT_VEC(uint32_t) ws_of; /* per file: its index in the workspace listing */
	PT_VEC(pt_facts *) owned;
	PT_VEC(rec_file) recs; /* per file: the stored record (id 0 if none) */
} mplan;

static void mplan_free(mplan *m)
{
	for (size_t i = 0; i < m->owned.n; i++) {
		pt_facts_free(m->owned.v[i]);
		free(m->owned.v[i]);
	}
	pt_vec_free(&m->owned);
	pt_vec_free(&m->files);
	pt_vec_free(&m->job_of);
	pt_vec_free(&m->ws_of);
	pt_vec_free(&m->recs);
}

/* The stored macros of file path (rec: its record), NULL if none. */
static pt_facts *stored_macros(store_txn *txn, const char *path, rec_file *rec)
{
	store_val v, blob;
	uint8_t key[4];
	if (store_get(txn, TBL_FILES, path, strlen(path), &v) != PT_OK ||
	    rec_file_decode(v.data, v.len, rec) != 0 || rec->type != FILE_RUST || rec->skip)
		return NULL;
	store_key_u32(key, rec->id);
	pt_facts *f = pt_xmalloc(sizeof *f);
	pt_facts_init(f);
	if (store_get(txn, TBL_FACTS, key, 4, &blob) != PT_OK ||
	    pt_facts_decode_macros(blob.data, blob.len, f) != 0) {
		pt_facts_free(f);
		free(f);
		return NULL;
	}
	return f;
}

/* Every Rust file of ws with its macros into m. */
static int mplan_load(store *st, pt_workspace *ws, joblist *jobs, mplan *m)
{
	store_txn *txn = NULL;
	int rc = store_txn_begin(st, false, &txn);
	if (rc)
		return rc;
	size_t k = 0;
	for (size_t i = 0; i < ws->files.n; i++) {
		if (ws->files.v[i].cargo)
			continue;
		while (k < jobs->n && jobs->v[k].ws < i)
			k++;
		job *j = k < jobs->n && jobs->v[k].ws == i ? &jobs->v[k] : NULL;
		pt_macro_file f;
		rec_file rec = {0};
		ix_file_place(ws, ws->files.v[i].path, &f);
		f.facts = NULL;
		if (j && j->extract) {
			f.facts = &j->scan;
		} else if (!j || j->same_hash) {
			pt_facts *sf = stored_macros(txn, ws->files.v[i].path, &rec);
			if (sf)
				pt_vec_push(&m->owned, sf);
			f.facts = sf;
		}
		if (!f.facts)
			continue; /* skipped, unreadable, or not stored */
		pt_vec_push(&m->files, f);
		pt_vec_push(&m->job_of, j ? (int32_t)(j - jobs->v) : -1);
		pt_vec_push(&m->ws_of, (uint32_t)i);
		pt_vec_push(&m->recs, rec);
	}
	store_txn_abort(txn);
	return PT_OK;
}

/* Between the passes: the imports of every file. A file the first pass
 * read takes them into its job; a file whose stored facts were extracted
 * with other imports is extracted again (a job appended to jobs). The
 * imports borrow m's strings: m lives until the second pass is done. */
static void plan_imports(const mplan *m, joblist *jobs, index_report *rep)
{
	pt_macro_table *t = pt_macro_table_new(m->files.v, m->files.n);
	pt_macro_imports_vec imps = {0};
	for (size_t i = 0; i < m->files.n; i++) {
		imps.n = 0;
		pt_macro_imports(t, i, &imps);
		int32_t ji = m->job_of.v[i];
		bool extracting = ji >= 0 && jobs->v[ji].extract;
		if (!extracting &&
		    pt_macro_import_key(imps.v, imps.n) == m->files.v[i].facts->import_key)
			continue;
		job *j;
		if (ji < 0) { /* same text, other imports: extract again */
			job nj = {.ws = m->ws_of.v[i], .known = true, .old = m->recs.v[i]};
			pt_vec_push(jobs, nj);
			j = &jobs->v[jobs->n - 1];
			rep->reextracted++;
		} else {
			j = &jobs->v[ji];
			if (!j->extract) /* its stat moved, its content did not */
				rep->reextracted++;
		}
		j->reextract = !j->extract;
		j->extract = true;
		j->same_hash = false;
		for (size_t k = 0; k < imps.n; k++)
			pt_vec_push(&j->imps, imps.v[k]);
	}
	pt_vec_free(&imps);
	pt_macro_table_free(t);
}

/* Read, scan, choose imports, extract: the jobs' files, and the files
 * whose imports changed. */
static int parse_jobs(store *st, const index_opts *o, pt_workspace *ws, joblist *jobs, pool *P,
		      index_report *rep)
{
	mplan m = {0};
	index_opts quiet = *o;
	quiet.progress = NULL;
	P->jobs = jobs->v;
	P->n = jobs->n;
	P->phase = 1;
	atomic_store(&P->next, 0);
	atomic_store(&P->done, 0);
	if (jobs->n)
		run_pool(P, &quiet);
	if (!ws->crates.n)
		pt_workspace_crates(o->root, ws, o->build);
	/* room for a job per file: m points into the jobs, which must not move */
	pt_vec_reserve(jobs, jobs->n + ws->files.n + 1);
	int rc = mplan_load(st, ws, jobs, &m);
	if (rc == PT_OK) {
		plan_imports(&m, jobs, rep);
		P->jobs = jobs->v;
		P->n = jobs->n;
		P->phase = 2;
		atomic_store(&P->next, 0);
		atomic_store(&P->done, 0);
		if (jobs->n)
			run_pool(P, o);
	}
	mplan_free(&m);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* Put (key, val) unless that value is stored already: a re-index that
 * finds what is stored (onboard --full) then writes no page, so the file
 * does not grow by a copy of every table it merely re-read. */
static int put_changed(store_txn *txn, store_table t, const void *key, size_t klen, const void *val,
		       size_t vlen, bool *written)
{
	store_val old;
	if (store_get(txn, t, key, klen, &old) == PT_OK && old.len == vlen &&
	    memcmp(old.data, val, vlen) == 0)
		return PT_OK;
	if (written)
		*written = true;
	return store_put(txn, t, key, klen, val, vlen);
}

int ix_put_file(store_txn *txn, const char *path, job *j, uint64_t *next_id)
{
	uint8_t rec[REC_FILE_SIZE], key[4];
	/* The job was planned from a snapshot taken before this transaction:
	 * another process (the language server, another onboard) may have
	 * added, changed or removed the file since. What is stored now wins:
	 * its id is kept, so no second id names the same path. */
	store_val v;
	rec_file now;
	bool stored = store_get(txn, TBL_FILES, path, strlen(path), &v) == PT_OK &&
		      rec_file_decode(v.data, v.len, &now) == 0;
	bool moved =
		stored ? !j->known || now.id != j->old.id || now.hash != j->old.hash : j->known;
	if (moved && j->same_hash)
		return PT_OK; /* not parsed here (we saw it unchanged): the next run sees it */
	if (moved && stored)
		j->rec.id = now.id;
	else if (!j->known)
		j->rec.id = (uint32_t)(*next_id)++;
	if (j->same_hash) { /* keep everything but the stat data */
		rec_file r = j->old;
		r.size = j->rec.size;
		r.mtime_ns = j->rec.mtime_ns;
		j->rec = r;
	}
	rec_file_encode(&j->rec, rec);
	int rc = put_changed(txn, TBL_FILES, path, strlen(path), rec, sizeof rec, NULL);
	if (rc || j->same_hash)
		return rc;
	store_key_u32(key, j->rec.id);
	if ((rc = put_changed(txn, TBL_FILEIDS, key, 4, path, strlen(path) + 1, NULL)))
		return rc;
	if (j->rec.type == FILE_RUST && !j->rec.skip)
		return put_changed(txn, TBL_FACTS, key, 4, j->blob.buf ? j->blob.buf : "",
				   j->blob.len, &j->facts_written);
	rc = store_del(txn, TBL_FACTS, key, 4, NULL, 0);
	return rc == PT_ENOTFOUND ? PT_OK : rc;
}

static int del_file(store_txn *txn, const char *path)
{
	store_val v;
	rec_file r;
	uint8_t key[4];
	int rc = store_get(txn, TBL_FILES, path, strlen(path), &v);
	if (rc)
		return rc == PT_ENOTFOUND ? PT_OK : rc;
	if (rec_file_decode(v.data, v.len, &r) != 0)
		return PT_ECORRUPT;
	store_key_u32(key, r.id);
	store_del(txn, TBL_FILEIDS, key, 4, NULL, 0);
	store_del(txn, TBL_FACTS, key, 4, NULL, 0);
	rc = store_del(txn, TBL_FILES, path, strlen(path), NULL, 0);
	return rc == PT_ENOTFOUND ? PT_OK : rc;
}

void ix_sources_free(sources *s)
{
	for (size_t i = 0; i < s->owned.n; i++) {
		pt_facts_free(s->owned.v[i]);
		free(s->owned.v[i]);
	}
	for (size_t i = 0; i < s->paths.n; i++)
		free(s->paths.v[i]);
	pt_vec_free(&s->src);
	pt_vec_free(&s->owned);
	pt_vec_free(&s->paths);
}

int ix_load_sources(store_txn *txn, sources *S)
{
	store_cursor *c = NULL;
	int rc = store_cursor_open(txn, TBL_FILES, &c);
	if (rc)
		return rc;
	store_val k, v;
	for (int r = store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v)) {
		rec_file f;
		if (rec_file_decode(v.data, v.len, &f) != 0) {
			rc = PT_ECORRUPT;
			break;
		}
		if (f.type != FILE_RUST || f.skip)
			continue;
		uint8_t key[4];
		store_key_u32(key, f.id);
		store_val blob;
		pt_facts *fa = pt_xmalloc(sizeof *fa);
		pt_facts_init(fa);
		if (store_get(txn, TBL_FACTS, key, 4, &blob) != PT_OK ||
		    pt_facts_decode(blob.data, blob.len, fa) != 0) {
			free(fa);
			rc = PT_ECORRUPT;
			break;
		}
		char *p = pt_xstrndup(k.data, k.len);
		pt_vec_push(&S->paths, p);
		pt_vec_push(&S->owned, fa);
		pt_source s = {p, f.id, fa};
		pt_vec_push(&S->src, s);
	}
	store_cursor_close(c);
	return rc;
}

/* ---- the run ------------------------------------------------------------ */

/* Every commit moves the generation: a session kept in memory compares it
 * to know whether someone else (another process, a full run) wrote since. */
int ix_bump_generation(store_txn *txn)
{
	uint64_t g = 0;
	store_meta_get_u64(txn, META_GENERATION, &g);
	return store_meta_put_u64(txn, META_GENERATION, g + 1);
}

static int update_meta(store_txn *txn, const index_opts *o, index_report *rep, uint64_t next_id,
		       bool follow)
{
	int rc = store_meta_put_u64(txn, META_NEXT_FILE_ID, next_id);
	if (!rc)
		rc = store_meta_put_u64(txn, META_FOLLOW_LINKS, follow);
	if (!rc)
		rc = store_meta_put_u64(txn, META_EXTRACT_VERSION, EXTRACT_VERSION);
	if (!rc)
		rc = store_meta_put_u64(txn, META_RESOLVE_VERSION, RESOLVE_VERSION);
	if (!rc)
		rc = store_meta_put_u64(txn, META_LAST_UPDATE, (uint64_t)time(NULL));
	if (!rc)
		rc = ix_bump_generation(txn);
	if (!rc && (rep->changed + rep->added + rep->deleted + rep->manifests_changed ||
		    rep->reresolved)) {
		rc = store_meta_put_u64(txn, META_ENTITIES, rep->entities);
		if (!rc)
			rc = store_meta_put_u64(txn, META_EDGES, rep->edges);
	}
	if (!rc) {
		pt_strbuf b = {0};
		pt_build_encode(o->build, &b);
		rc = store_put(txn, TBL_META, META_BUILD, strlen(META_BUILD), b.buf, b.len);
		pt_strbuf_free(&b);
	}
	char *abs = realpath(o->root, NULL);
	if (!rc && abs)
		rc = store_put(txn, TBL_META, META_ROOT, strlen(META_ROOT), abs, strlen(abs) + 1);
	free(abs);
	return rc;
}

/* Everything that writes, in one transaction: retried after a map grow. */
static int commit_run(store *st, const index_opts *o, pt_workspace *ws, job *jobs, size_t nj,
		      pathlist *gone, bool follow, index_report *rep)
{
	store_txn *txn = NULL;
	sources S = {0};
	pt_graph g;
	pt_graph_init(&g);
	uint64_t next_id = 1;
	int rc = store_txn_begin(st, true, &txn);
	if (rc)
		goto fail;
	if (store_meta_get_u64(txn, META_NEXT_FILE_ID, &next_id) != PT_OK)
		next_id = 1;
	rep->facts_written = 0;
	for (size_t i = 0; i < nj && !rc; i++) {
		rc = ix_put_file(txn, ws->files.v[jobs[i].ws].path, &jobs[i], &next_id);
		rep->facts_written += jobs[i].facts_written;
	}
	for (size_t i = 0; i < gone->n && !rc; i++)
		rc = del_file(txn, gone->v[i]);
	if (rc)
		goto fail;
	if (rep->changed + rep->added + rep->deleted + rep->manifests_changed + rep->reextracted ||
	    rep->reresolved) {
		uint64_t t0 = pt_now_ns();
		if ((rc = ix_load_sources(txn, &S)))
			goto fail;
		pt_workspace_crates(o->root, ws, o->build);
		pt_crates cs = pt_workspace_crate_set(ws);
		pt_graph_resolve(&g, S.src.v, S.src.n, &cs);
		rep->resolved_files = (uint32_t)S.src.n;
		rep->entities = g.ents.n;
		rep->edges = g.edges.n;
		rep->unresolved_calls = g.n_unresolved_calls;
		rep->ambiguous_calls = g.n_ambiguous_calls;
		uint64_t t1 = pt_now_ns();
		rep->resolve_seconds = ix_secs(t1 - t0);
		if ((rc = ix_write_graph(txn, &g, rep)))
			goto fail;
		rep->write_seconds = ix_secs(pt_now_ns() - t1);
	} else {
		store_meta_get_u64(txn, META_ENTITIES, &rep->entities);
		store_meta_get_u64(txn, META_EDGES, &rep->edges);
	}
	if ((rc = update_meta(txn, o, rep, next_id, follow)))
		goto fail;
	rc = store_txn_commit(txn);
	txn = NULL;
fail:
	store_txn_abort(txn);
	pt_graph_free(&g);
	ix_sources_free(&S);
	pt_workspace_crates_clear(ws);
	return rc;
}

static void tally(const index_opts *o, pt_workspace *ws, job *jobs, size_t nj, index_report *rep)
{
	for (size_t i = 0; i < ws->files.n; i++)
		rep->rust_files += !ws->files.v[i].cargo;
	rep->files = rep->rust_files;
	rep->manifests = (uint32_t)ws->files.n - rep->rust_files;
	for (size_t i = 0; i < nj; i++) {
		job *j = &jobs[i];
		const char *path = ws->files.v[j->ws].path;
		if (j->same_hash) {
			rep->touched++;
			continue;
		}
		if (j->reextract) { /* counted in rep->reextracted */
			rep->parsed += !j->rec.skip;
			continue;
		}
		if (ws->files.v[j->ws].cargo) {
			rep->manifests_changed++;
			continue;
		}
		if (j->known)
			rep->changed++;
		else
			rep->added++;
		if (j->rec.skip) {
			static const char *const why[] = {"",           "too big",
							  "binary",     "not UTF-8",
							  "unreadable", "parse timed out"};
			rep->skipped++;
			if (o->warn)
				o->warn(o->ctx, path,
					j->rec.skip < 6 ? why[j->rec.skip] : "skipped");
		} else if (j->rec.errors) {
			rep->syntax_error_files++;
			if (o->warn) {
				char what[128];
				if (j->rec.errors == 1)
					snprintf(what, sizeof what,
						 "syntax error at line %u (indexed what parses)",
						 j->error_line + 1);
				else
					snprintf(what, sizeof what,
						 "%u syntax errors, the first at line %u (indexed "
						 "what parses)",
						 j->rec.errors, j->error_line + 1);
				o->warn(o->ctx, path, what);
			}
		}
		if (j->rec.type == FILE_RUST && !j->rec.skip)
			rep->parsed++;
	}
}

/* commit_run, growing the map and starting again while it is full. */
static int commit_grow(store *st, const index_opts *o, pt_workspace *ws, joblist *jobs,
		       pathlist *gone, bool follow, index_report *rep)
{
	int rc;
	while ((rc = commit_run(st, o, ws, jobs->v, jobs->n, gone, follow, rep)) == PT_EMAPFULL) {
		for (size_t i = 0; i < jobs->n; i++)
			if (!jobs->v[i].known)
				jobs->v[i].rec.id = 0;
		rep->ents_written = rep->ents_deleted = rep->adj_written = 0;
		if ((rc = store_grow(st)))
			break;
		rep->map_grows++;
	}
	return rc;
}

static void run_free(pt_workspace *ws, joblist *jobs, pathlist *gone)
{
	for (size_t i = 0; i < jobs->n; i++) {
		pt_facts_free(&jobs->v[i].facts);
		pt_facts_free(&jobs->v[i].scan);
		pt_vec_free(&jobs->v[i].imps);
		pt_strbuf_free(&jobs->v[i].blob);
	}
	pt_vec_free(jobs);
	for (size_t i = 0; i < gone->n; i++)
		free(gone->v[i]);
	pt_vec_free(gone);
	pt_workspace_free(ws);
}

/* An index with files whose META key is missing or not want. */
static bool stale_version(store *st, const char *key, uint64_t want)
{
	store_txn *txn;
	uint64_t v = 0, files = 0;
	if (store_txn_begin(st, false, &txn) != PT_OK)
		return false;
	bool have = store_meta_get_u64(txn, key, &v) == PT_OK;
	store_count(txn, TBL_FILES, &files);
	store_txn_abort(txn);
	return files && (!have || v != want);
}

/* Whether the index holds a graph already (a first run resolves anyway). */
static bool has_files(store *st)
{
	store_txn *txn;
	uint64_t files = 0;
	if (store_txn_begin(st, false, &txn) != PT_OK)
		return false;
	store_count(txn, TBL_FILES, &files);
	store_txn_abort(txn);
	return files > 0;
}

bool ix_follows_links(store_txn *txn)
{
	uint64_t v = 0;
	return store_meta_get_u64(txn, META_FOLLOW_LINKS, &v) == PT_OK && v == 1;
}

/* Whether this run follows symlinks out of the folder; *changed: the
 * database said otherwise (the choice is then written even if no file
 * changed). */
static bool follow_links(store *st, int links, bool *changed)
{
	store_txn *txn;
	bool stored = false;
	if (store_txn_begin(st, false, &txn) == PT_OK) {
		stored = ix_follows_links(txn);
		store_txn_abort(txn);
	}
	bool follow = links == INDEX_LINKS_AS_STORED ? stored : links == INDEX_LINKS_FOLLOW;
	*changed = follow != stored;
	return follow;
}

/* Paths the files table cannot key are left out of the listing. */
static void drop_long_paths(pt_workspace *ws)
{
	size_t w = 0;
	for (size_t i = 0; i < ws->files.n; i++) {
		if (strlen(ws->files.v[i].path) <= STORE_MAX_KEY) {
			ws->files.v[w++] = ws->files.v[i];
			continue;
		}
		ws_skip k = {ws->files.v[i].path, WS_SKIP_TOO_LONG};
		pt_vec_push(&ws->skipped, k);
	}
	ws->files.n = w;
}

/* What the scan left out, said once per file. */
static void warn_skipped(const index_opts *o, const pt_workspace *ws, index_report *rep)
{
	for (size_t i = 0; i < ws->skipped.n; i++) {
		const ws_skip *k = &ws->skipped.v[i];
		rep->skipped++;
		if (!o->warn)
			continue;
		if (k->why == WS_SKIP_LINK_OUT)
			o->warn(o->ctx, k->path,
				"symbolic link to a file outside the workspace: not followed "
				"(`onboard --follow-symlinks` follows such links)");
		else
			o->warn(o->ctx, k->path,
				"path longer than 511 bytes (the index's key limit): not indexed");
	}
}

int index_run(store *st, const index_opts *o, index_report *rep)
{
	uint64_t t0 = pt_now_ns();
	pt_workspace ws;
	joblist jobs = {0};
	pathlist gone = {0};
	bool links_changed;
	memset(rep, 0, sizeof *rep);
	bool follow = follow_links(st, o->links, &links_changed);
	int e = pt_workspace_scan(o->root, follow ? WS_FOLLOW_LINKS : 0, &ws);
	if (e) {
		rep->root_errno = e;
		return PT_ENOROOT;
	}
	drop_long_paths(&ws);
	warn_skipped(o, &ws, rep);
	/* facts cached by an older extractor are not what this one would say */
	bool force = o->force || stale_version(st, META_EXTRACT_VERSION, EXTRACT_VERSION);
	/* a graph resolved by older rules is resolved again from the facts */
	bool reresolve = stale_version(st, META_RESOLVE_VERSION, RESOLVE_VERSION);
	/* so is one made for another build (target, cfgs, features) */
	pt_build stored = {0};
	index_opts run = *o;
	index_build_get(st, &stored);
	if (o->build) {
		pt_strbuf a = {0}, b = {0};
		pt_build_encode(o->build, &a);
		pt_build_encode(&stored, &b);
		rep->build_changed =
			has_files(st) && (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0);
		reresolve |= rep->build_changed;
		pt_strbuf_free(&a);
		pt_strbuf_free(&b);
	} else {
		run.build = &stored;
	}
	o = &run;
	int rc = detect(st, &ws, force, &jobs, &gone);
	if (rc)
		goto done;
	for (size_t i = 0; i < gone.n; i++) {
		size_t n = strlen(gone.v[i]);
		if (n >= 10 && strcmp(gone.v[i] + n - 10, "Cargo.toml") == 0)
			rep->manifests_changed++;
		else
			rep->deleted++;
	}
	pool P = {.root = o->root,
		  .ws = &ws,
		  .jobs = jobs.v,
		  .n = jobs.n,
		  .max_size = o->max_file_size ? o->max_file_size : DEFAULT_MAX_FILE,
		  .force = force};
	uint64_t tp = pt_now_ns();
	rc = parse_jobs(st, o, &ws, &jobs, &P, rep);
	rep->parse_seconds = ix_secs(pt_now_ns() - tp);
	if (rc)
		goto done;
	tally(o, &ws, jobs.v, jobs.n, rep);
	rep->reresolved = reresolve;
	if (!jobs.n && !gone.n && !reresolve && !links_changed) {
		store_txn *txn;
		rep->up_to_date = true;
		if (store_txn_begin(st, false, &txn) == PT_OK) {
			store_meta_get_u64(txn, META_ENTITIES, &rep->entities);
			store_meta_get_u64(txn, META_EDGES, &rep->edges);
			store_txn_abort(txn);
		}
		goto done;
	}
	rc = commit_grow(st, o, &ws, &jobs, &gone, follow, rep);
done:
	for (size_t i = 0; i < ws.warnings.n && o->warn; i++)
		o->warn(o->ctx, ws.warnings.v[i].path, ws.warnings.v[i].what);
	run_free(&ws, &jobs, &gone);
	pt_build_free(&stored);
	rep->seconds = ix_secs(pt_now_ns() - t0);
	return rc;
}

int ix_build_from_store(store_txn *txn, pt_build *out)
{
	store_val v;
	memset(out, 0, sizeof *out);
	int rc = store_get(txn, TBL_META, META_BUILD, strlen(META_BUILD), &v);
	if (rc == PT_ENOTFOUND)
		return PT_OK;
	if (rc)
		return rc;
	/* an unreadable value is a build we cannot know: the default */
	if (pt_build_decode(v.data, v.len, out) != PT_OK)
		memset(out, 0, sizeof *out);
	return PT_OK;
}

int index_build_get(store *st, pt_build *out)
{
	store_txn *txn;
	memset(out, 0, sizeof *out);
	int rc = store_txn_begin(st, false, &txn);
	if (rc)
		return rc;
	rc = ix_build_from_store(txn, out);
	store_txn_abort(txn);
	return rc;
}

/* ---- a check without an update ------------------------------------------ */

/* The content of path differs from what was indexed (hash), or cannot be
 * read (then index_run would record it as skipped: a change too). */
static bool content_differs(const char *root, const char *rel, const rec_file *old)
{
	pt_strbuf full = {0};
	size_t len = 0;
	pt_strbuf_printf(&full, "%s/%s", root, rel);
	char *text = pt_read_file(full.buf, &len);
	pt_strbuf_free(&full);
	bool differs = !text || pt_hash64(text, len) != old->hash;
	free(text);
	return differs;
}

static void note_path(index_staleness *s, pt_strbuf *paths, const char *rel)
{
	if (s->changed + s->added + s->deleted > INDEX_CHECK_PATHS)
		return;
	pt_strbuf_printf(paths, "%s\n", rel);
}

/* A path gone from the disk that an editor buffer still holds is the
 * editor's (an unsaved new file), not a deletion. */
static bool buffer_only(store *st, const char *rel)
{
	store_txn *txn;
	store_val v;
	rec_file f;
	bool buf = false;
	if (store_txn_begin(st, false, &txn) != PT_OK)
		return false;
	if (store_get(txn, TBL_FILES, rel, strlen(rel), &v) == PT_OK &&
	    rec_file_decode(v.data, v.len, &f) == 0)
		buf = f.mtime_ns == -1;
	store_txn_abort(txn);
	return buf;
}

int index_check(store *st, const char *root, index_staleness *out)
{
	uint64_t t0 = pt_now_ns();
	pt_workspace ws;
	joblist jobs = {0};
	pathlist gone = {0};
	pt_strbuf paths = {0};
	memset(out, 0, sizeof *out);
	bool changed;
	bool follow = follow_links(st, INDEX_LINKS_AS_STORED, &changed);
	out->root_errno = pt_workspace_scan(root, follow ? WS_FOLLOW_LINKS : 0, &ws);
	if (out->root_errno) {
		out->paths = pt_xstrdup("");
		return PT_ENOROOT;
	}
	drop_long_paths(&ws); /* as index_run: such a file is never indexed */
	out->versions = stale_version(st, META_EXTRACT_VERSION, EXTRACT_VERSION) ||
			stale_version(st, META_RESOLVE_VERSION, RESOLVE_VERSION);
	int rc = detect(st, &ws, false, &jobs, &gone);
	for (size_t i = 0; !rc && i < jobs.n; i++) {
		const job *j = &jobs.v[i];
		const char *rel = ws.files.v[j->ws].path;
		if (!j->known) {
			out->added++;
			note_path(out, &paths, rel);
		} else if (content_differs(root, rel, &j->old)) {
			if (j->old.mtime_ns == -1)
				out->buffers++;
			else {
				out->changed++;
				note_path(out, &paths, rel);
			}
		}
	}
	for (size_t i = 0; !rc && i < gone.n; i++) {
		if (buffer_only(st, gone.v[i]))
			out->buffers++;
		else {
			out->deleted++;
			note_path(out, &paths, gone.v[i]);
		}
	}
	run_free(&ws, &jobs, &gone);
	out->paths = paths.buf ? paths.buf : pt_xstrdup("");
	out->seconds = ix_secs(pt_now_ns() - t0);
	return rc;
}

void index_staleness_free(index_staleness *s)
{
	if (!s)
		return;
	free(s->paths);
	s->paths = NULL;
}

/* What a one-file update knows of rel: its stat, or for an editor buffer
 * the disk does not have, the text's length and no mtime (so the next run
 * re-reads the disk). False when it is neither on disk nor given; else
 * *out holds a copy of rel (caller frees). */
bool ix_one_file(const char *root, const char *rel, const char *text, size_t len, bool follow,
		 ws_file *out, bool *on_disk)
{
	pt_strbuf full = {0};
	struct stat sb;
	pt_strbuf_printf(&full, "%s/%s", root, rel);
	*on_disk = stat(full.buf, &sb) == 0 && S_ISREG(sb.st_mode);
	pt_strbuf_free(&full);
	/* the scan's rule: a link out of the folder is no workspace file,
	 * whatever an editor's buffer of it says */
	if (*on_disk && !follow && !pt_workspace_contains(root, rel)) {
		*on_disk = false;
		return false;
	}
	if (!text && !*on_disk)
		return false;
	size_t n = strlen(rel);
	*out = (ws_file){pt_xstrdup(rel), *on_disk ? (uint64_t)sb.st_size : len,
			 *on_disk ? (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec
				  : -1,
			 n >= 10 && strcmp(rel + n - 10, "Cargo.toml") == 0};
	return true;
}

/* A workspace listing from the files table (no disk scan), for one-file
 * updates: paths and kinds are all pt_workspace_crates needs. */
int ix_ws_from_store(store_txn *txn, pt_workspace *ws)
{
	store_cursor *c = NULL;
	store_val k, v;
	memset(ws, 0, sizeof *ws);
	int rc = store_cursor_open(txn, TBL_FILES, &c);
	if (rc)
		return rc;
	for (int r = store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v)) {
		rec_file f;
		if (rec_file_decode(v.data, v.len, &f) != 0)
			continue;
		ws_file wf = {pt_xstrndup(k.data, k.len), f.size, f.mtime_ns, f.type == FILE_CARGO};
		pt_vec_push(&ws->files, wf);
	}
	store_cursor_close(c);
	return PT_OK;
}

static int find_ws(const pt_workspace *ws, const char *path)
{
	for (size_t i = 0; i < ws->files.n; i++)
		if (strcmp(ws->files.v[i].path, path) == 0)
			return (int)i;
	return -1;
}

int index_update_file(store *st, const char *root, const char *rel_path, const char *text,
		      size_t len, index_report *rep)
{
	uint64_t t0 = pt_now_ns();
	pt_workspace ws;
	store_txn *txn = NULL;
	pathlist gone = {0};
	joblist jobs = {0};
	memset(rep, 0, sizeof *rep);
	if (strlen(rel_path) > STORE_MAX_KEY) {
		rep->skipped = 1; /* index_run leaves it out too */
		return PT_OK;
	}
	int rc = store_txn_begin(st, false, &txn);
	if (rc)
		return rc;
	pt_build build = {0};
	bool follow = ix_follows_links(txn);
	rc = ix_ws_from_store(txn, &ws);
	if (!rc)
		rc = ix_build_from_store(txn, &build);
	int at = find_ws(&ws, rel_path);
	job j = {.ws = 0, .text = text, .text_len = len};
	if (at >= 0) {
		store_val v;
		if (store_get(txn, TBL_FILES, rel_path, strlen(rel_path), &v) == PT_OK &&
		    rec_file_decode(v.data, v.len, &j.old) == 0)
			j.known = true;
	}
	store_txn_abort(txn);
	if (rc)
		goto done;
	ws_file wf;
	bool on_disk;
	if (!ix_one_file(root, rel_path, text, len, follow, &wf, &on_disk)) {
		if (at >= 0)
			pt_vec_push(&gone, pt_xstrdup(rel_path));
	} else {
		if (at < 0) {
			/* keep the listing sorted: pt_workspace_crates searches it */
			size_t pos = 0;
			while (pos < ws.files.n && strcmp(ws.files.v[pos].path, rel_path) < 0)
				pos++;
			pt_vec_push(&ws.files, wf);
			memmove(&ws.files.v[pos + 1], &ws.files.v[pos],
				(ws.files.n - 1 - pos) * sizeof wf);
			ws.files.v[pos] = wf;
			at = (int)pos;
		} else {
			if (on_disk) {
				ws.files.v[at].size = wf.size;
				ws.files.v[at].mtime_ns = wf.mtime_ns;
			}
			free(wf.path);
		}
		j.ws = (uint32_t)at;
		pt_vec_push(&jobs, j);
	}
	index_opts o = {.root = root, .jobs = 1, .build = &build};
	pool P = {
		.root = root, .ws = &ws, .jobs = jobs.v, .n = jobs.n, .max_size = DEFAULT_MAX_FILE};
	if ((rc = parse_jobs(st, &o, &ws, &jobs, &P, rep)))
		goto done;
	tally(&o, &ws, jobs.v, jobs.n, rep);
	if (gone.n && strstr(rel_path, "Cargo.toml"))
		rep->manifests_changed++;
	else
		rep->deleted = (uint32_t)gone.n;
	if (!jobs.n && !gone.n) {
		rep->up_to_date = true;
		goto done;
	}
	rc = commit_grow(st, &o, &ws, &jobs, &gone, follow, rep);
done:
	run_free(&ws, &jobs, &gone);
	pt_build_free(&build);
	rep->seconds = ix_secs(pt_now_ns() - t0);
	return rc;
}
