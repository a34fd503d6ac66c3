/* store/store.c — see store.h.
 *
 * One LMDB environment per directory. Every table is a named database
 * opened once at store_open and shared by all later transactions. Every
 * LMDB or system error goes through err(), so callers only ever see
 * STORE_* codes; nothing here prints or exits.
 */
#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/base.h"

#define INITIAL_MAP (1ull << 30)
#define MAX_DBS     16
#define MAX_KEY     STORE_MAX_KEY

struct store {
	MDB_env *env;
	MDB_dbi dbi[TBL_COUNT];
	unsigned have; /* bit t: table t is open (see open_table) */
	char *dir;
	unsigned flags; /* STORE_* open flags */
	uint32_t schema_found;
	/* Every transaction holds this shared; growing the map takes it
	 * exclusive, because mdb_env_set_mapsize remaps the file under any
	 * reader of this process. */
	pthread_rwlock_t remap;
};

struct store_txn {
	store *s;
	MDB_txn *txn;
	store_cursor *cursors; /* open cursors, detached when the txn ends */
	int failed;            /* sticky error: LMDB now only allows an abort */
	bool write;
};

struct store_cursor {
	store_txn *txn; /* NULL once the transaction has ended */
	MDB_cursor *cur;
	store_cursor *next;
	bool dup;
};

static const char *const table_names[TBL_COUNT] = {
	"meta", "files", "fileids", "facts", "ents", "out", "in", "names", "fileents",
};

static const char schema_key[] = "schema";

/* The one translation from LMDB and errno values to PT_* codes. */
static int err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return PT_OK;
	case MDB_NOTFOUND: return PT_ENOTFOUND;
	case ENOENT: return PT_ENOENT;
	case EACCES:
	case EPERM:
	case EROFS:
	case ENOTDIR: return PT_EACCES;
	case MDB_INVALID:
	case MDB_CORRUPTED:
	case MDB_VERSION_MISMATCH:
	case MDB_PAGE_NOTFOUND:
	case MDB_INCOMPATIBLE: return PT_ECORRUPT;
	/* MAP_RESIZED: another process grew the map past ours; the
	 * EMAPFULL recovery (abort, store_grow, retry) adopts the new size. */
	case MDB_MAP_FULL:
	case MDB_MAP_RESIZED: return PT_EMAPFULL;
	case ENOSPC:
	case EDQUOT:
	case EFBIG: return PT_ENOSPC;
	case MDB_READERS_FULL:
	case EBUSY:
	case EAGAIN: return PT_EBUSY;
	case EINVAL:
	case MDB_BAD_VALSIZE:
	case MDB_BAD_TXN:
	case MDB_BAD_DBI:
	case MDB_BAD_RSLOT:
	case MDB_DBS_FULL: return PT_EINVAL;
	default: return PT_EIO; /* EIO, ENOMEM, MDB_PANIC, MDB_TXN_FULL, ... */
	}
}

const char *store_table_name(store_table t)
{
	return (unsigned)t < TBL_COUNT ? table_names[t] : "?";
}

static unsigned table_flags(store_table t)
{
	return (t == TBL_NAMES || t == TBL_FILEENTS) ? MDB_DUPSORT | MDB_DUPFIXED : 0;
}

static char *join(const char *dir, const char *name)
{
	pt_strbuf b = {0};
	pt_strbuf_printf(&b, "%s/%s", dir, name);
	return b.buf;
}

static char *cat(const char *a, const char *b)
{
	pt_strbuf s = {0};
	pt_strbuf_printf(&s, "%s%s", a, b);
	return s.buf;
}

/* Best effort: make a rename in dir durable. A failure here loses nothing
 * that the rename itself did not already risk. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)fsync(fd);
	close(fd);
}

static void sync_parent(const char *path)
{
	char *d = pt_xstrdup(path);
	char *slash = strrchr(d, '/');
	if (!slash)
		sync_dir(".");
	else {
		slash[slash == d] = 0; /* "/x" → "/", not "" */
		sync_dir(d);
	}
	free(d);
}

static int file_size(const char *path, uint64_t *out)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return err(errno);
	if (out)
		*out = (uint64_t)st.st_size;
	return PT_OK;
}

/* mkdir -p: create each missing component; returns an errno value. */
static int mkdir_p(const char *path)
{
	char *p = pt_xstrdup(path);
	int e = 0;
	for (char *q = p + 1;; q++) {
		if (*q && *q != '/')
			continue;
		char c = *q;
		*q = 0;
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			e = errno;
		*q = c;
		if (e || !c)
			break;
	}
	free(p);
	return e;
}

/* A database directory the store creates holds a .gitignore that ignores
 * everything in it, as other tools do in their cache folders: otherwise
 * <workspace>/.cache/parseltongue shows as untracked in `git status`.
 * store_remove takes it away again only when it is still this text. */
static const char GITIGNORE[] = "# Created by parseltongue: a database, nothing to track.\n*\n";

static void write_gitignore(const char *dir)
{
	char *p = join(dir, ".gitignore");
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	/* best effort: a database works without it */
	if (fd >= 0) {
		(void)!write(fd, GITIGNORE, sizeof GITIGNORE - 1);
		close(fd);
	}
	free(p);
}

