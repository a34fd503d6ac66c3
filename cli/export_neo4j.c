/* cli/export_neo4j.c — the graph as the CSV files `neo4j-admin database
 * import full` reads: nodes.csv (one row per entity, labels Entity and its
 * kind) and relationships.csv (one row per edge, its relation as the
 * type). Every string field is quoted with export_csv_puts, so a name
 * with commas, quotes or newlines stays one field.
 *
 * Ids are the entities' 64-bit ids in hex, in an ID space named after the
 * workspace root (a hash of its absolute path): two repositories' files
 * can be imported together even where both hold the same crate. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "export.h"

static const char *const labels[PT_KIND_MAX] = {
	[PT_CRATE] = "Crate",   [PT_MODULE] = "Module",        [PT_FUNCTION] = "Function",
	[PT_METHOD] = "Method", [PT_STRUCT] = "Struct",        [PT_ENUM] = "Enum",
	[PT_UNION] = "Union",   [PT_TRAIT] = "Trait",          [PT_IMPL] = "Impl",
	[PT_CONST] = "Const",   [PT_TYPE_ALIAS] = "TypeAlias", [PT_STATIC] = "Static",
	[PT_MACRO] = "Macro",   [PT_VARIANT] = "Variant",
};

static const char *label_of(uint8_t kind)
{
	return kind > 0 && kind < PT_KIND_MAX && labels[kind] ? labels[kind] : "Unknown";
}

typedef struct {
	store_txn *txn;
	const export_graph *g;
	const char *root;
	char space[24]; /* the ID space: "ws" and 16 hex digits */
} ctx;

static void node_row(ctx *c, const rec_entity *e, FILE *out)
{
	bool located = e->file != PT_NO_FILE;
	fprintf(out, "%016" PRIx64 ",Entity;%s,", e->id, label_of(e->kind));
	export_csv_puts(out, pt_kind_name(e->kind));
	putc(',', out);
	export_csv_puts(out, e->name);
	putc(',', out);
	export_csv_puts(out, e->qpath);
	putc(',', out);
	export_csv_puts(out, query_file_path(c->txn, e->file));
	fprintf(out, ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",", located ? e->sl + 1 : 0,
		located ? e->sc + 1 : 0, located ? e->el + 1 : 0, located ? e->ec + 1 : 0);
	export_csv_puts(out, e->sig);
	fprintf(out, ",%s,%s,", e->flags & ENT_EXTERNAL ? "true" : "false",
		e->flags & ENT_CFG_OFF ? "true" : "false");
	export_csv_puts(out, c->root);
	putc('\n', out);
}

static int write_nodes(ctx *c, FILE *out)
{
	rec_entity e;
	fprintf(out,
		"id:ID(%s),:LABEL,kind,name,path,file,line:int,column:int,end_line:int,"
		"end_column:int,signature,external:boolean,cfg_off:boolean,workspace\n",
		c->space);
	for (size_t i = 0; i < c->g->ents.n; i++)
		if (query_entity(c->txn, c->g->ents.v[i], &e) == PT_OK)
			node_row(c, &e, out);
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}

/* Edges whose far end is missing from the database are left out: the
 * importer would stop at them. */
static int write_relationships(ctx *c, FILE *out)
{
	rec_entity far;
	fprintf(out, ":START_ID(%s),:END_ID(%s),:TYPE,file,line:int,column:int,ambiguous:boolean\n",
		c->space, c->space);
	for (size_t i = 0; i < c->g->edges.n; i++) {
		const rec_edge *e = &c->g->edges.v[i];
		if (query_entity(c->txn, e->other, &far) != PT_OK)
			continue;
		fprintf(out, "%016" PRIx64 ",%016" PRIx64 ",%s,", c->g->edge_src.v[i], e->other,
			pt_rel_name(e->kind));
		export_csv_puts(out, query_file_path(c->txn, e->file));
		fprintf(out, ",%" PRIu32 ",%" PRIu32 ",%s\n", e->sl + 1, e->sc + 1,
			e->flags & EDGE_AMBIGUOUS ? "true" : "false");
	}
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}

/* Write dir/name through a temporary file renamed over it at the end. */
static int write_file(ctx *c, const char *dir, const char *name, int (*fill)(ctx *, FILE *))
{
	pt_strbuf path = {0}, tmp = {0};
	pt_strbuf_printf(&path, "%s/%s", dir, name);
	pt_strbuf_printf(&tmp, "%s.tmp.%ld", pt_strbuf_cstr(&path), (long)getpid());
	int rc = EXIT_FAIL, err = 0;
	FILE *out = fopen(pt_strbuf_cstr(&tmp), "wb");
	if (!out) {
		err = errno;
		goto fail;
	}
	rc = fill(c, out);
	if (rc != EXIT_OK)
		err = errno ? errno : EIO;
	if (fclose(out) != 0 && !err)
		err = errno;
	if (!err && rename(pt_strbuf_cstr(&tmp), pt_strbuf_cstr(&path)) != 0)
		err = errno;
	if (!err)
		goto done;
fail:
	cli_err("export: cannot write %s: %s", pt_strbuf_cstr(&path), strerror(err ? err : EIO));
	unlink(pt_strbuf_cstr(&tmp));
	rc = EXIT_FAIL;
done:
	pt_strbuf_free(&path);
	pt_strbuf_free(&tmp);
	return rc;
}

int export_neo4j(store_txn *txn, const export_graph *g, const cli_opts *o, const char *dir)
{
	(void)o;
	ctx c = {.txn = txn, .g = g, .root = export_root(txn)};
	snprintf(c.space, sizeof c.space, "ws%016" PRIx64, pt_hash64(c.root, strlen(c.root)));
	int rc = write_file(&c, dir, "nodes.csv", write_nodes);
	if (rc == EXIT_OK)
		rc = write_file(&c, dir, "relationships.csv", write_relationships);
	return rc;
}
