#define _GNU_SOURCE  // O_NOATIME
// libewf's bfio pool API (libewf_handle_open_file_io_pool): the segment files
// are opened by us, not by libewf (see segment_* below). The declarations come
// from libbfio-dev's libbfio.h, the symbols from the copy of libbfio inside
// libewf.so (which exports them): link only -lewf, never -lbfio, so that the
// handles we make and the pool libewf uses are the same library's.
#define HAVE_LIBBFIO 1
#include "CLibEWF.h"
#include <errno.h>
#include <fcntl.h>
#include <libewf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

struct clewf_handle {
    libewf_handle_t *handle;
    libbfio_pool_t *pool;
    char **filenames;
    int count;
    int globbed;  // filenames came from libewf_glob (else one strdup'ed name)
    uint32_t bytes_per_sector;
};

static void free_names(clewf_handle *h) {
    if (h->globbed) {
        libewf_glob_free(h->filenames, h->count, NULL);
    } else if (h->filenames) {
        free(h->filenames[0]);
        free(h->filenames);
    }
}

// Copies libewf's message (it may span lines: keep the last, most specific one)
// and frees the error.
static void take_error(libewf_error_t **error, const char *what, char *err, size_t errlen) {
    if (err == NULL || errlen == 0) { libewf_error_free(error); return; }
    char msg[1024] = {0};
    if (error != NULL && *error != NULL) {
        libewf_error_sprint(*error, msg, sizeof(msg));
        libewf_error_free(error);
    }
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r' || msg[len - 1] == '.')) msg[--len] = 0;
    const char *last = strrchr(msg, '\n');
    last = last ? last + 1 : msg;
    if (*last) snprintf(err, errlen, "%s: %s", what, last);
    else snprintf(err, errlen, "%s", what);
}


// A segment file as a libbfio handle of our own. libewf's own file handles
// open without O_NOATIME, so every read of an E01 could move the segments'
// access times. Ours open O_RDONLY | O_NOATIME | O_CLOEXEC (O_NOATIME dropped
// on EPERM: only the owner or CAP_FOWNER may ask for it), refuse any open
// for writing, and have no write: a forensic read of an EWF set changes
// nothing, provably (the strace test sees every open).
typedef struct {
    char *path;
    int fd;
    off64_t offset;
} segment_io;

static int segment_free(intptr_t **io, libbfio_error_t **error) {
    (void)error;
    segment_io *s = (segment_io *)*io;
    if (s) {
        if (s->fd >= 0) close(s->fd);
        free(s->path);
        free(s);
    }
    *io = NULL;
    return 1;
}

static segment_io *segment_new(const char *path) {
    segment_io *s = calloc(1, sizeof(*s));
    if (s == NULL) return NULL;
    s->path = strdup(path);
    s->fd = -1;
    if (s->path == NULL) { free(s); return NULL; }
    return s;
}

static int segment_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **error) {
    (void)error;
    segment_io *c = segment_new(((segment_io *)src)->path);
    *dst = (intptr_t *)c;
    return c ? 1 : -1;
}

// Set when a segment could not be opened for want of descriptors (EMFILE,
// ENFILE), on the thread that opens the set: a limit to raise, not a bad set.
static __thread int segment_fd_limit;

static int segment_open(intptr_t *io, int access_flags, libbfio_error_t **error) {
    (void)error;
    segment_io *s = (segment_io *)io;
    if (access_flags & ~LIBBFIO_ACCESS_FLAG_READ) { errno = EROFS; return -1; }
    if (s->fd >= 0) return 1;
    int fd;
    do fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOATIME); while (fd < 0 && errno == EINTR);
    if (fd < 0 && errno == EPERM) {
        do fd = open(s->path, O_RDONLY | O_CLOEXEC); while (fd < 0 && errno == EINTR);
    }
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) segment_fd_limit = 1;
        return -1;
    }
    s->fd = fd;
    s->offset = 0;
    return 1;
}