static void remove_gitignore(const char *dir)
{
	char *p = join(dir, ".gitignore");
	size_t n = 0;
	char *text = pt_read_file(p, &n);
	if (text && n == sizeof GITIGNORE - 1 && memcmp(text, GITIGNORE, n) == 0)
		unlink(p);
	free(text);
	free(p);
}

/* Make sure dir is a directory we may use. Something other than a
 * directory in the way (a file, or a file as a parent) is EACCES: it
 * cannot be used, which is not the same as "no database yet". */
static int prepare_dir(const char *dir, unsigned flags)
{
	bool create = (flags & STORE_CREATE) && !(flags & STORE_RDONLY);
	struct stat st;
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT)
			return err(errno);
		if (!create)
			return PT_ENOENT;
		int e = mkdir_p(dir);
		if (e)
			return e == EEXIST ? PT_EACCES : err(e);
		write_gitignore(dir);
		if (stat(dir, &st) != 0)
			return err(errno);
	}
	if (!S_ISDIR(st.st_mode))
		return PT_EACCES;
	int mode = R_OK | X_OK | ((flags & STORE_RDONLY) ? 0 : W_OK);
	return access(dir, mode) == 0 ? PT_OK : err(errno);
}

/* LMDB trusts the meta page: a data file shorter than the last page it
 * names would SIGBUS on the first read of the missing pages. */
static int check_size(MDB_env *env)
{
	MDB_envinfo info;
	MDB_stat st;
	mdb_filehandle_t fd;
	struct stat fs;
	int rc = mdb_env_info(env, &info);
	if (!rc)
		rc = mdb_env_stat(env, &st);
	if (!rc)
		rc = mdb_env_get_fd(env, &fd);
	if (rc)
		return err(rc);
	if (fstat(fd, &fs) != 0)
		return err(errno);
	uint64_t need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	return (uint64_t)fs.st_size < need ? PT_ECORRUPT : PT_OK;
}

static int env_open(store *s, unsigned mflags)
{
	MDB_envinfo info;
	int dead, rc = mdb_env_create(&s->env);
	if (rc)
		return err(rc);
	if ((rc = mdb_env_set_maxdbs(s->env, MAX_DBS)) ||
	    (rc = mdb_env_open(s->env, s->dir, mflags, 0644)))
		return err(rc);
	if ((rc = check_size(s->env)))
		return rc;
	/* The map size is set after opening so that a map grown in an
	 * earlier session (recorded in the file) is kept, not shrunk. */
	if ((rc = mdb_env_info(s->env, &info)))
		return err(rc);
	if (info.me_mapsize < INITIAL_MAP && (rc = mdb_env_set_mapsize(s->env, INITIAL_MAP)))
		return err(rc);
	/* Free the reader slots of processes that died mid-read; a failure
	 * only means stale slots stay taken. */
	(void)mdb_reader_check(s->env, &dead);
	return PT_OK;
}

static int dbi_open(MDB_txn *txn, store_table t, bool write, MDB_dbi *dbi)
{
	unsigned want = table_flags(t), got = 0;
	int rc = mdb_dbi_open(txn, table_names[t], want | (write ? MDB_CREATE : 0), dbi);
	if (!rc)
		rc = mdb_dbi_flags(txn, *dbi, &got);
	if (rc)
		return err(rc);
	/* LMDB keeps the flags a database was created with, whatever we ask. */
	return got == want ? PT_OK : PT_ESCHEMA;
}

/* Open table t. One with other flags than ours, or missing from a
 * read-only database, comes from another schema: writable, it is dropped
 * and recreated (store_clear would empty it anyway) so the rebuild can
 * proceed; read-only, it stays closed and its uses say PT_ESCHEMA.
 * The same under our own schema version is corruption. */
static int open_table(store *s, MDB_txn *txn, store_table t, bool write)
{
	bool ours = s->schema_found == STORE_SCHEMA_VERSION || s->schema_found == 0;
	int rc = dbi_open(txn, t, write, &s->dbi[t]);
	if (rc == PT_ESCHEMA && write && !ours) {
		rc = err(mdb_drop(txn, s->dbi[t], 1));
		if (!rc)
			rc = dbi_open(txn, t, write, &s->dbi[t]);
	}
	if (rc == PT_OK)
		s->have |= 1u << t;
	if (rc != PT_ESCHEMA && rc != PT_ENOTFOUND)
		return rc;
	return ours ? PT_ECORRUPT : PT_OK;
}

/* schema_found: the u32 in META "schema", 0 if absent, UINT32_MAX if the
 * value is not 4 bytes (some other layout: a rebuild, not corruption). */
static int read_schema(store *s, MDB_txn *txn)
{
	MDB_val k = {sizeof schema_key - 1, (void *)schema_key}, v;
	int rc = mdb_get(txn, s->dbi[TBL_META], &k, &v);
	if (rc == MDB_NOTFOUND)
		s->schema_found = 0;
	else if (rc)
		return err(rc);
	else
		s->schema_found = v.mv_size == 4 ? store_load_u32(v.mv_data) : UINT32_MAX;
	return PT_OK;
}

