/* store/records.c — see records.h. */
#include "records.h"

#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}
static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void rec_file_encode(const rec_file *r, uint8_t out[REC_FILE_SIZE])
{
	memset(out, 0, REC_FILE_SIZE);
	put32(out, r->id);
	out[4] = r->type;
	out[5] = r->skip;
	out[6] = (uint8_t)r->flags;
	out[7] = (uint8_t)(r->flags >> 8);
	put64(out + 8, r->size);
	put64(out + 16, (uint64_t)r->mtime_ns);
	put64(out + 24, r->hash);
	put32(out + 32, r->lines);
	put32(out + 36, r->errors);
	put64(out + 40, r->reserved);
}

int rec_file_decode(const void *data, size_t len, rec_file *r)
{
	const uint8_t *p = data;
	if (len != REC_FILE_SIZE)
		return PT_ECORRUPT;
	r->id = get32(p);
	r->type = p[4];
	r->skip = p[5];
	r->flags = (uint16_t)(p[6] | (p[7] << 8));
	r->size = get64(p + 8);
	r->mtime_ns = (int64_t)get64(p + 16);
	r->hash = get64(p + 24);
	r->lines = get32(p + 32);
	r->errors = get32(p + 36);
	r->reserved = get64(p + 40);
	return r->type <= FILE_CARGO ? 0 : PT_ECORRUPT;
}

void rec_edge_encode(const rec_edge *e, uint8_t out[REC_EDGE_SIZE])
{
	put64(out, e->other);
	put32(out + 8, e->file);
	out[12] = e->kind;
	out[13] = e->flags;
	out[14] = out[15] = 0;
	put32(out + 16, e->sl);
	put32(out + 20, e->sc);
	put32(out + 24, e->el);
	put32(out + 28, e->ec);
}

void rec_edge_decode(const void *q, rec_edge *e)
{
	const uint8_t *p = q;
	e->other = get64(p);
	e->file = get32(p + 8);
	e->kind = p[12];
	e->flags = p[13];
	e->sl = get32(p + 16);
	e->sc = get32(p + 20);
	e->el = get32(p + 24);
	e->ec = get32(p + 28);
}

void rec_entity_encode(const rec_entity *r, pt_strbuf *out)
{
	uint8_t h[REC_ENTITY_HEADER];
	memset(h, 0, sizeof h);
	put64(h, r->id);
	put64(h + 8, r->parent);
	put64(h + 16, r->sig_hash);
	put32(h + 24, r->file);
	h[28] = r->kind;
	h[29] = REC_ENTITY_VERSION;
	h[30] = (uint8_t)r->flags;
	h[31] = (uint8_t)(r->flags >> 8);
	put32(h + 32, r->start_byte);
	put32(h + 36, r->end_byte);
	put32(h + 40, r->sl);
	put32(h + 44, r->sc);
	put32(h + 48, r->el);
	put32(h + 52, r->ec);
	put32(h + 56, r->nsl);
	put32(h + 60, r->nsc);
	put32(h + 64, r->nel);
	put32(h + 68, r->nec);
	put32(h + 72, r->disamb);
	out->len = 0;
	pt_strbuf_add(out, h, sizeof h);
	pt_strbuf_add(out, r->name, strlen(r->name) + 1);
	pt_strbuf_add(out, r->qpath, strlen(r->qpath) + 1);
	pt_strbuf_add(out, r->sig, strlen(r->sig) + 1);
}

/* Next NUL-terminated string in [*p, end), or NULL. */
static const char *take_str(const char **p, const char *end)
{
	const char *s = *p;
	const char *z = memchr(s, 0, (size_t)(end - s));
	if (!z)
		return NULL;
	*p = z + 1;
	return s;
}

int rec_entity_decode(const void *data, size_t len, rec_entity *r)
{
	const uint8_t *h = data;
	if (len < REC_ENTITY_HEADER + 3 || h[29] != REC_ENTITY_VERSION)
		return PT_ECORRUPT;
	r->id = get64(h);
	r->parent = get64(h + 8);
	r->sig_hash = get64(h + 16);
	r->file = get32(h + 24);
	r->kind = h[28];
	r->version = h[29];
	r->flags = (uint16_t)(h[30] | (h[31] << 8));
	r->start_byte = get32(h + 32);
	r->end_byte = get32(h + 36);
	r->sl = get32(h + 40);
	r->sc = get32(h + 44);
	r->el = get32(h + 48);
	r->ec = get32(h + 52);
	r->nsl = get32(h + 56);
	r->nsc = get32(h + 60);
	r->nel = get32(h + 64);
	r->nec = get32(h + 68);
	r->disamb = get32(h + 72);
	const char *p = (const char *)h + REC_ENTITY_HEADER, *end = (const char *)h + len;
	if (!(r->name = take_str(&p, end)) || !(r->qpath = take_str(&p, end)) ||
	    !(r->sig = take_str(&p, end)) || p != end)
		return PT_ECORRUPT;
	return (r->kind > 0 && r->kind < REC_ENTITY_KINDS) ? 0 : PT_ECORRUPT;
}