static int segment_close(intptr_t *io, libbfio_error_t **error) {
    (void)error;
    segment_io *s = (segment_io *)io;
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    return 0;
}

static ssize_t segment_read(intptr_t *io, uint8_t *buffer, size_t size, libbfio_error_t **error) {
    (void)error;
    segment_io *s = (segment_io *)io;
    size_t done = 0;
    while (done < size) {
        ssize_t r = pread(s->fd, buffer + done, size - done, s->offset + (off64_t)done);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        done += (size_t)r;
    }
    s->offset += (off64_t)done;
    return (ssize_t)done;
}

static ssize_t segment_write(intptr_t *io, const uint8_t *buffer, size_t size, libbfio_error_t **error) {
    (void)io; (void)buffer; (void)size; (void)error;
    errno = EROFS;
    return -1;
}

static off64_t segment_seek(intptr_t *io, off64_t offset, int whence, libbfio_error_t **error) {
    (void)error;
    segment_io *s = (segment_io *)io;
    off64_t base = 0;
    if (whence == SEEK_CUR) base = s->offset;
    else if (whence == SEEK_END) {
        struct stat st;
        if (fstat(s->fd, &st) != 0) return -1;
        base = st.st_size;
    } else if (whence != SEEK_SET) { errno = EINVAL; return -1; }
    if (base + offset < 0) { errno = EINVAL; return -1; }
    s->offset = base + offset;
    return s->offset;
}

static int segment_exists(intptr_t *io, libbfio_error_t **error) {
    (void)error;
    struct stat st;
    return stat(((segment_io *)io)->path, &st) == 0 ? 1 : 0;
}

static int segment_is_open(intptr_t *io, libbfio_error_t **error) {
    (void)error;
    return ((segment_io *)io)->fd >= 0 ? 1 : 0;
}

static int segment_get_size(intptr_t *io, size64_t *size, libbfio_error_t **error) {
    (void)error;
    segment_io *s = (segment_io *)io;
    struct stat st;
    if ((s->fd >= 0 ? fstat(s->fd, &st) : stat(s->path, &st)) != 0) return -1;
    *size = (size64_t)st.st_size;
    return 1;
}

// A pool of our segment handles, every one open once read (as libewf's own
// pool: this libbfio's least-recently-used limit loses track of its handles,
// "libbfio_internal_pool_move_handle_to_front_of_last_used_list: unable to
// remove last used list element"). A set of thousands of segments needs as
// many descriptors: the soft RLIMIT_NOFILE is raised towards the hard one.
static libbfio_pool_t *segment_pool(char **names, int count, char *err, size_t errlen, int32_t *fd_limit) {
    libbfio_pool_t *pool = NULL;
    libbfio_error_t *error = NULL;
    if (count <= 0) {
        snprintf(err, errlen, "no segment files");
        return NULL;
    }
    struct rlimit rl;
    rlim_t want = (rlim_t)count + 256;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        // Room for every segment and a few descriptors of our own.
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)count + 16) {
            snprintf(err, errlen, "the EWF set has %d segment files but this process may open only %llu files "
                     "(ulimit -n, at most ulimit -Hn): raise the limit", count, (unsigned long long)rl.rlim_cur);
            *fd_limit = 1;
            return NULL;
        }
    }
    if (libbfio_pool_initialize(&pool, 0, LIBBFIO_POOL_UNLIMITED_NUMBER_OF_OPEN_HANDLES, &error) != 1) {
        take_error((libewf_error_t **)&error, "cannot make a file pool", err, errlen);
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        segment_io *s = segment_new(names[i]);
        libbfio_handle_t *h = NULL;
        int entry = 0;
        if (s == NULL) { snprintf(err, errlen, "out of memory"); break; }
        if (libbfio_handle_initialize(&h, (intptr_t *)s, segment_free, segment_clone, segment_open, segment_close,
                                      segment_read, segment_write, segment_seek, segment_exists, segment_is_open,
                                      segment_get_size, LIBBFIO_FLAG_IO_HANDLE_MANAGED, &error) != 1) {
            intptr_t *p = (intptr_t *)s;
            segment_free(&p, NULL);
            take_error((libewf_error_t **)&error, "cannot make a file handle", err, errlen);
            break;
        }
        if (libbfio_pool_append_handle(pool, &entry, h, LIBBFIO_OPEN_READ, &error) != 1) {
            libbfio_handle_free(&h, NULL);
            take_error((libewf_error_t **)&error, "cannot add a segment to the pool", err, errlen);
            break;
        }
        if (i == count - 1) return pool;
    }
    libbfio_pool_free(&pool, NULL);
    return NULL;
}

