/* lsp/jsonrpc.h — JSON-RPC 2.0 over LSP's Content-Length framing.
 *
 * A reader pulls one framed message at a time from a file descriptor; a
 * writer frames and writes messages to another, one whole message at a
 * time under its own mutex, so every thread of the server may send through
 * the same writer and nothing else ever touches that descriptor.
 *
 * Framing rules: headers are lines ending in "\r\n" (a bare "\n" is
 * tolerated), an empty line ends them, only Content-Length (a byte count,
 * case-insensitive name) is read and any other header is ignored. A body
 * longer than JRPC_MAX_BODY is refused before anything is allocated for it.
 * Every recoverable fault leaves the reader at the start of the next
 * message: a malformed body is skipped by its length; a bad header or a
 * refused length is skipped by scanning for the next "Content-Length:".
 */
#ifndef PT_LSP_JSONRPC_H
#define PT_LSP_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JRPC_MAX_BODY ((size_t)64 << 20)

/* jrpc_read statuses. */
enum {
	JRPC_OK = 0,
	JRPC_EOF,     /* end of input between messages */
	JRPC_ETRUNC,  /* end of input inside a message */
	JRPC_EIO,     /* read() failed */
	JRPC_EPARSE,  /* body is not JSON: skipped (answer -32700) */
	JRPC_ETOOBIG, /* Content-Length above JRPC_MAX_BODY: skipped */
	JRPC_EHEADER, /* missing or malformed Content-Length: skipped */
};
const char *jrpc_strerror(int code);
/* True for the statuses after which jrpc_read may be called again. */
static inline int jrpc_recoverable(int code)
{
	return code >= JRPC_EPARSE;
}

/* JSON-RPC and LSP error codes. */
enum {
	JRPC_PARSE_ERROR = -32700,
	JRPC_INVALID_REQUEST = -32600,
	JRPC_METHOD_NOT_FOUND = -32601,
	JRPC_INVALID_PARAMS = -32602,
	JRPC_INTERNAL_ERROR = -32603,
	JRPC_SERVER_NOT_INITIALIZED = -32002,
	JRPC_REQUEST_CANCELLED = -32800,
	JRPC_CONTENT_MODIFIED = -32801,
};

typedef struct jrpc_reader jrpc_reader;

/* The reader borrows fd (the caller closes it after jrpc_reader_free). */
jrpc_reader *jrpc_reader_new(int fd);
void jrpc_reader_free(jrpc_reader *self); /* accepts NULL */
/* From any thread: make a blocked or later jrpc_read return JRPC_EOF, so
 * the thread reading can be joined. */
void jrpc_reader_stop(jrpc_reader *self);
/* Read the next message. JRPC_OK: *out is a new reference (any JSON
 * value; the caller checks it is an object). Otherwise *out is NULL.
 * detail (may be NULL) receives a short explanation for the log. */
int jrpc_read(jrpc_reader *self, json_t **out, char *detail, size_t detail_size);
/* From any thread: nanoseconds since input last arrived (since
 * jrpc_reader_new when none has), or 0 while a message is partly
 * received (the peer is still writing it). */
uint64_t jrpc_reader_quiet_ns(jrpc_reader *self);

typedef struct jrpc_writer jrpc_writer;

/* The writer borrows fd. */
jrpc_writer *jrpc_writer_new(int fd);
void jrpc_writer_free(jrpc_writer *self); /* accepts NULL */
/* Frame and write msg; steals the reference. Returns 0, or -1 when the
 * descriptor is gone (the message is dropped; later sends fail too). */
int jrpc_send(jrpc_writer *self, json_t *msg);
/* {"jsonrpc":"2.0","id":id,"result":result}; id borrowed (NULL: null),
 * result stolen (NULL: null). */
int jrpc_reply(jrpc_writer *self, const json_t *id, json_t *result);
/* An error response; id borrowed (NULL: null). */
int jrpc_reply_error(jrpc_writer *self, const json_t *id, int code, const char *message);
/* Holding: from jrpc_writer_hold on, the messages of our own (those with
 * a "method": notifications and requests) are kept, in order, while
 * responses are written at once; jrpc_writer_release writes what was kept
 * (returns how many) and ends the hold. The server holds its own messages
 * while a client may still be writing its first ones and unable to read
 * them safely (lsp/README.md, "Start-up"). A dead descriptor drops them. */
void jrpc_writer_hold(jrpc_writer *self);
bool jrpc_writer_holding(jrpc_writer *self);
size_t jrpc_writer_release(jrpc_writer *self);
/* A notification; params stolen (NULL: omitted). */
int jrpc_notify(jrpc_writer *self, const char *method, json_t *params);
/* A request from the server to the client, with a fresh id ("pt/N");
 * params stolen. The client's answer arrives through the reader and is
 * not matched: the server only sends requests whose answers it ignores. */
int jrpc_request(jrpc_writer *self, const char *method, json_t *params);

#endif