/* Returns an LMDB code: callers map it in their own context. */
static int write_schema(MDB_txn *txn, MDB_dbi meta)
{
	uint8_t b[4];
	store_key_u32(b, STORE_SCHEMA_VERSION);
	MDB_val k = {sizeof schema_key - 1, (void *)schema_key}, v = {4, b};
	return mdb_put(txn, meta, &k, &v, 0);
}

static int open_meta(store *s, MDB_txn *txn, bool write)
{
	int rc = dbi_open(txn, TBL_META, write, &s->dbi[TBL_META]);
	if (rc == PT_ENOTFOUND)
		return PT_ENOENT; /* never initialised */
	if (rc == PT_ESCHEMA)
		return PT_ECORRUPT;
	if (rc)
		return rc;
	s->have |= 1u << TBL_META;
	if ((rc = read_schema(s, txn)))
		return rc;
	return (!write && s->schema_found == 0) ? PT_ENOENT : PT_OK;
}

/* Open every table in one transaction; a fresh writable database gets
 * the schema version. The dbi handles outlive it once it commits. */
static int tables_open(store *s, bool write)
{
	MDB_txn *txn;
	int rc = err(mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &txn));
	if (rc)
		return rc;
	rc = open_meta(s, txn, write);
	for (int t = TBL_META + 1; !rc && t < TBL_COUNT; t++)
		rc = open_table(s, txn, (store_table)t, write);
	if (!rc && write && s->schema_found == 0)
		rc = err(write_schema(txn, s->dbi[TBL_META]));
	if (rc)
		goto fail;
	if ((rc = err(mdb_txn_commit(txn))))
		return rc;
	if (s->schema_found == 0 || s->schema_found == STORE_SCHEMA_VERSION)
		return PT_OK;
	return PT_ESCHEMA;
fail:
	mdb_txn_abort(txn);
	return rc;
}

/* ---- the checked stamp -------------------------------------------------------- */

/* STAMP_FILE names the data.mdb (device, inode, size, modification time)
 * last checked by store_check or last written by one of our commits. A
 * data.mdb that differs was changed by something else (a copy, a scribble,
 * a truncation, a process killed between its commit and its stamp) and is
 * checked again before it is opened. */
#define STAMP_FILE "checked"
#define STAMP_MAX  128

/* The identity of dir's data.mdb; false when there is none, or when it
 * was modified so recently that a later write could keep its timestamp
 * (file times move in clock ticks, not nanoseconds): such a file is not
 * stamped, and is checked when next opened. */
static bool data_identity(const char *dir, char out[STAMP_MAX], bool *racy)
{
	char *p = join(dir, "data.mdb");
	struct stat sb;
	int rc = stat(p, &sb);
	free(p);
	if (rc != 0 || sb.st_size == 0)
		return false;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t age_ns = ((int64_t)now.tv_sec - sb.st_mtim.tv_sec) * 1000000000 +
			 (now.tv_nsec - sb.st_mtim.tv_nsec);
	*racy = age_ns < 50 * 1000000;
	snprintf(out, STAMP_MAX, "%ju %ju %jd %jd.%09ld\n", (uintmax_t)sb.st_dev,
		 (uintmax_t)sb.st_ino, (intmax_t)sb.st_size, (intmax_t)sb.st_mtim.tv_sec,
		 (long)sb.st_mtim.tv_nsec);
	return true;
}

/* Best effort: a read-only directory is checked on every open instead. */
static void stamp_write(const char *dir)
{
	char id[STAMP_MAX];
	bool racy;
	char *p = join(dir, STAMP_FILE), *tmp = join(dir, STAMP_FILE ".tmp");
	if (!data_identity(dir, id, &racy) || racy) {
		unlink(p);
	} else {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			bool ok = write(fd, id, strlen(id)) == (ssize_t)strlen(id);
			close(fd);
			if (!ok || rename(tmp, p) != 0)
				unlink(tmp);
		}
	}
	free(p);
	free(tmp);
}

void store_stamp(store *self)
{
	if (self && !(self->flags & STORE_RDONLY))
		stamp_write(self->dir);
}

void store_stamp_settled(store *self)
{
	if (!self || (self->flags & STORE_RDONLY))
		return;
	/* Holding a write transaction holds LMDB's writer lock: no commit of
	 * another process can land while the clock moves past ours. */
	store_txn *t = NULL;
	if (store_txn_begin(self, true, &t) != PT_OK)
		return;
	char id[STAMP_MAX];
	bool racy = true;
	for (int i = 0; i < 20 && data_identity(self->dir, id, &racy) && racy; i++)
		nanosleep(&(struct timespec){0, 5 * 1000000}, NULL);
	if (!racy)
		stamp_write(self->dir);
	store_txn_abort(t);
}

/* Open the environment at path (a directory, or a file with
 * MDB_NOSUBDIR). *out is set on success and on PT_ESCHEMA. */
static int open_at(const char *path, unsigned flags, unsigned mflags, store **out)
{
	store *s = pt_xcalloc(1, sizeof *s);
	pthread_rwlock_init(&s->remap, NULL);
	s->dir = pt_xstrdup(path);
	s->flags = flags;
	int rc = env_open(s, mflags);
	if (!rc)
		rc = tables_open(s, !(flags & STORE_RDONLY));
	if (rc && rc != PT_ESCHEMA) {
		store_close(s);
		s = NULL;
	}
	*out = s;
	return rc;
}

