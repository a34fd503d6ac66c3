/* store/records.h — fixed-layout, versioned records read in place.
 *
 * LMDB only promises 2-byte alignment for values, so records are never
 * cast to structs: decoders memcpy the fixed header out and point into the
 * map for strings. Every decoder validates lengths and NUL terminators, so
 * a scribbled value is reported (PT_ECORRUPT), never followed.
 * All integers are little-endian.
 */
#ifndef PT_STORE_RECORDS_H
#define PT_STORE_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core/base.h"
#include "../core/error.h"
#include "store.h"

/* The key of an entity name in TBL_NAMES: its first STORE_MAX_KEY bytes.
 * Rust puts no limit on an identifier's length and LMDB does on a key's,
 * so a longer name shares its key with the names that begin the same way;
 * a lookup of such a name compares the entities' full names. */
static inline size_t rec_name_key_len(const char *name)
{
	size_t n = strlen(name);
	return n > STORE_MAX_KEY ? STORE_MAX_KEY : n;
}

/* TBL_FILES value: 48 bytes. */
enum {
	FILE_RUST = 0,
	FILE_CARGO = 1
};
enum {
	FILEF_SYNTAX_ERRORS = 1u << 0, /* indexed, but tree-sitter saw errors */
	FILEF_SKIPPED = 1u << 1,       /* not indexed: see skip reason */
};
enum {
	SKIP_NONE = 0,
	SKIP_TOO_BIG,
	SKIP_BINARY,
	SKIP_NOT_UTF8,
	SKIP_UNREADABLE,
	SKIP_TIMEOUT
};
typedef struct {
	uint32_t id;
	uint8_t type;   /* FILE_RUST / FILE_CARGO */
	uint8_t skip;   /* SKIP_* */
	uint16_t flags; /* FILEF_* */
	uint64_t size;
	int64_t mtime_ns;
	uint64_t hash; /* XXH3 of the content */
	uint32_t lines;
	uint32_t errors; /* tree-sitter error nodes */
	uint64_t reserved;
} rec_file;
#define REC_FILE_SIZE 48
void rec_file_encode(const rec_file *r, uint8_t out[REC_FILE_SIZE]);
int rec_file_decode(const void *data, size_t len, rec_file *r);

/* TBL_OUT / TBL_IN value element: 32 bytes. `other` is the far end. */
typedef struct {
	uint64_t other;
	uint32_t file;           /* file id of the site, PT_NO_FILE if none */
	uint8_t kind;            /* pt_rel */
	uint8_t flags;           /* EDGE_* */
	uint32_t sl, sc, el, ec; /* site: 0-based line, byte column */
} rec_edge;
#define REC_EDGE_SIZE 32
void rec_edge_encode(const rec_edge *e, uint8_t out[REC_EDGE_SIZE]);
void rec_edge_decode(const void *p, rec_edge *e); /* p: REC_EDGE_SIZE bytes */

/* TBL_ENTS value: a 88-byte header then name, qpath and sig, each
 * NUL-terminated. A view points into the value (borrowed until the
 * transaction ends). */
#define REC_ENTITY_VERSION 1
#define REC_ENTITY_HEADER  88
/* Entity kinds are 1 .. REC_ENTITY_KINDS - 1 (graph/model.h's pt_kind; the
 * store does not know their names). A new kind is a new schema: a reader
 * of the old one would take its records for damage. */
#define REC_ENTITY_KINDS 15
typedef struct {
	uint64_t id, parent, sig_hash;
	uint32_t file;
	uint8_t kind, version;
	uint16_t flags;
	uint32_t start_byte, end_byte;
	uint32_t sl, sc, el, ec;     /* whole item */
	uint32_t nsl, nsc, nel, nec; /* name */
	uint32_t disamb;             /* 0 for the first of its kind+path */
	const char *name, *qpath, *sig;
} rec_entity;
/* Appends the encoded record to out (cleared first). */
void rec_entity_encode(const rec_entity *r, pt_strbuf *out);
int rec_entity_decode(const void *data, size_t len, rec_entity *r);

#endif