clewf_handle *clewf_open(const char *first, char *err, size_t errlen, int32_t *fd_limit) {
    *fd_limit = 0;
    libewf_error_t *error = NULL;
    clewf_handle *h = calloc(1, sizeof(*h));
    if (h == NULL) { snprintf(err, errlen, "out of memory"); return NULL; }
    if (libewf_glob(first, strlen(first), LIBEWF_FORMAT_UNKNOWN, &h->filenames, &h->count, &error) == 1) {
        h->globbed = 1;
    } else {
        // An extension libewf does not know (a renamed single-segment file
        // found by its signature): open just that file.
        libewf_error_free(&error);
        h->filenames = calloc(1, sizeof(char *));
        if (h->filenames) h->filenames[0] = strdup(first);
        if (!h->filenames || !h->filenames[0]) {
            snprintf(err, errlen, "out of memory");
            free_names(h);
            free(h);
            return NULL;
        }
        h->count = 1;
    }
    if (libewf_handle_initialize(&h->handle, &error) != 1) {
        take_error(&error, "cannot initialize libewf", err, errlen);
        free_names(h);
        free(h);
        return NULL;
    }
    h->pool = segment_pool(h->filenames, h->count, err, errlen, fd_limit);
    if (h->pool == NULL) {
        libewf_handle_free(&h->handle, NULL);
        free_names(h);
        free(h);
        return NULL;
    }
    segment_fd_limit = 0;
    if (libewf_handle_open_file_io_pool(h->handle, h->pool, libewf_get_access_flags_read(), &error) != 1) {
        take_error(&error, "cannot open the EWF set", err, errlen);
        if (segment_fd_limit) {
            struct rlimit rl;
            unsigned long long cur = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (unsigned long long)rl.rlim_cur : 0;
            snprintf(err, errlen, "too many open files while opening the %d segment files of the EWF set "
                     "(ulimit -n is %llu): raise the limit", h->count, cur);
            *fd_limit = 1;
        }
        libewf_handle_free(&h->handle, NULL);
        libbfio_pool_free(&h->pool, NULL);
        free_names(h);
        free(h);
        return NULL;
    }
    if (libewf_handle_get_bytes_per_sector(h->handle, &h->bytes_per_sector, &error) != 1) {
        libewf_error_free(&error);
        h->bytes_per_sector = 512;
    }
    if (h->bytes_per_sector == 0) h->bytes_per_sector = 512;
    return h;
}

void clewf_close(clewf_handle *h) {
    if (h == NULL) return;
    libewf_handle_close(h->handle, NULL);
    libewf_handle_free(&h->handle, NULL);
    libbfio_pool_free(&h->pool, NULL);  // libewf does not own a pool it was given
    free_names(h);
    free(h);
}

int32_t clewf_segment_count(const clewf_handle *h) { return h->count; }

const char *clewf_segment_path(const clewf_handle *h, int32_t index) {
    return (index >= 0 && index < h->count) ? h->filenames[index] : NULL;
}