static int check_if_changed(const char *dir);

int store_open(const char *dir, unsigned flags, store **out)
{
	if (!out)
		return PT_EINVAL;
	*out = NULL;
	if (!dir || !*dir)
		return PT_EINVAL;
	int rc = prepare_dir(dir, flags);
	if (rc)
		return rc;
	if (!(flags & STORE_NOCHECK) && check_if_changed(dir) == PT_ECORRUPT)
		return PT_ECORRUPT;
	/* Read-only, LMDB opens data.mdb before lock.mdb: a directory with
	 * no database gives ENOENT and no stray lock file. */
	unsigned m = MDB_NOTLS;
	if (flags & STORE_RDONLY)
		m |= MDB_RDONLY;
	if (flags & STORE_NOSYNC)
		m |= MDB_NOMETASYNC;
	return open_at(dir, flags, m, out);
}

void store_close(store *self)
{
	if (!self)
		return;
	if (self->env)
		mdb_env_close(self->env);
	pthread_rwlock_destroy(&self->remap);
	free(self->dir);
	free(self);
}

void store_release_map(store *self)
{
	/* LMDB tells the map's address only for MDB_FIXEDMAP: the mapping of
	 * data.mdb is found in /proc/self/maps by its inode */
	char path[4096], line[4608];
	struct stat st;
	if (!self || snprintf(path, sizeof path, "%s/data.mdb", self->dir) >= (int)sizeof path ||
	    stat(path, &st) != 0)
		return;
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return;
	pthread_rwlock_rdlock(&self->remap);
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi, ino;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &lo, &hi, &ino) == 3 &&
		    ino == (unsigned long)st.st_ino && strstr(line, "data.mdb"))
			madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
	pthread_rwlock_unlock(&self->remap);
	fclose(f);
}

const char *store_dir(const store *self)
{
	return self->dir;
}
uint32_t store_schema_found(const store *self)
{
	return self->schema_found;
}

/* Transactions this thread holds: growing then would wait for itself. */
static __thread int txns_here;

int store_grow(store *self)
{
	MDB_envinfo info;
	if (txns_here)
		return PT_EINVAL;
	pthread_rwlock_wrlock(&self->remap);
	int rc = mdb_env_info(self->env, &info);
	if (!rc)
		rc = mdb_env_set_mapsize(self->env, info.me_mapsize * 2);
	pthread_rwlock_unlock(&self->remap);
	return err(rc);
}

int store_set_mapsize(store *self, uint64_t bytes)
{
	if (txns_here)
		return PT_EINVAL;
	pthread_rwlock_wrlock(&self->remap);
	int rc = mdb_env_set_mapsize(self->env, (size_t)bytes);
	pthread_rwlock_unlock(&self->remap);
	return err(rc);
}

/* ---- transactions ------------------------------------------------------ */

int store_txn_begin(store *self, bool write, store_txn **out)
{
	MDB_txn *t;
	if (!self || !out)
		return PT_EINVAL;
	*out = NULL;
	if (write && (self->flags & STORE_RDONLY))
		return PT_EACCES;
	pthread_rwlock_rdlock(&self->remap);
	/* A reader slot left by a process killed mid-read pins the pages it
	 * saw: the file would only grow. A writer frees such slots first (a
	 * few syscalls; readers are never blocked by it). */
	int dead = 0;
	if (write)
		(void)mdb_reader_check(self->env, &dead);
	int rc = err(mdb_txn_begin(self->env, NULL, write ? 0 : MDB_RDONLY, &t));
	if (rc) {
		pthread_rwlock_unlock(&self->remap);
		return rc;
	}
	txns_here++;
	store_txn *txn = pt_xcalloc(1, sizeof *txn);
	txn->s = self;
	txn->txn = t;
	txn->write = write;
	*out = txn;
	return PT_OK;
}

/* LMDB frees write-txn cursors at the end of the txn; closing ours first
 * keeps a later store_cursor_close from touching freed memory. */
static void detach_cursors(store_txn *txn)
{
	for (store_cursor *c = txn->cursors, *next; c; c = next) {
		next = c->next;
		mdb_cursor_close(c->cur);
		c->cur = NULL;
		c->txn = NULL;
		c->next = NULL;
	}
	txn->cursors = NULL;
}

/* LMDB reports a write cut short by a full device as EIO ("short
 * write"), not ENOSPC (seen on a full tmpfs, tests/reliability/
 * diskfull.py): say disk full when the device has (almost) no room. */
static bool disk_nearly_full(const char *dir)
{
	struct statvfs v;
	if (statvfs(dir, &v) != 0)
		return false;
	return (uint64_t)v.f_bavail * v.f_frsize < ((uint64_t)1 << 20);
}

int store_txn_commit(store_txn *txn)
{
	if (!txn)
		return PT_EINVAL;
	detach_cursors(txn);
	int rc = txn->failed;
	if (rc)
		mdb_txn_abort(txn->txn);
	else
		rc = err(mdb_txn_commit(txn->txn));
	if (rc == PT_EIO && disk_nearly_full(txn->s->dir))
		rc = PT_ENOSPC;
	if (!rc && txn->write)
		stamp_write(txn->s->dir); /* what we wrote needs no check (once it is not racy) */
	pthread_rwlock_unlock(&txn->s->remap);
	txns_here--;
	free(txn);
	return rc;
}

