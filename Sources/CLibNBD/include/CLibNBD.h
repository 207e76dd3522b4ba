// C boundary for NBD sources, through libnbd (Debian libnbd-dev 1.14).
// libnbd's callback structs stay in shim.c: Swift passes one completion
// function, a context pointer and a tag per request, and the shim wraps them.
//
// The handle is opaque to Swift. libnbd locks each handle internally; the
// caller still serializes the calls that drive its state machine (the aio
// submissions and notify calls) so that one reaper thread owns polling.
#ifndef CLIBNBD_H
#define CLIBNBD_H

#include <stdint.h>
#include <stddef.h>

typedef struct nbd_handle cnbd_handle;

/// Called once per request when it completes: `error` is 0 or an errno.
typedef void (*cnbd_done_fn)(void *ctx, uint64_t tag, int32_t error);

/// One run of base:allocation block status: `length` bytes with `flags`
/// (bit 0 LIBNBD_STATE_HOLE, bit 1 LIBNBD_STATE_ZERO).
typedef struct {
    uint64_t length;
    uint32_t flags;
} cnbd_extent;

/// What one block-status request collected (filled by the extent callback).
typedef struct {
    cnbd_extent *items;
    size_t count;
    size_t capacity;
    /// Set when memory ran out or the server sent extents out of order.
    int32_t failed;
} cnbd_extent_list;

/// nbd_create; NULL with cnbd_error() set on failure.
cnbd_handle *cnbd_create(void);
/// nbd_close (kills and reaps a socket-activated child).
void cnbd_close(cnbd_handle *h);

/// The calling thread's last libnbd error message (never NULL) and errno (0 if none).
const char *cnbd_error(void);
int32_t cnbd_errno(void);

int32_t cnbd_supports_uri(cnbd_handle *h);
int32_t cnbd_supports_tls(cnbd_handle *h);
/// Asks for base:allocation during the handshake (before connecting).
int32_t cnbd_request_allocation(cnbd_handle *h);
/// 1 when the server agreed to base:allocation.
int32_t cnbd_can_allocation(cnbd_handle *h);
/// Names the handle in libnbd's messages.
int32_t cnbd_set_name(cnbd_handle *h, const char *name);

/// Lets a URI name local files (`tls-psk-file=`, `tls-certificates=`):
/// the user typed the URI, so its files are the user's choice.
int32_t cnbd_allow_uri_local_files(cnbd_handle *h);
/// nbd_connect_uri: nbd://, nbds://, nbd+unix://, nbds+unix://, nbd+vsock://.
int32_t cnbd_connect_uri(cnbd_handle *h, const char *uri);
/// nbd_connect_systemd_socket_activation: starts argv[0] with LISTEN_FDS
/// (argv is NULL-terminated; a socket in a private temporary directory).
int32_t cnbd_connect_socket_activation(cnbd_handle *h, char **argv);

int64_t cnbd_get_size(cnbd_handle *h);
/// LIBNBD_SIZE_MINIMUM (0), PREFERRED (1), MAXIMUM (2): 0 when not advertised, -1 on error.
int64_t cnbd_get_block_size(cnbd_handle *h, int32_t which);
int32_t cnbd_is_read_only(cnbd_handle *h);
int32_t cnbd_can_flush(cnbd_handle *h);
int32_t cnbd_can_fua(cnbd_handle *h);

/// The aio commands: a cookie (> 0) or -1 with cnbd_error() set. `done`
/// runs exactly once for a submitted command (also when the connection dies).
int64_t cnbd_aio_pread(cnbd_handle *h, void *buf, size_t count, uint64_t offset,
                       cnbd_done_fn done, void *ctx, uint64_t tag);
/// `fua`: 1 for LIBNBD_CMD_FLAG_FUA.
int64_t cnbd_aio_pwrite(cnbd_handle *h, const void *buf, size_t count, uint64_t offset, int32_t fua,
                        cnbd_done_fn done, void *ctx, uint64_t tag);
int64_t cnbd_aio_flush(cnbd_handle *h, cnbd_done_fn done, void *ctx, uint64_t tag);
/// base:allocation for [offset, offset+count): extents appended to `out`.
int64_t cnbd_aio_block_status(cnbd_handle *h, uint64_t count, uint64_t offset, cnbd_extent_list *out,
                              cnbd_done_fn done, void *ctx, uint64_t tag);

cnbd_extent_list *cnbd_extent_list_new(void);
void cnbd_extent_list_free(cnbd_extent_list *l);

int32_t cnbd_aio_get_fd(cnbd_handle *h);
/// Bit 0: wants to read (POLLIN), bit 1: wants to write (POLLOUT).
uint32_t cnbd_aio_get_direction(cnbd_handle *h);
int32_t cnbd_aio_notify_read(cnbd_handle *h);
int32_t cnbd_aio_notify_write(cnbd_handle *h);
int32_t cnbd_aio_in_flight(cnbd_handle *h);
/// 1 when the connection is dead or closed (no more commands).
int32_t cnbd_aio_is_dead(cnbd_handle *h);
/// nbd_shutdown: tells the server we are done (commands in flight finish first).
int32_t cnbd_shutdown(cnbd_handle *h);

/// Makes io_uring_setup fail with ENOSYS for the calling thread and the
/// processes it starts from now on (a seccomp filter; no_new_privs is set
/// too): a server started under --forensic (qemu-nbd polls through io_uring
/// when it can, whose requests no syscall audit sees) falls back to ppoll.
/// 0, or -errno.
int32_t cnbd_deny_io_uring(void);

#endif
