// C boundary for EWF (E01) evidence images, through libewf (Debian libewf-dev,
// the 2014 API). libewf's own types and error objects stay in shim.c: Swift
// sees an opaque handle, plain integers and strings. Failures return -1 and
// write libewf's message into `err` (a caller-provided buffer).
//
// A handle is not thread-safe: the caller serializes every call on one handle.
#ifndef CLIBEWF_H
#define CLIBEWF_H

#include <stdint.h>
#include <stddef.h>

typedef struct clewf_handle clewf_handle;

/// Globs the set that `first` belongs to (E01, E02, … / Ex01, …) and opens it
/// read-only (libewf_get_access_flags_read). NULL on failure, with `err` filled.
/// `*fd_limit` is set to 1 when the set has more segments than the process
/// may hold open (the hard RLIMIT_NOFILE): a limit to raise, not a bad set.
clewf_handle *clewf_open(const char *first, char *err, size_t errlen, int32_t *fd_limit);

/// Closes the files and frees the handle.
void clewf_close(clewf_handle *h);

/// Number of segment files found by the glob.
int32_t clewf_segment_count(const clewf_handle *h);
/// Path of segment `index` (valid until clewf_close), or NULL.
const char *clewf_segment_path(const clewf_handle *h, int32_t index);

/// Media size in bytes, or -1.
int64_t clewf_media_size(clewf_handle *h, char *err, size_t errlen);
/// Bytes per sector from the header, or -1.
/* The number of sectors in the header (unsigned: a hostile header may give
 * any 64-bit value). Returns 0, or -1 with a message in err. */
int clewf_sector_count(clewf_handle *h, uint64_t *out, char *err, size_t errlen);
int64_t clewf_bytes_per_sector(clewf_handle *h, char *err, size_t errlen);

/// Bytes per chunk (sectors per chunk × bytes per sector), or -1.
int64_t clewf_chunk_size(clewf_handle *h, char *err, size_t errlen);

/// libewf_handle_read_random: bytes read (0 at or past the end) or -1.
int64_t clewf_read(clewf_handle *h, void *buf, uint64_t n, int64_t off, char *err, size_t errlen);

/// A stored hash ("MD5", "SHA1", "SHA256") or header value ("case_number",
/// "examiner_name", …) as UTF-8 into `out`: 1 found, 0 absent, -1 error.
int32_t clewf_hash_value(clewf_handle *h, const char *name, char *out, size_t outlen);
int32_t clewf_header_value(clewf_handle *h, const char *name, char *out, size_t outlen);

#endif
