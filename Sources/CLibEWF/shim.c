#include "CLibEWF.h"
#include <libewf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct clewf_handle {
    libewf_handle_t *handle;
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

clewf_handle *clewf_open(const char *first, char *err, size_t errlen) {
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
    if (libewf_handle_open(h->handle, h->filenames, h->count, libewf_get_access_flags_read(), &error) != 1) {
        take_error(&error, "cannot open the EWF set", err, errlen);
        libewf_handle_free(&h->handle, NULL);
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

int64_t clewf_bytes_per_sector(clewf_handle *h, char *err, size_t errlen) {
    libewf_error_t *error = NULL;
    uint32_t bps = 0;
    if (libewf_handle_get_bytes_per_sector(h->handle, &bps, &error) != 1) {
        take_error(&error, "cannot get the bytes per sector", err, errlen);
        return -1;
    }
    return (int64_t)bps;
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
