/* lsp/handlers_int.h — what the request handlers share (lsp/handlers*.c):
 * a request's view of one root, the target under the cursor, and the
 * helpers that turn entities and sites into LSP locations and items.
 * Included only by lsp/handlers*.c. */
#ifndef PT_LSP_HANDLERS_INT_H
#define PT_LSP_HANDLERS_INT_H

#include "server.h"

typedef struct {
	char *rel;
	lsp_doctext *text; /* a reference, dropped by hd_req_end */
} ftext;

/* One request's view: a root, a read transaction, and the texts of the
 * files its answer mentions (loaded once each). */
typedef struct {
	lsp_server *s;
	lsp_root *r;
	store_txn *txn;
	PT_VEC(ftext *) files;
} req;

typedef struct {
	uint64_t ids[16]; /* the target(s): several for an ambiguous site */
	size_t n;
	uint64_t at;   /* innermost entity holding the cursor (0: none) */
	bool on_site;  /* the targets come from the site below */
	rec_edge site; /* the call/use/derive site under the cursor */
} hit;

/* First let the editor's pending edits of r be written (bounded): the
 * request's positions refer to the edited text. */
bool hd_req_begin(req *q, lsp_server *s, lsp_root *r);

/* Ends the read transaction and frees the texts loaded for the request. */
void hd_req_end(req *q);

/* The line table of file rel as the editor sees it (loaded once per request). */
const lsp_lines *hd_lines_of(req *q, const char *rel);

/* An LSP Range for a graph span of file rel, in the negotiated encoding. */
json_t *hd_range_json(req *q, const char *rel, uint32_t sl, uint32_t sc, uint32_t el, uint32_t ec);

/* A Location for a call or use site. */
json_t *hd_site_loc(req *q, const query_site *st);

/* A Location for an entity's name. */
json_t *hd_name_loc(req *q, const rec_entity *e);

/* Append x (stolen) to arr, unless x is NULL. */
void hd_append(json_t *arr, json_t *x);

/* Skip white space and comments from *p (below end). */
void hd_skip_blank(const char *t, size_t end, size_t *p);

/* The word at *p (advanced past it), or an empty word. */
size_t hd_word_at(const char *t, size_t end, size_t *p);

/* Whether the n bytes at t+at are the word w. */
bool hd_is_word(const char *t, size_t at, size_t n, const char *w);

/* Skip `<...>` from *p (at '<'), nested, with `->` inside not closing it. */
void hd_skip_generics(const char *t, size_t end, size_t *p);

/* An IMPL edge's site narrowed to the trait's name when the site is an
 * impl block; else the site itself (a derive, a method's name, an impl a
 * macro wrote). */
query_site hd_impl_site(req *q, const query_site *st);

/* hd_impl_site as a Location. */
json_t *hd_impl_site_loc(req *q, const query_site *st);

/* Sort a list of Locations (or LocationLinks) by URI and range, and drop
 * repeats (a trait named by an impl is both used and implemented there).
 * Steals arr; returns the sorted list. */
json_t *hd_sorted_locations(json_t *arr);

/* An entity id as the 16 hex digits the custom requests use. */
void hd_hex_id(uint64_t id, char out[17]);

/* The id of 16 hex digits s; false if s is not one. */
bool hd_parse_hex_id(const char *s, uint64_t *id);

/* The LSP SymbolKind of an entity kind (PT_*). */
int hd_symbol_kind(int kind);

/* A display name: impls have none, so their signature stands in. */
char *hd_display_name(const rec_entity *e);

/* The name range, unless it lies outside the item (then the item's start). */
void hd_sel_span(const rec_entity *e, uint32_t v[4]);

/* The shape used by the custom requests. */
json_t *hd_entity_json(req *q, uint64_t id);

/* A CallHierarchyItem or TypeHierarchyItem (the same fields) for id; data
 * is the id. An entity outside the workspace is shown at `at`, where the
 * code names it (NULL: not shown). */
json_t *hd_hier_item(req *q, uint64_t id, const query_site *at);

/* textDocument + position → root, transaction and the hit. */
bool hd_at_cursor(req *q, lsp_server *s, json_t *params, hit *h, uint32_t *file_out);

/* Fill err with InvalidParams and a message naming what is wrong. */
void hd_bad_params(lsp_err *err, const char *what);

/* Where id is implemented: a trait's (or trait method's) impls at the
 * trait's name in each header, and derives; a type's traits at their
 * definitions when they are ours, else where the impl or derive names them. */
void hd_append_implementations(req *q, uint64_t id, json_t *out);

/* The item's root and entity id (from data, else its position). */
bool hd_hierarchy_item(req *q, lsp_server *s, json_t *params, uint64_t *id);

#endif
