/* core/error.h — the one error space of the library layers (core, store,
 * graph).
 *
 * 0 is success and every error is negative, as in libuv: a function of
 * store/ or graph/ that reports a status returns one of these, and
 * pt_strerror names any of them. Front ends turn them into exit codes
 * (cli/) or protocol errors (lsp/); they never see LMDB's or tree-sitter's
 * own codes. System detail that a code cannot carry (which errno made a
 * workspace folder unreadable) goes into the operation's report.
 */
#ifndef PT_CORE_ERROR_H
#define PT_CORE_ERROR_H

/* Our codes are PT_ERR_BASE - n for small n > 0: (PT_ERR_BASE - code)
 * turns one into a small positive number, e.g. a child's exit status. */
#define PT_ERR_BASE (-4000)

enum {
	PT_OK = 0,
	PT_ENOTFOUND = -4001, /* absent key or record (not an error for callers that probe) */
	PT_ENOENT = -4002,    /* database directory or data file missing (and not creating) */
	PT_EACCES = -4003,    /* database path not readable or writable */
	PT_ESCHEMA = -4004,   /* database written by another schema version */
	PT_ECORRUPT = -4005,  /* invalid data file, record or facts blob */
	PT_EMAPFULL = -4006,  /* map full: abort the transaction, store_grow(), retry */
	PT_ENOSPC = -4007,    /* no space left on the device */
	PT_EBUSY = -4008,     /* locked by another writer, or out of reader slots */
	PT_EIO = -4009,       /* other I/O or LMDB failure */
	PT_EINVAL = -4010,    /* bad argument (a key over 511 bytes, a text over 4 GiB, ...) */
	PT_ETIMEDOUT = -4011, /* a parse exceeded its time budget */
	PT_ENOROOT = -4012,   /* the workspace folder cannot be read (errno in the report) */
};

/* A sentence naming code (never NULL; "unknown error" for other values). */
const char *pt_strerror(int code);

#endif
