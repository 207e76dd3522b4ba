#include "CLibNBD.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <libnbd.h>
#include <stdlib.h>
#include <string.h>

cnbd_handle *cnbd_create(void) { return nbd_create(); }
void cnbd_close(cnbd_handle *h) { nbd_close(h); }

const char *cnbd_error(void) {
    const char *m = nbd_get_error();
    return m ? m : "unknown libnbd error";
}
int32_t cnbd_errno(void) { return nbd_get_errno(); }

int32_t cnbd_supports_uri(cnbd_handle *h) { return nbd_supports_uri(h); }
int32_t cnbd_supports_tls(cnbd_handle *h) { return nbd_supports_tls(h); }
int32_t cnbd_request_allocation(cnbd_handle *h) { return nbd_add_meta_context(h, LIBNBD_CONTEXT_BASE_ALLOCATION); }
int32_t cnbd_can_allocation(cnbd_handle *h) { return nbd_can_meta_context(h, LIBNBD_CONTEXT_BASE_ALLOCATION); }
int32_t cnbd_set_name(cnbd_handle *h, const char *name) { return nbd_set_handle_name(h, name); }

int32_t cnbd_allow_uri_local_files(cnbd_handle *h) { return nbd_set_uri_allow_local_file(h, true); }
int32_t cnbd_connect_uri(cnbd_handle *h, const char *uri) { return nbd_connect_uri(h, uri); }
int32_t cnbd_connect_socket_activation(cnbd_handle *h, char **argv) {
    return nbd_connect_systemd_socket_activation(h, argv);
}

int64_t cnbd_get_size(cnbd_handle *h) { return nbd_get_size(h); }
int64_t cnbd_get_block_size(cnbd_handle *h, int32_t which) { return nbd_get_block_size(h, which); }
int32_t cnbd_is_read_only(cnbd_handle *h) { return nbd_is_read_only(h); }
int32_t cnbd_can_flush(cnbd_handle *h) { return nbd_can_flush(h); }
int32_t cnbd_can_fua(cnbd_handle *h) { return nbd_can_fua(h); }

/// What a command's completion callback carries.
typedef struct {
    cnbd_done_fn done;
    void *ctx;
    uint64_t tag;
} request;

static int on_complete(void *user_data, int *error) {
    request *r = user_data;
    r->done(r->ctx, r->tag, error ? *error : 0);
    return 1;  // retire the command: nobody calls nbd_aio_command_completed
}

static void on_free(void *user_data) { free(user_data); }

static nbd_completion_callback completion(cnbd_done_fn done, void *ctx, uint64_t tag) {
    request *r = malloc(sizeof *r);
    if (!r) return (nbd_completion_callback){.callback = NULL};
    r->done = done;
    r->ctx = ctx;
    r->tag = tag;
    return (nbd_completion_callback){.callback = on_complete, .user_data = r, .free = on_free};
}

// Without a completion struct (malloc failed) the command is not submitted:
// a request whose completion could not be reported would hang its caller.
#define WITH_COMPLETION(cb, call)                          \
    nbd_completion_callback cb = completion(done, ctx, tag); \
    if (!cb.callback) { errno = ENOMEM; return -1; }       \
    return call;

int64_t cnbd_aio_pread(cnbd_handle *h, void *buf, size_t count, uint64_t offset,
                       cnbd_done_fn done, void *ctx, uint64_t tag) {
    WITH_COMPLETION(cb, nbd_aio_pread(h, buf, count, offset, cb, 0))
}

int64_t cnbd_aio_pwrite(cnbd_handle *h, const void *buf, size_t count, uint64_t offset, int32_t fua,
                        cnbd_done_fn done, void *ctx, uint64_t tag) {
    WITH_COMPLETION(cb, nbd_aio_pwrite(h, buf, count, offset, cb, fua ? LIBNBD_CMD_FLAG_FUA : 0))
}

int64_t cnbd_aio_flush(cnbd_handle *h, cnbd_done_fn done, void *ctx, uint64_t tag) {
    WITH_COMPLETION(cb, nbd_aio_flush(h, cb, 0))
}

static int on_extents(void *user_data, const char *metacontext, uint64_t offset, uint32_t *entries,
                      size_t nr_entries, int *error) {
    (void)offset;
    (void)error;
    cnbd_extent_list *l = user_data;
    if (!metacontext || strcmp(metacontext, LIBNBD_CONTEXT_BASE_ALLOCATION) != 0) return 0;
    for (size_t i = 0; i + 1 < nr_entries; i += 2) {
        if (l->count == l->capacity) {
            size_t cap = l->capacity ? l->capacity * 2 : 64;
            cnbd_extent *p = realloc(l->items, cap * sizeof *p);
            if (!p) { l->failed = 1; return 0; }
            l->items = p;
            l->capacity = cap;
        }
        l->items[l->count].length = entries[i];
        l->items[l->count].flags = entries[i + 1];
        l->count++;
    }
    return 0;
}

int64_t cnbd_aio_block_status(cnbd_handle *h, uint64_t count, uint64_t offset, cnbd_extent_list *out,
                              cnbd_done_fn done, void *ctx, uint64_t tag) {
    nbd_extent_callback ext = {.callback = on_extents, .user_data = out, .free = NULL};
    WITH_COMPLETION(cb, nbd_aio_block_status(h, count, offset, ext, cb, 0))
}

cnbd_extent_list *cnbd_extent_list_new(void) { return calloc(1, sizeof(cnbd_extent_list)); }
void cnbd_extent_list_free(cnbd_extent_list *l) {
    if (!l) return;
    free(l->items);
    free(l);
}

int32_t cnbd_aio_get_fd(cnbd_handle *h) { return nbd_aio_get_fd(h); }
uint32_t cnbd_aio_get_direction(cnbd_handle *h) { return nbd_aio_get_direction(h); }
int32_t cnbd_aio_notify_read(cnbd_handle *h) { return nbd_aio_notify_read(h); }
int32_t cnbd_aio_notify_write(cnbd_handle *h) { return nbd_aio_notify_write(h); }
int32_t cnbd_aio_in_flight(cnbd_handle *h) { return nbd_aio_in_flight(h); }
int32_t cnbd_aio_is_dead(cnbd_handle *h) { return nbd_aio_is_dead(h) == 1 || nbd_aio_is_closed(h) == 1; }
int32_t cnbd_shutdown(cnbd_handle *h) { return nbd_shutdown(h, 0); }

#if defined(__x86_64__)
#define CNBD_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CNBD_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

int32_t cnbd_deny_io_uring(void) {
#if defined(CNBD_AUDIT_ARCH) && defined(__NR_io_uring_setup)
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CNBD_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
    // Without SECCOMP_FILTER_FLAG_TSYNC: this thread (and its children) only.
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) return -errno;
    return 0;
#else
    return -ENOSYS;
#endif
}
