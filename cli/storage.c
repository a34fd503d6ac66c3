/* cli/storage.c — `parseltongue storage ...` and the --stdio placeholder. */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "../core/escape.h"
#include "../graph/facts.h"
#include "../graph/index.h"
#include "../graph/query.h"
#include "../graph/check.h"
#include "cli.h"

static char *db_path(const cli_opts *o)
{
	/* same rule as main.c: open once read-only to learn where it is */
	store *st = NULL;
	if (cli_open_db(o, NULL, false, &st))
		return NULL;
	char *d = pt_xstrdup(store_dir(st));
	store_close(st);
	return d;
}

static void count_files(store_txn *txn, uint64_t *rust, uint64_t *cargo)
{
	store_cursor *c = NULL;
	store_val k, v;
	if (store_cursor_open(txn, TBL_FILES, &c))
		return;
	for (int r = store_cursor_seek(c, NULL, 0, &k, &v); r == PT_OK;
	     r = store_cursor_next(c, &k, &v)) {
		rec_file f;
		if (rec_file_decode(v.data, v.len, &f) == 0)
			(*(f.type == FILE_CARGO ? cargo : rust))++;
	}
	store_cursor_close(c);
}

static int status(const cli_opts *o)
{
	store *st = NULL;
	store_txn *txn = NULL;
	store_stats s;
	if (cli_open_db(o, NULL, false, &st))
		return EXIT_DB;
	if (store_stats_get(st, &s) || store_txn_begin(st, false, &txn)) {
		store_close(st);
		return EXIT_DB;
	}
	uint64_t ents = 0, edges = 0, last = 0, files = 0;
	store_meta_get_u64(txn, META_ENTITIES, &ents);
	store_meta_get_u64(txn, META_EDGES, &edges);
	store_meta_get_u64(txn, META_LAST_UPDATE, &last);
	uint64_t manifests = 0;
	count_files(txn, &files, &manifests);
	store_val root;
	const char *r = store_get(txn, TBL_META, META_ROOT, strlen(META_ROOT), &root) == PT_OK
				? root.data
				: "";
	char when[64] = "never";
	time_t t = (time_t)last;
	if (last)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	if (o->json) {
		/* paths keep their bytes (core/escape.h): a folder name need not be UTF-8 */
		json_t *j = json_pack("{s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:s,s:I,s:I,s:I}",
				      "database", pt_json_bytes(store_dir(st)), "root",
				      pt_json_bytes(r), "files", (json_int_t)files, "manifests",
				      (json_int_t)manifests, "entities", (json_int_t)ents, "edges",
				      (json_int_t)edges, "size_bytes", (json_int_t)s.file_size,
				      "map_bytes", (json_int_t)s.map_size, "schema", (int)s.schema,
				      "last_update", when, "last_update_unix", (json_int_t)last,
				      "readers_used", (json_int_t)s.readers_used, "readers_max",
				      (json_int_t)s.readers_max);
		cli_json_print(j);
		json_decref(j);
	} else {
		printf("database     %s\nworkspace    %s\nfiles        %" PRIu64 " Rust, %" PRIu64
		       " Cargo.toml\nentities     %" PRIu64 "\n"
		       "edges        %" PRIu64
		       "\nsize         %.1f MB on disk\nschema       %u\nlast update  %s\n"
		       "reader slots %" PRIu64 " of %" PRIu64 " in use\n",
		       cli_term(store_dir(st)), cli_term(r), files, manifests, ents, edges,
		       (double)s.file_size / 1e6, s.schema, when, s.readers_used, s.readers_max);
	}
	store_txn_abort(txn);
	store_close(st);
	return EXIT_OK;
}

/* ---- verify -------------------------------------------------------------------- */

/* The database is opened the way every command opens it (a data.mdb
 * changed behind our back is first read page by page in a child, so a
 * scribbled file is reported, not followed); then graph_check reports. */
