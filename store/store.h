/* store/store.h — the LMDB environment that holds the graph.
 *
 * A thin, typed layer over LMDB: named tables, transactions, zero-copy
 * reads, cursors, map growth, and the whole-database operations behind
 * `parseltongue storage`. It knows nothing of Rust or tree-sitter; record
 * layouts live in records.h.
 *
 * Threads: one write transaction at a time (LMDB's rule); read
 * transactions from any thread (MDB_NOTLS). Never use a store across
 * fork(), never open the same directory twice in one process.
 */
#ifndef PT_STORE_STORE_H
#define PT_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "../core/error.h"

#define STORE_SCHEMA_VERSION 2u /* 2: entity kind 14, the enum variant */

/* Every function that returns a status returns PT_OK or a PT_* code of
 * core/error.h (LMDB's and the system's codes are translated in one place). */

/* Tables. Keys are at most STORE_MAX_KEY bytes (LMDB's limit): a longer
 * one is refused with PT_EINVAL, so callers keep theirs within it. */
#define STORE_MAX_KEY 511

typedef enum {
	TBL_META,     /* string key → value (schema, root, counters)            */
	TBL_FILES,    /* workspace-relative path → rec_file                      */
	TBL_FILEIDS,  /* u32 file id (4 bytes LE) → path bytes (NUL-terminated)  */
	TBL_FACTS,    /* u32 file id → facts blob                                */
	TBL_ENTS,     /* u64 entity id (8 bytes LE) → rec_entity                 */
	TBL_OUT,      /* u64 entity id → array of rec_edge (outgoing)            */
	TBL_IN,       /* u64 entity id → array of rec_edge (incoming)            */
	TBL_NAMES,    /* entity name → u64 ids (DUPSORT, DUPFIXED)               */
	TBL_FILEENTS, /* u32 file id → u64 ids (DUPSORT, DUPFIXED)               */
	TBL_COUNT
} store_table;

typedef struct store store;
typedef struct store_txn store_txn;
typedef struct store_cursor store_cursor;

/* A borrowed byte range: valid until its transaction ends. */
typedef struct {
	const void *data;
	size_t len;
} store_val;

enum {
	STORE_RDONLY = 1u << 0,  /* open read-only; never creates */
	STORE_CREATE = 1u << 1,  /* create the directory (mkdir -p) if missing, with a
				  * .gitignore of `*` in it (git leaves it untracked) */
	STORE_NOSYNC = 1u << 2,  /* MDB_NOMETASYNC: per-edit commits */
	STORE_NOCHECK = 1u << 3, /* skip the check of a data.mdb changed behind our back */
};

/* Open (creating if asked) the environment in dir. On PT_ESCHEMA the
 * store is still opened (*out set) so the caller can say so and
 * store_clear() it; on other errors *out is NULL. A fresh database gets
 * the schema version written at open. */
int store_open(const char *dir, unsigned flags, store **out);
void store_close(store *self); /* accepts NULL */
const char *store_dir(const store *self);
uint32_t store_schema_found(const store *self); /* version in the file; 0 if new */

/* Double the map size. Waits until no transaction of this process is
 * open (so never call it while holding one: it would wait forever). */
int store_grow(store *self);
/* For tests: set the map size (no transaction open). LMDB raises a size
 * below the pages already in use to that minimum. */
int store_set_mapsize(store *self, uint64_t bytes);
/* Give back the pages of the map this process has read: they leave its
 * page tables (and its resident and private memory) but stay in the page
 * cache, where the next read finds them again. For a long-lived reader
 * between requests. Call with no transaction of this process open. The
 * map is never written through (no MDB_WRITEMAP), so nothing is lost. */
void store_release_map(store *self);

int store_txn_begin(store *self, bool write, store_txn **out);
int store_txn_commit(store_txn *txn); /* frees txn in all cases */
void store_txn_abort(store_txn *txn); /* accepts NULL */

int store_get(store_txn *txn, store_table t, const void *key, size_t klen, store_val *out);
int store_put(store_txn *txn, store_table t, const void *key, size_t klen, const void *val,
	      size_t vlen);
/* Put at the end of the table: keys (and, in DUPSORT tables, values of a
 * key) must come in increasing memcmp order. Fills pages completely, so a
 * table written this way is about half the size of one written at random,
 * and faster. Out of order: PT_EINVAL (the transaction stays usable). */
int store_append(store_txn *txn, store_table t, const void *key, size_t klen, const void *val,
		 size_t vlen);
/* Delete a key; for DUPSORT tables val selects one duplicate (NULL: all). */
int store_del(store_txn *txn, store_table t, const void *key, size_t klen, const void *val,
	      size_t vlen);
