/* graph/index_int.h — what the indexer's two files share.
 *
 * index.c runs the pipeline (scan, parse in parallel, resolve, diff-write)
 * for a whole workspace or one file; index_session.c keeps a resolution in
 * memory for an editor and writes a same-shaped edit as the few records it
 * changes. The session parses, stores files and encodes records exactly as
 * a run does, with the ix_ functions of index.c declared here. Only
 * graph/index*.c include this header; index.h is the API of both.
 */
#ifndef PT_GRAPH_INDEX_INT_H
#define PT_GRAPH_INDEX_INT_H

#include "index.h"

#include <pthread.h>
#include <stdatomic.h>

#include "../store/records.h"
#include "extract.h"
#include "workspace.h"

#define DEFAULT_MAX_FILE (8u << 20)

/* One file that stat says may have changed. */
typedef struct {
	uint32_t ws;      /* index into ws.files */
	const char *text; /* content given by the caller (an editor buffer), or NULL */
	size_t text_len;
	const pt_tree *old_tree; /* previous parse of this buffer, edited (borrowed) */
	pt_tree *new_tree;       /* the parse of text, when asked for (keep_tree) */
	bool known;              /* in the files table already */
	rec_file old;
	/* filled by the workers */
	rec_file rec;
	uint32_t error_line; /* 0-based line of the first syntax error, when rec.errors */
	bool same_hash;      /* content unchanged: only the stat data moves */
	bool facts_written;  /* ix_put_file put a facts blob that was not stored */
	pt_facts facts;
	pt_strbuf blob;
	/* macros (graph/macro.h): what the file defines and invokes, from
	 * the first pass; then the definitions of other files it may
	 * expand, chosen between the passes */
	pt_facts scan;
	uint64_t scan_hash; /* of the text scan was made from */
	pt_macro_imports_vec imps;
	bool extract;   /* the second pass parses it */
	bool reextract; /* its content is as stored, its imports are not */
} job;

typedef struct {
	const char *root;
	pt_workspace *ws;
	job *jobs;
	size_t n;
	uint64_t max_size;
	bool force;      /* re-parse even when the content hash is unchanged */
	int phase;       /* 1: read, check and scan each file; 2: extract those marked */
	bool keep_facts; /* leave the decoded facts in the job (a session uses them) */
	bool keep_tree;  /* ... and the syntax tree */
	bool fast_blob;  /* pt_facts_encode_fast: an editor's keystroke waits for the write */
	atomic_size_t next, done;
	pthread_mutex_t big; /* one big file at a time: their trees dominate peak memory */
} pool;

/* Every Rust file's facts, from the jobs just parsed or the store. */
typedef struct {
	PT_VEC(pt_source) src;
	PT_VEC(pt_facts *) owned;
	PT_VEC(char *) paths;
} sources;

/* One edge as the adjacency of one of its ends holds it: ent is that end,
 * other the id of the other end, in says which end ent is. */
typedef struct {
	uint32_t ent;
	uint64_t other;
	pt_edge e;
	bool in;
} half;

/* Seconds from nanoseconds, for the report. */
double ix_secs(uint64_t ns);
/* Reads, checks, hashes and (for Rust) scans job j's file for its macros. */
void ix_scan_one(pool *P, job *j);
/* Reads job j's file again and extracts it, expanding j->imps. */
void ix_extract_one(pool *P, job *j, pt_extractor *ex);
/* Both, for one job (the imports as j->imps holds them). */
void ix_work_one(pool *P, job *j, pt_extractor *ex);
/* A file's place for the choice of macro imports: its package, the part of
 * the package (src/, tests/, ...) and the package's library name, from the
 * crates ws holds. */
void ix_file_place(const pt_workspace *ws, const char *path, pt_macro_file *out);
/* Writes job j's file record, facts and id; a new file takes id *next_id. */
int ix_put_file(store_txn *txn, const char *path, job *j, uint64_t *next_id);
/* Frees what s owns (accepts an empty one). */
void ix_sources_free(sources *s);
/* Every stored Rust file's facts, sorted by path, into S (caller frees with ix_sources_free). */
int ix_load_sources(store_txn *txn, sources *S);
/* Orders adjacency entries as they are stored: by entity, then every encoded field. */
int ix_cmp_half(const void *a, const void *b);
/* The stored value of adjacency entries h[from..to) into out. */
/* One half edge as its stored record, appended to out. */
void ix_add_half(const pt_graph *g, const half *h, pt_strbuf *out);
void ix_encode_adj(const pt_graph *g, const half *h, uint32_t from, uint32_t to, pt_strbuf *out);
/* The record of entity e (strings borrowed from g). */
void ix_ent_record(const pt_graph *g, const pt_entity *e, rec_entity *r);
/* Moves META_GENERATION on, as every commit does. */
int ix_bump_generation(store_txn *txn);
/* The stored build (zeroed: the default, when none was stored). */
int ix_build_from_store(store_txn *txn, pt_build *out);
/* What a one-file update knows of rel (see index.c); false: neither on disk
 * nor given, or a symlink out of the folder when follow is false. */
bool ix_one_file(const char *root, const char *rel, const char *text, size_t len, bool follow,
		 ws_file *out, bool *on_disk);
/* Whether the database follows file symlinks out of the folder (META_FOLLOW_LINKS). */
bool ix_follows_links(store_txn *txn);
/* A workspace listing from the files table, without a disk scan. */
int ix_ws_from_store(store_txn *txn, pt_workspace *ws);

/* The graph's records written in txn (index_write.c): appended in key
 * order into empty tables, else merged with the stored ones so that only
 * what differs is written. */
int ix_write_graph(store_txn *txn, const pt_graph *g, index_report *rep);

#endif