static int verify(const cli_opts *o)
{
	store *st = NULL;
	store_txn *txn = NULL;
	if (cli_open_db(o, NULL, false, &st))
		return EXIT_DB;
	if (store_txn_begin(st, false, &txn)) {
		store_close(st);
		return EXIT_DB;
	}
	graph_check_report r;
	int rc = graph_check(txn, &r);
	store_txn_abort(txn);
	store_close(st);
	if (rc && rc != PT_ECORRUPT) {
		cli_err("verify: %s", pt_strerror(rc));
		return EXIT_DB;
	}
	if (o->json) {
		json_t *j = json_pack("{s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:b,s:b,s:b,s:I,s:I}", "ok",
				      rc == PT_OK, "files", (json_int_t)r.files, "entities",
				      (json_int_t)r.ents, "edges", (json_int_t)r.edges, "facts",
				      (json_int_t)r.facts, "bad_records", (json_int_t)r.bad_records,
				      "dangling", (json_int_t)r.dangling, "edge_tables_differ",
				      r.edges_differ, "name_index_differs", r.names_differ,
				      "file_index_differs", r.fileents_differ, "file_ids_differ",
				      r.fileids_differ, "bad_facts", (json_int_t)r.bad_facts,
				      "stale_facts", (json_int_t)r.stale_facts);
		json_dumpf(j, stdout, JSON_INDENT(1));
		putchar('\n');
		json_decref(j);
	} else {
		printf("%s: %" PRIu64 " files, %" PRIu64 " entities, %" PRIu64 " edges, %" PRIu64
		       " cached facts checked; "
		       "%" PRIu64 " bad records, %" PRIu64 " dangling references, %" PRIu64
		       " bad facts%s%s%s%s\n",
		       rc ? "FAILED" : "ok", r.files, r.ents, r.edges, r.facts, r.bad_records,
		       r.dangling, r.bad_facts,
		       r.edges_differ ? "; outgoing and incoming edges differ" : "",
		       r.names_differ ? "; the name index differs from the entities" : "",
		       r.fileents_differ ? "; the file index differs from the entities" : "",
		       r.fileids_differ ? "; file ids and paths differ" : "");
		if (r.stale_facts)
			printf("%" PRIu64 " cached facts are from an older extractor: the next "
			       "onboard makes them again\n",
			       r.stale_facts);
	}
	if (rc)
		cli_err("the database is inconsistent: run `parseltongue storage clean` and "
			"onboard again");
	return rc ? EXIT_DB : EXIT_OK;
}

/* ---- whole-database operations ---------------------------------------------------- */

static int compact(const cli_opts *o)
{
	char *dir = db_path(o);
	if (!dir)
		return EXIT_DB;
	uint64_t before = 0, after = 0;
	int rc = store_compact(dir, &before, &after);
	if (rc)
		cli_err("compact %s: %s", dir, pt_strerror(rc));
	else
		printf("compacted %s: %.1f MB → %.1f MB\n", dir, (double)before / 1e6,
		       (double)after / 1e6);
	free(dir);
	return rc ? EXIT_DB : EXIT_OK;
}

static int snapshot(const cli_opts *o, const char *file)
{
	store *st = NULL;
	if (cli_open_db(o, NULL, false, &st))
		return EXIT_DB;
	int rc = store_snapshot(st, file);
	store_close(st);
	if (rc) {
		cli_err("snapshot to %s: %s", file, pt_strerror(rc));
		return EXIT_DB;
	}
	struct stat sb;
	printf("snapshot written to %s (%.1f MB)\n", file,
	       stat(file, &sb) == 0 ? (double)sb.st_size / 1e6 : 0.0);
	return EXIT_OK;
}

static int restore(const cli_opts *o, const char *file)
{
	const char *env = getenv("PARSELTONGUE_DB");
	char *dir = o->db ? pt_xstrdup(o->db) : env && *env ? pt_xstrdup(env) : NULL;
	if (!dir) {
		store *st = NULL;
		/* an existing database tells where; otherwise the default spot */
		if (store_open(".cache/parseltongue", STORE_CREATE, &st) == PT_OK)
			store_close(st);
		dir = pt_xstrdup(".cache/parseltongue");
	}
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		store *st = NULL;
		if (store_open(dir, STORE_CREATE, &st) == PT_OK)
			store_close(st);
	}
	int rc = store_restore(dir, file);
	if (rc)
		cli_err("restore %s into %s: %s", file, dir, pt_strerror(rc));
	else
		printf("restored %s into %s\n", file, dir);
	free(dir);
	return rc ? EXIT_DB : EXIT_OK;
}

static int clean(const cli_opts *o)
{
	const char *env = getenv("PARSELTONGUE_DB");
	char *dir = o->db ? pt_xstrdup(o->db) : env && *env ? pt_xstrdup(env) : db_path(o);
	if (!dir)
		return EXIT_DB;
	int rc = store_remove(dir);
	if (rc)
		cli_err("clean %s: %s", dir, pt_strerror(rc));
	else
		printf("removed the database in %s\n", dir);
	free(dir);
	return rc ? EXIT_DB : EXIT_OK;
}

int cmd_storage(const cli_opts *o)
{
	const char *sub = o->nargs ? o->args[0] : "status";
	if (strcmp(sub, "status") == 0)
		return status(o);
	if (strcmp(sub, "verify") == 0)
		return verify(o);
	if (strcmp(sub, "compact") == 0)
		return compact(o);
	if (strcmp(sub, "clean") == 0)
		return clean(o);
	if (strcmp(sub, "snapshot") == 0 || strcmp(sub, "restore") == 0) {
		if (o->nargs < 2) {
			cli_err("storage %s FILE", sub);
			return EXIT_USAGE;
		}
		return sub[0] == 's' ? snapshot(o, o->args[1]) : restore(o, o->args[1]);
	}
	cli_err("storage: unknown subcommand '%s' (status, verify, compact, clean, snapshot, "
		"restore)",
		sub);
	return EXIT_USAGE;
}