void store_txn_abort(store_txn *txn)
{
	if (!txn)
		return;
	detach_cursors(txn);
	mdb_txn_abort(txn->txn);
	pthread_rwlock_unlock(&txn->s->remap);
	txns_here--;
	free(txn);
}

/* Map an LMDB result inside txn. After these errors LMDB refuses all but
 * an abort (MDB_BAD_TXN); remembering the cause lets later calls and the
 * commit report it instead. */
static int txn_err(store_txn *txn, int rc)
{
	int code = err(rc);
	if (code == PT_EMAPFULL || code == PT_ENOSPC || code == PT_EIO || code == PT_ECORRUPT)
		txn->failed = code;
	return code;
}

/* The dbi for an operation on table t in txn, or why it cannot run. */
static int table(store_txn *txn, store_table t, bool write, MDB_dbi *dbi)
{
	if (!txn || (unsigned)t >= TBL_COUNT)
		return PT_EINVAL;
	if (txn->failed)
		return txn->failed;
	if (write && !txn->write)
		return PT_EINVAL;
	if (!(txn->s->have & (1u << t)))
		return PT_ESCHEMA;
	*dbi = txn->s->dbi[t];
	return PT_OK;
}

static bool bad_key(const void *key, size_t klen)
{
	return !key || klen == 0 || klen > MAX_KEY;
}

static store_val val_of(MDB_val v)
{
	return (store_val){v.mv_data, v.mv_size};
}

int store_get(store_txn *txn, store_table t, const void *key, size_t klen, store_val *out)
{
	MDB_dbi dbi;
	int rc = table(txn, t, false, &dbi);
	if (rc)
		return rc;
	if (bad_key(key, klen) || !out)
		return PT_EINVAL;
	MDB_val k = {klen, (void *)key}, v;
	if ((rc = txn_err(txn, mdb_get(txn->txn, dbi, &k, &v))))
		return rc;
	*out = val_of(v);
	return PT_OK;
}

static int put(store_txn *txn, store_table t, const void *key, size_t klen, const void *val,
	       size_t vlen, unsigned flags)
{
	MDB_dbi dbi;
	int rc = table(txn, t, true, &dbi);
	if (rc)
		return rc;
	/* DUPFIXED needs every value of a table the same size: 8 bytes. */
	if (bad_key(key, klen) || (!val && vlen) || (table_flags(t) && vlen != 8))
		return PT_EINVAL;
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	if (flags)
		flags = table_flags(t) ? MDB_APPENDDUP : MDB_APPEND;
	int r = mdb_put(txn->txn, dbi, &k, &v, flags);
	if (r == MDB_KEYEXIST && flags)
		return PT_EINVAL; /* out of order */
	return txn_err(txn, r);
}

int store_put(store_txn *txn, store_table t, const void *key, size_t klen, const void *val,
	      size_t vlen)
{
	return put(txn, t, key, klen, val, vlen, 0);
}

int store_append(store_txn *txn, store_table t, const void *key, size_t klen, const void *val,
		 size_t vlen)
{
	return put(txn, t, key, klen, val, vlen, 1);
}

int store_del(store_txn *txn, store_table t, const void *key, size_t klen, const void *val,
	      size_t vlen)
{
	MDB_dbi dbi;
	int rc = table(txn, t, true, &dbi);
	if (rc)
		return rc;
	if (bad_key(key, klen))
		return PT_EINVAL;
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	return txn_err(txn, mdb_del(txn->txn, dbi, &k, val ? &v : NULL));
}

/* The schema key is rewritten with our version: clearing is how a
 * database of another schema is rebuilt, and it must then open cleanly. */
int store_clear(store_txn *txn)
{
	MDB_dbi dbi;
	int rc = table(txn, TBL_META, true, &dbi);
	for (int t = TBL_META + 1; !rc && t < TBL_COUNT; t++)
		if (!(rc = table(txn, (store_table)t, true, &dbi)))
			rc = txn_err(txn, mdb_drop(txn->txn, dbi, 0));
	if (!rc)
		rc = txn_err(txn, write_schema(txn->txn, txn->s->dbi[TBL_META]));
	return rc;
}

int store_count(store_txn *txn, store_table t, uint64_t *out)
{
	MDB_dbi dbi;
	MDB_stat st;
	int rc = table(txn, t, false, &dbi);
	if (rc)
		return rc;
	if ((rc = txn_err(txn, mdb_stat(txn->txn, dbi, &st))))
		return rc;
	*out = st.ms_entries;
	return PT_OK;
}

/* ---- cursors ----------------------------------------------------------- */

int store_cursor_open(store_txn *txn, store_table t, store_cursor **out)
{
	MDB_dbi dbi;
	MDB_cursor *cur;
	*out = NULL;
	int rc = table(txn, t, false, &dbi);
	if (rc)
		return rc;
	if ((rc = txn_err(txn, mdb_cursor_open(txn->txn, dbi, &cur))))
		return rc;
	store_cursor *c = pt_xcalloc(1, sizeof *c);
	c->txn = txn;
	c->cur = cur;
	c->dup = table_flags(t) != 0;
	c->next = txn->cursors;
	txn->cursors = c;
	*out = c;
	return PT_OK;
}