/* Empty every table but META (the schema stays). */
int store_clear(store_txn *txn);
/* Number of keys (entries, for DUPSORT) in a table. */
int store_count(store_txn *txn, store_table t, uint64_t *out);

/* Cursors: iterate in key order. seek positions at the first key >= key
 * (key NULL: the first key). next moves on; for DUPSORT tables every
 * (key, value) pair is visited. Both return PT_ENOTFOUND at the end. */
int store_cursor_open(store_txn *txn, store_table t, store_cursor **out);
int store_cursor_seek(store_cursor *c, const void *key, size_t klen, store_val *k, store_val *v);
int store_cursor_next(store_cursor *c, store_val *k, store_val *v);
/* Visit the duplicates of exactly this key. first: positions on its first
 * value; next_dup: the following one. */
int store_cursor_first_dup(store_cursor *c, const void *key, size_t klen, store_val *v);
int store_cursor_next_dup(store_cursor *c, store_val *v);
void store_cursor_close(store_cursor *c); /* accepts NULL */

/* Meta helpers. */
int store_meta_get_u64(store_txn *txn, const char *key, uint64_t *out);
int store_meta_put_u64(store_txn *txn, const char *key, uint64_t v);

/* Whole-database operations. */
typedef struct {
	uint64_t map_size, file_size; /* bytes */
	uint64_t entries[TBL_COUNT];
	uint32_t schema;
	uint64_t readers_used, readers_max;
} store_stats;
int store_stats_get(store *self, store_stats *out);
const char *store_table_name(store_table t);
/* Compact copy of the environment into file path (mdb_env_copy2 with
 * MDB_CP_COMPACT, written as a single data file). */
int store_snapshot(store *self, const char *path);
/* Replace the database in dir by the snapshot file (closed store; the
 * previous data is kept until the new one is in place: written to a
 * temporary name, then renamed). Checks the snapshot opens and has our
 * schema before replacing. */
int store_restore(const char *dir, const char *path);
/* In-place compaction: snapshot to a temp file, then rename over data.mdb.
 * The store must be closed; dir is its directory. */
int store_compact(const char *dir, uint64_t *before, uint64_t *after);
/* Remove the database files in dir, and the .gitignore store_open wrote
 * (not another one), and the directory if then empty and removable (a
 * symlinked directory, `.` or a mount point stays). */
int store_remove(const char *dir);
/* Read every page of the database in dir, in a child process: LMDB
 * trusts its file, so a scribbled data.mdb can crash whatever reads it
 * (a segfault inside mdb_dbi_open or a cursor walk). The child opens dir
 * read-only, visits every key and value of every table, checks LMDB's free
 * list (which only a writer follows), then runs the deep check if one is
 * set (store_set_deep_check). A child killed by a signal (or still running
 * after 60 s) gives PT_ECORRUPT; otherwise the code the open, the walk
 * or the deep check returned (PT_OK, PT_ENOENT, PT_ESCHEMA,
 * PT_ECORRUPT...). A database that passes is stamped as checked.
 * dir must not be open in this process with the intent to write before
 * the call returns. Costs about a read of the file plus the deep check.
 *
 * store_open calls it by itself when data.mdb is not the file the stamp
 * names (see STORE_NOCHECK), and returns PT_ECORRUPT if it fails:
 * every commit of ours re-stamps, so only a file changed by something
 * else is checked. */
int store_check(const char *dir);
/* Run in store_check's child with a read transaction: PT_OK, or
 * PT_ECORRUPT for records that do not hold together. */
typedef int (*store_deep_check)(store_txn *txn);
/* Stamp the database as checked: what is in it is our own last commit. A
 * commit stamps by itself unless it is too recent to tell from a later
 * write in the same clock tick; a process that commits often (the language
 * server) calls this once it has been idle a moment, so that a CLI command
 * reading the same database need not check it again. */
void store_stamp(store *self);
/* The same for a process about to exit after its last commit (onboard):
 * waits, holding the writer lock, until that commit is older than a clock
 * tick (tens of milliseconds at most), then stamps. Without it, the next
 * command would check the whole database (seconds on a large one). */
void store_stamp_settled(store *self);
void store_set_deep_check(store_deep_check fn);

/* Little-endian key helpers. */
static inline void store_key_u64(uint8_t k[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		k[i] = (uint8_t)(v >> (8 * i));
}
static inline void store_key_u32(uint8_t k[4], uint32_t v)
{
	for (int i = 0; i < 4; i++)
		k[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t store_load_u64(const void *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return v;
}
static inline uint32_t store_load_u32(const void *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, 4);
	return v;
}

#endif
