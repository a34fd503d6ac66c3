/* core/escape.h — names made safe for the text they are written into.
 *
 * File and folder names reach every output (module names and qualified
 * paths are made from them), and a cloned repository chooses them: a name
 * may hold quotes, newlines, control characters, terminal escapes, markup
 * or bytes that are not UTF-8. Each writer escapes every name for its own
 * format with one of these, so that a name stays one value of that format
 * and reads as the text it is.
 *
 * The pt_esc_* functions append the escaped form of the NUL-terminated s
 * to out. What they do with a character they must not pass through
 * (a control character, a terminal escape, a bidirectional override, a
 * byte that is not UTF-8) is to spell it visibly: `\xHH` for a byte,
 * `\u{HHHH}` for a code point, so the reader sees that it is there.
 *
 * JSON: jansson refuses strings that are not UTF-8, and a path on Linux is
 * bytes. pt_json_bytes keeps such a string as it is, and pt_json_dumps
 * writes each byte that is not part of valid UTF-8 as the escape
 * `\udcHH` (U+DC80..U+DCFF, Python's "surrogateescape" of PEP 383, which
 * is how Python hands out file names it cannot decode). So every JSON
 * output names a file the same way, and `os.fsencode(json.loads(doc)[...])`
 * gives back its exact bytes. Valid UTF-8 is written unchanged.
 */
#ifndef PT_CORE_ESCAPE_H
#define PT_CORE_ESCAPE_H

#include <jansson.h>
#include <stdio.h>

#include "base.h"

/* The length (1-4) of the valid UTF-8 sequence at p, which holds n bytes,
 * or 0 when p does not start one (a stray continuation byte, an overlong
 * form, a surrogate, a code point over U+10FFFF, a cut sequence). */
size_t pt_utf8_len(const char *p, size_t n);

/* Whether the n bytes at s are valid UTF-8 throughout. */
bool pt_utf8_valid(const char *s, size_t n);

/* Terminal and plain text (the CLI's human output, logs): control
 * characters (C0, DEL, C1), bidirectional controls and bytes that are not
 * UTF-8 are spelled out; everything else passes. */
void pt_esc_term(pt_strbuf *out, const char *s);

/* Text of several lines for a terminal: as pt_esc_term, but newlines stay. */
void pt_esc_lines(pt_strbuf *out, const char *s);

/* Inside a double-quoted DOT string used as a label: `"` and `\` are
 * escaped, `&` becomes `&amp;` (Graphviz reads entities in labels). */
void pt_esc_dot(pt_strbuf *out, const char *s);

/* Inside a double-quoted Mermaid label (`["..."]`): `"`, `#`, `&`, `<`,
 * `>` and the backquote become Mermaid's entity codes (`#quot;`, ...), so
 * nothing can end the label or turn into markup. */
void pt_esc_mermaid(pt_strbuf *out, const char *s);

/* HTML or XML text and attribute values: `& < > " '` as references. */
void pt_esc_html(pt_strbuf *out, const char *s);

/* Markdown text: the ASCII punctuation Markdown gives a meaning to is
 * backslash-escaped, `&` and `<` become references. */
void pt_esc_md(pt_strbuf *out, const char *s);

/* A Markdown code span holding s: fenced by more backquotes than the
 * longest run in s, so s cannot close it. */
void pt_esc_md_code(pt_strbuf *out, const char *s);

/* A fenced Markdown code block of language lang holding s (which may span
 * lines): the fence is longer than any backquote run in s. */
void pt_esc_md_block(pt_strbuf *out, const char *lang, const char *s);

/* A JSON string holding the bytes of s as they are (NULL: ""), valid
 * UTF-8 or not; write it with pt_json_dumps/pt_json_dumpf. Never NULL. */
json_t *pt_json_bytes(const char *s);

/* json_dumps/json_dumpf for values that may hold pt_json_bytes strings
 * (their invalid bytes are written `\udcHH`, see above). flags as for
 * jansson, but JSON_ENSURE_ASCII is not supported. Object keys must be
 * valid UTF-8. pt_json_dumps: caller frees; NULL on failure. */
char *pt_json_dumps(const json_t *j, size_t flags);
int pt_json_dumpf(const json_t *j, size_t flags, FILE *out);

#endif