static int cursor_get(store_cursor *c, MDB_val *k, MDB_val *v, MDB_cursor_op op, store_val *ko,
		      store_val *vo)
{
	if (!c || !c->txn)
		return PT_EINVAL;
	if (c->txn->failed)
		return c->txn->failed;
	int rc = txn_err(c->txn, mdb_cursor_get(c->cur, k, v, op));
	if (rc)
		return rc;
	if (ko)
		*ko = val_of(*k);
	if (vo)
		*vo = val_of(*v);
	return PT_OK;
}

int store_cursor_seek(store_cursor *c, const void *key, size_t klen, store_val *k, store_val *v)
{
	MDB_val mk = {klen, (void *)key}, mv;
	if (key && bad_key(key, klen))
		return PT_EINVAL;
	return cursor_get(c, &mk, &mv, key ? MDB_SET_RANGE : MDB_FIRST, k, v);
}

int store_cursor_next(store_cursor *c, store_val *k, store_val *v)
{
	MDB_val mk, mv;
	return cursor_get(c, &mk, &mv, MDB_NEXT, k, v);
}

int store_cursor_first_dup(store_cursor *c, const void *key, size_t klen, store_val *v)
{
	MDB_val mk = {klen, (void *)key}, mv;
	if (bad_key(key, klen))
		return PT_EINVAL;
	return cursor_get(c, &mk, &mv, MDB_SET_KEY, NULL, v);
}

/* On a plain table a key has one value; MDB_NEXT_DUP there would move to
 * the next key instead of reporting the end. */
int store_cursor_next_dup(store_cursor *c, store_val *v)
{
	MDB_val mk, mv;
	if (c && c->txn && !c->dup)
		return PT_ENOTFOUND;
	return cursor_get(c, &mk, &mv, MDB_NEXT_DUP, NULL, v);
}

void store_cursor_close(store_cursor *c)
{
	if (!c)
		return;
	if (c->txn) {
		store_cursor **p = &c->txn->cursors;
		while (*p != c)
			p = &(*p)->next;
		*p = c->next;
		mdb_cursor_close(c->cur);
	}
	free(c);
}

/* ---- meta -------------------------------------------------------------- */

int store_meta_get_u64(store_txn *txn, const char *key, uint64_t *out)
{
	store_val v;
	int rc = store_get(txn, TBL_META, key, key ? strlen(key) : 0, &v);
	if (rc)
		return rc;
	if (v.len != 8)
		return PT_ECORRUPT;
	*out = store_load_u64(v.data);
	return PT_OK;
}

int store_meta_put_u64(store_txn *txn, const char *key, uint64_t v)
{
	uint8_t b[8];
	store_key_u64(b, v);
	return store_put(txn, TBL_META, key, key ? strlen(key) : 0, b, sizeof b);
}

/* ---- whole-database operations ----------------------------------------- */

/* mdb_reader_list reports one line per reader slot in use after a header
 * line (or one "(no active readers)" line); count the slot lines. */
static int count_reader(const char *msg, void *ctx)
{
	if (msg[0] != '(' && !strstr(msg, "pid"))
		++*(uint64_t *)ctx;
	return 0;
}

static int stats_tables(store *self, store_stats *out)
{
	store_txn *txn;
	store_val v;
	int rc = store_txn_begin(self, false, &txn);
	for (int t = 0; !rc && t < TBL_COUNT; t++) {
		rc = store_count(txn, (store_table)t, &out->entries[t]);
		if (rc == PT_ESCHEMA)
			rc = PT_OK; /* closed table: counts 0 */
	}
	if (!rc)
		rc = store_get(txn, TBL_META, schema_key, sizeof schema_key - 1, &v);
	if (!rc && v.len == 4)
		out->schema = store_load_u32(v.data);
	if (rc == PT_ENOTFOUND)
		rc = PT_OK; /* no schema: reported as 0 */
	store_txn_abort(txn);
	return rc;
}

int store_stats_get(store *self, store_stats *out)
{
	MDB_envinfo info;
	mdb_filehandle_t fd;
	struct stat st;
	memset(out, 0, sizeof *out);
	int rc = mdb_env_info(self->env, &info);
	if (!rc)
		rc = mdb_env_get_fd(self->env, &fd);
	if (rc)
		return err(rc);
	if (fstat(fd, &st) != 0)
		return err(errno);
	out->map_size = info.me_mapsize;
	out->file_size = (uint64_t)st.st_size;
	out->readers_max = info.me_maxreaders;
	if ((rc = stats_tables(self, out)))
		return rc;
	/* Counted after our own read txn has ended. */
	(void)mdb_reader_list(self->env, count_reader, &out->readers_used);
	return PT_OK;
}

/* Write a compact copy of env into the new file path, durably. */
static int write_copy(MDB_env *env, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err(errno);
	int rc = err(mdb_env_copyfd2(env, fd, MDB_CP_COMPACT));
	if (!rc && fsync(fd) != 0)
		rc = err(errno);
	if (close(fd) != 0 && !rc)
		rc = err(errno);
	if (rc)
		unlink(path);
	return rc;
}

