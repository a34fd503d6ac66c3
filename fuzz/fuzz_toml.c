/* fuzz/fuzz_toml.c — the TOML reader (core/toml.c) on arbitrary bytes.
 *
 * A document the reader refuses must come with a position inside the
 * text. One it accepts is walked through every accessor, then written
 * back as TOML (every table inline, every string a basic string with
 * escapes) and read again: the second reading must accept it and hold
 * the same values in the same order.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../core/base.h"
#include "../core/error.h"
#include "../core/toml.h"
#include "fuzz_common.h"

static void put_str(pt_strbuf *b, const char *s)
{
	pt_strbuf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			pt_strbuf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			pt_strbuf_printf(b, "\\u%04x", c);
		else
			pt_strbuf_addc(b, (char)c);
	}
	pt_strbuf_addc(b, '"');
}

static void put_value(const pt_toml *t, pt_toml_ref v, pt_strbuf *b, int depth);

static void put_members(const pt_toml *t, pt_toml_ref v, pt_strbuf *b, int depth, const char *sep)
{
	for (pt_toml_ref c = pt_toml_first(t, v); c != PT_TOML_NONE; c = pt_toml_next(t, c)) {
		put_str(b, pt_toml_key(t, c));
		pt_strbuf_adds(b, " = ");
		put_value(t, c, b, depth + 1);
		if (pt_toml_next(t, c) != PT_TOML_NONE)
			pt_strbuf_adds(b, sep);
	}
}

static void put_value(const pt_toml *t, pt_toml_ref v, pt_strbuf *b, int depth)
{
	FUZZ_CHECK(depth < 200);
	switch (pt_toml_type(t, v)) {
	case PT_TOML_STRING: put_str(b, pt_toml_str(t, v)); break;
	case PT_TOML_DATETIME: pt_strbuf_adds(b, pt_toml_str(t, v)); break;
	case PT_TOML_INT: pt_strbuf_printf(b, "%lld", (long long)pt_toml_int(t, v, 0)); break;
	case PT_TOML_BOOL: pt_strbuf_adds(b, pt_toml_bool(t, v, false) ? "true" : "false"); break;
	case PT_TOML_FLOAT: {
		double f = pt_toml_float(t, v, 0);
		if (isnan(f))
			pt_strbuf_adds(b, "nan");
		else if (isinf(f))
			pt_strbuf_adds(b, f < 0 ? "-inf" : "inf");
		else
			pt_strbuf_printf(b, "%.17e", f);
		break;
	}
	case PT_TOML_ARRAY:
		pt_strbuf_addc(b, '[');
		for (pt_toml_ref c = pt_toml_first(t, v); c != PT_TOML_NONE;
		     c = pt_toml_next(t, c)) {
			FUZZ_CHECK(pt_toml_key(t, c)[0] == 0);
			put_value(t, c, b, depth + 1);
			pt_strbuf_addc(b, ',');
		}
		pt_strbuf_addc(b, ']');
		break;
	case PT_TOML_TABLE:
		pt_strbuf_addc(b, '{');
		put_members(t, v, b, depth, ", ");
		pt_strbuf_addc(b, '}');
		break;
	default: FUZZ_CHECK(!"a value of no type");
	}
}

/* Same values, same order; floats bit-equal except NaN. */
static bool same(const pt_toml *a, pt_toml_ref x, const pt_toml *b, pt_toml_ref y)
{
	int ty = pt_toml_type(a, x);
	if (ty != pt_toml_type(b, y) || strcmp(pt_toml_key(a, x), pt_toml_key(b, y)) != 0)
		return false;
	switch (ty) {
	case PT_TOML_STRING:
	case PT_TOML_DATETIME: return strcmp(pt_toml_str(a, x), pt_toml_str(b, y)) == 0;
	case PT_TOML_INT: return pt_toml_int(a, x, 0) == pt_toml_int(b, y, 1);
	case PT_TOML_BOOL: return pt_toml_bool(a, x, false) == pt_toml_bool(b, y, true);
	case PT_TOML_FLOAT: {
		double f = pt_toml_float(a, x, 0), g = pt_toml_float(b, y, 1);
		return (isnan(f) && isnan(g)) || f == g;
	}
	default: break;
	}
	if (pt_toml_count(a, x) != pt_toml_count(b, y))
		return false;
	pt_toml_ref c = pt_toml_first(a, x), d = pt_toml_first(b, y);
	for (; c != PT_TOML_NONE; c = pt_toml_next(a, c), d = pt_toml_next(b, d))
		if (d == PT_TOML_NONE || !same(a, c, b, d))
			return false;
	return d == PT_TOML_NONE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pt_toml *t = NULL, *u = NULL;
	pt_toml_error err = {0};
	if (pt_toml_parse((const char *)data, size, &t, &err) != PT_OK) {
		FUZZ_CHECK(t == NULL && err.line >= 1 && err.col >= 1 && err.msg[0]);
		uint32_t lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		FUZZ_CHECK(err.line <= lines);
		return 0;
	}
	pt_strbuf b = {0};
	put_members(t, pt_toml_root(t), &b, 0, "\n");
	pt_strbuf_addc(&b, '\n');
	int rc = pt_toml_parse(b.buf, b.len, &u, &err);
	if (rc != PT_OK)
		fprintf(stderr, "rewritten text refused at %u:%u (%s):\n%.*s\n", err.line, err.col,
			err.msg, (int)b.len, b.buf);
	FUZZ_CHECK(rc == PT_OK);
	FUZZ_CHECK(same(t, pt_toml_root(t), u, pt_toml_root(u)));
	pt_strbuf_free(&b);
	pt_toml_free(t);
	pt_toml_free(u);
	return 0;
}
