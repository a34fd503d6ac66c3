/* core/error.c — see error.h. */
#include "error.h"

const char *pt_strerror(int code)
{
	switch (code) {
	case PT_OK: return "success";
	case PT_ENOTFOUND: return "not found";
	case PT_ENOENT: return "no database here: the directory or its data file does not exist";
	case PT_EACCES:
		return "permission denied: the database path is not a readable and writable "
		       "directory";
	case PT_ESCHEMA:
		return "the database was written by another schema version and must be rebuilt";
	case PT_ECORRUPT:
		return "the database file is corrupt or not a Parseltongue database; remove it and "
		       "index again";
	case PT_EMAPFULL: return "the database map is full; grow it and retry the transaction";
	case PT_ENOSPC: return "no space left on the device that holds the database";
	case PT_EBUSY:
		return "the database is busy: locked by another process or out of reader slots";
	case PT_EIO: return "storage error: an I/O failure, or a transaction too large for LMDB";
	case PT_EINVAL:
		return "invalid request (bad argument, key empty or over 511 bytes, text over "
		       "4 GiB, or wrong transaction kind)";
	case PT_ETIMEDOUT: return "the parse took longer than its time budget";
	case PT_ENOROOT: return "the workspace folder cannot be read";
	default: return "unknown error";
	}
}