int store_snapshot(store *self, const char *path)
{
	if (!self || !path || !*path)
		return PT_EINVAL;
	char *tmp = cat(path, ".tmp");
	int rc = write_copy(self->env, tmp);
	if (!rc && rename(tmp, path) != 0) {
		rc = err(errno);
		unlink(tmp);
	}
	if (!rc)
		sync_parent(path);
	free(tmp);
	return rc;
}

/* The snapshot must open as one of our databases, with our schema, before
 * anything in the target directory is touched. MDB_NOLOCK: no one else
 * uses the file, and no lock file is left beside it. */
static int verify_snapshot(const char *path)
{
	struct stat st;
	store *s;
	if (stat(path, &st) != 0)
		return err(errno);
	if (!S_ISREG(st.st_mode))
		return PT_EINVAL;
	int rc =
		open_at(path, STORE_RDONLY, MDB_RDONLY | MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOTLS, &s);
	store_close(s);
	return rc == PT_ENOENT ? PT_ECORRUPT : rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return err(errno);
		p += w;
		n -= (size_t)w;
	}
	return PT_OK;
}

/* Copy src to the new file dst and fsync it. */
static int copy_file(const char *src, const char *dst)
{
	enum {
		CHUNK = 1 << 20
	};
	int rc = PT_OK, in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
	char *buf = pt_xmalloc(CHUNK);
	if (in < 0 || (out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		rc = err(errno);
		goto done;
	}
	for (;;) {
		ssize_t n = read(in, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = err(errno);
		if (n <= 0 || (rc = write_all(out, buf, (size_t)n)))
			break;
	}
	if (!rc && fsync(out) != 0)
		rc = err(errno);
done:
	if (out >= 0 && close(out) != 0 && !rc)
		rc = err(errno);
	if (in >= 0)
		close(in);
	free(buf);
	return rc;
}

/* Put the new data file in place. lock.mdb describes readers and txn ids
 * of the old file; the store is closed, so removing it is safe and LMDB
 * rebuilds it at the next open. A failed unlink is harmless for the same
 * reason: the first opener reinitialises a lock file nobody holds. */
static int install(const char *dir, const char *tmp)
{
	char *data = join(dir, "data.mdb"), *lock = join(dir, "lock.mdb");
	int rc = PT_OK;
	if (rename(tmp, data) != 0) {
		rc = err(errno);
		unlink(tmp);
	} else {
		(void)unlink(lock);
		sync_dir(dir);
	}
	free(data);
	free(lock);
	return rc;
}

int store_restore(const char *dir, const char *path)
{
	if (!dir || !*dir || !path || !*path)
		return PT_EINVAL;
	int rc = verify_snapshot(path);
	if (!rc)
		rc = prepare_dir(dir, STORE_CREATE);
	if (rc)
		return rc;
	char *tmp = join(dir, "data.mdb.tmp");
	rc = copy_file(path, tmp);
	if (rc)
		unlink(tmp);
	else
		rc = install(dir, tmp);
	free(tmp);
	return rc;
}

/* Read-only open: the copy only needs a read txn, and a writable open
 * could recreate the tables of a database of another schema. */
int store_compact(const char *dir, uint64_t *before, uint64_t *after)
{
	store *s;
	int rc = store_open(dir, STORE_RDONLY, &s);
	if (rc && rc != PT_ESCHEMA)
		return rc;
	char *data = join(dir, "data.mdb"), *tmp = join(dir, "data.mdb.compact");
	rc = file_size(data, before);
	if (!rc)
		rc = write_copy(s->env, tmp);
	store_close(s);
	if (!rc)
		rc = install(dir, tmp);
	if (!rc)
		rc = file_size(data, after);
	free(data);
	free(tmp);
	return rc;
}

/* Also removes the temporary files an interrupted restore or compaction
 * may have left, so that the directory can go. */
int store_remove(const char *dir)
{
	static const char *const files[] = {
		"data.mdb",         "lock.mdb", "data.mdb.tmp",
		"data.mdb.compact", STAMP_FILE, STAMP_FILE ".tmp",
	};
	struct stat st;
	int rc = PT_OK;
	if (!dir || !*dir)
		return PT_EINVAL;
	if (stat(dir, &st) != 0)
		return err(errno);
	if (!S_ISDIR(st.st_mode))
		return PT_EACCES;
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char *p = join(dir, files[i]);
		if (unlink(p) != 0 && errno != ENOENT && !rc)
			rc = err(errno);
		free(p);
	}
	remove_gitignore(dir);
	/* The directory goes too when it can: not when other files are in it,
	 * nor when dir is a symlink to it (ENOTDIR: the link and its target
	 * stay) or names the current one (`.`: EINVAL) or a mount point
	 * (EBUSY). The database is removed all the same. */
	if (!rc && rmdir(dir) != 0 && errno != ENOTEMPTY && errno != EEXIST && errno != ENOTDIR &&
	    errno != EINVAL && errno != EBUSY)
		rc = err(errno);
	return rc;
}

/* ---- page check (in a child process) -------------------------------------- */

static store_deep_check deep_check;

void store_set_deep_check(store_deep_check fn)
{
	deep_check = fn;
}

/* LMDB's free list (dbi 0): a writer takes pages from it, so a bogus page
 * number there is followed by the next commit, not by any reader. Each
 * record is a count then that many page numbers, all between the meta
 * pages and the last page in use. */
static int check_freelist(store *st, store_txn *txn)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat sb;
	char *p = join(st->dir, "data.mdb");
	int rc = stat(p, &sb);
	free(p);
	if (rc != 0 || mdb_env_info(st->env, &info) || mdb_env_stat(st->env, &ms))
		return PT_EIO;
	size_t last = info.me_last_pgno;
	if ((uint64_t)(last + 1) * ms.ms_psize > (uint64_t)sb.st_size)
		return PT_ECORRUPT; /* truncated */
	MDB_cursor *c;
	if (mdb_cursor_open(txn->txn, 0, &c))
		return PT_ECORRUPT;
	MDB_val k, v;
	rc = PT_OK;
	for (int x = mdb_cursor_get(c, &k, &v, MDB_FIRST); x == 0 && !rc;
	     x = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		size_t n, pg;
		if (k.mv_size != sizeof(size_t) || v.mv_size < sizeof n) {
			rc = PT_ECORRUPT;
			break;
		}
		memcpy(&n, v.mv_data, sizeof n);
		if (n > v.mv_size / sizeof n || v.mv_size != (n + 1) * sizeof n) {
			rc = PT_ECORRUPT;
			break;
		}
		for (size_t i = 1; i <= n; i++) {
			memcpy(&pg, (const char *)v.mv_data + i * sizeof pg, sizeof pg);
			if (pg < 2 || pg > last) {
				rc = PT_ECORRUPT;
				break;
			}
		}
	}
	mdb_cursor_close(c);
	return rc;
}