int64_t clewf_media_size(clewf_handle *h, char *err, size_t errlen) {
    libewf_error_t *error = NULL;
    size64_t size = 0;
    if (libewf_handle_get_media_size(h->handle, &size, &error) != 1) {
        take_error(&error, "cannot get the media size", err, errlen);
        return -1;
    }
    return (int64_t)size;
}

int clewf_sector_count(clewf_handle *h, uint64_t *out, char *err, size_t errlen) {
    libewf_error_t *error = NULL;
    size64_t n = 0;
    if (libewf_handle_get_number_of_sectors(h->handle, &n, &error) != 1) {
        take_error(&error, "cannot get the number of sectors", err, errlen);
        return -1;
    }
    *out = (uint64_t)n;
    return 0;
}

int64_t clewf_bytes_per_sector(clewf_handle *h, char *err, size_t errlen) {
    libewf_error_t *error = NULL;
    uint32_t bps = 0;
    if (libewf_handle_get_bytes_per_sector(h->handle, &bps, &error) != 1) {
        take_error(&error, "cannot get the bytes per sector", err, errlen);
        return -1;
    }
    return (int64_t)bps;
}

int64_t clewf_chunk_size(clewf_handle *h, char *err, size_t errlen) {
    libewf_error_t *error = NULL;
    uint32_t spc = 0, bps = 0;
    if (libewf_handle_get_sectors_per_chunk(h->handle, &spc, &error) != 1) {
        take_error(&error, "cannot get the sectors per chunk", err, errlen);
        return -1;
    }
    if (libewf_handle_get_bytes_per_sector(h->handle, &bps, &error) != 1) {
        take_error(&error, "cannot get the bytes per sector", err, errlen);
        return -1;
    }
    return (int64_t)spc * (int64_t)bps;
}

int64_t clewf_read(clewf_handle *h, void *buf, uint64_t n, int64_t off, char *err, size_t errlen) {
    libewf_error_t *error = NULL;
    ssize_t r = libewf_handle_read_random(h->handle, buf, (size_t)n, (off64_t)off, &error);
    if (r < 0) {
        take_error(&error, "libewf read failed", err, errlen);
        return -1;
    }
    // libewf returns the data of a chunk whose checksum does not match and only
    // records the error (also on later reads of the cached chunk): refuse any
    // read that overlaps a recorded range rather than hand out corrupt bytes.
    uint32_t count = 0;
    if (r > 0 && libewf_handle_get_number_of_checksum_errors(h->handle, &count, &error) == 1) {
        uint64_t bps = h->bytes_per_sector;
        for (uint32_t i = 0; i < count; i++) {
            uint64_t start = 0, sectors = 0;
            if (libewf_handle_get_checksum_error(h->handle, i, &start, &sectors, &error) != 1) {
                libewf_error_free(&error);
                continue;
            }
            uint64_t lo = start * bps, hi = (start + sectors) * bps;
            if ((uint64_t)off < hi && (uint64_t)off + (uint64_t)r > lo) {
                snprintf(err, errlen, "chunk checksum mismatch in sectors %llu-%llu: the EWF data there is corrupt",
                         (unsigned long long)start, (unsigned long long)(start + sectors - 1));
                return -1;
            }
        }
    } else {
        libewf_error_free(&error);
    }
    return (int64_t)r;
}

int32_t clewf_hash_value(clewf_handle *h, const char *name, char *out, size_t outlen) {
    libewf_error_t *error = NULL;
    int r = libewf_handle_get_utf8_hash_value(h->handle, (const uint8_t *)name, strlen(name),
                                              (uint8_t *)out, outlen, &error);
    if (r < 0) libewf_error_free(&error);
    return r;
}

int32_t clewf_header_value(clewf_handle *h, const char *name, char *out, size_t outlen) {
    libewf_error_t *error = NULL;
    int r = libewf_handle_get_utf8_header_value(h->handle, (const uint8_t *)name, strlen(name),
                                                (uint8_t *)out, outlen, &error);
    if (r < 0) libewf_error_free(&error);
    return r;
}