static int check_walk(const char *dir)
{
	store *st = NULL;
	int rc = store_open(dir, STORE_RDONLY | STORE_NOCHECK, &st);
	if (rc) {
		store_close(st);
		return rc;
	}
	store_txn *txn = NULL;
	if ((rc = store_txn_begin(st, false, &txn))) {
		store_close(st);
		return rc;
	}
	volatile unsigned char sink = 0;
	for (int t = 0; !rc && t < TBL_COUNT; t++) {
		if (!(st->have & (1u << t)))
			continue;
		store_cursor *c = NULL;
		store_val k, v;
		if ((rc = store_cursor_open(txn, (store_table)t, &c)))
			break;
		for (rc = store_cursor_seek(c, NULL, 0, &k, &v); rc == PT_OK;
		     rc = store_cursor_next(c, &k, &v)) {
			/* touch both ends of each key and value: a bogus size or
			 * page number faults here, in the child */
			if (k.len)
				sink ^= ((const unsigned char *)k.data)[0] ^
					((const unsigned char *)k.data)[k.len - 1];
			if (v.len)
				sink ^= ((const unsigned char *)v.data)[0] ^
					((const unsigned char *)v.data)[v.len - 1];
		}
		if (rc == PT_ENOTFOUND)
			rc = PT_OK;
		store_cursor_close(c);
	}
	(void)sink;
	if (!rc)
		rc = check_freelist(st, txn);
	if (!rc && deep_check)
		rc = deep_check(txn);
	store_txn_abort(txn);
	store_close(st);
	return rc;
}

int store_check(const char *dir)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err(errno);
	if (pid == 0) {
		/* LMDB's own assertions print before they abort: keep them out
		 * of the caller's stderr, the status says it all */
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		/* a fault must kill the child: not the parent's handlers */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		alarm(60);
		int rc = check_walk(dir); /* a PT_* code, passed as a small status */
		_exit(rc ? (PT_ERR_BASE - rc) & 0x7f : 0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return PT_EIO;
	if (WIFSIGNALED(status))
		return PT_ECORRUPT;
	int rc = !WIFEXITED(status)    ? PT_EIO
		 : WEXITSTATUS(status) ? PT_ERR_BASE - WEXITSTATUS(status)
				       : PT_OK;
	/* a data file in which our tables cannot be found: damaged (or
	 * never initialised, which a rebuild treats the same way) */
	pt_strbuf p = {0};
	pt_strbuf_printf(&p, "%s/data.mdb", dir);
	struct stat sb;
	if (rc == PT_ENOENT && stat(p.buf, &sb) == 0 && sb.st_size > 0)
		rc = PT_ECORRUPT;
	pt_strbuf_free(&p);
	if (rc == PT_OK)
		stamp_write(dir);
	return rc;
}

/* Check dir unless its data.mdb is the one the stamp names. */
static int check_if_changed(const char *dir)
{
	char now[STAMP_MAX], was[STAMP_MAX];
	bool racy;
	if (!data_identity(dir, now, &racy))
		return PT_OK; /* no database yet */
	char *p = join(dir, STAMP_FILE);
	FILE *f = fopen(p, "r");
	free(p);
	bool same = false;
	if (f) {
		same = fgets(was, sizeof was, f) && strcmp(was, now) == 0;
		fclose(f);
	}
	return same ? PT_OK : store_check(dir);
}
