#define _GNU_SOURCE
#include "CLinuxAIO.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/eventfd.h>
#include <sys/vfs.h>
#include <linux/fs.h>
#include <linux/stat.h>

const int32_t cla_O_DIRECT = O_DIRECT;
const int32_t cla_O_NOATIME = O_NOATIME;
const uint32_t cla_RWF_DSYNC = (uint32_t)RWF_DSYNC;
const uint32_t cla_RWF_SYNC = (uint32_t)RWF_SYNC;
const uint32_t cla_IOCB_FLAG_RESFD = 1u << 0;  // IOCB_FLAG_RESFD in linux/aio_abi.h

const int16_t cla_IOCB_CMD_PREAD = IO_CMD_PREAD;
const int16_t cla_IOCB_CMD_PWRITE = IO_CMD_PWRITE;
const int16_t cla_IOCB_CMD_FSYNC = IO_CMD_FSYNC;
const int16_t cla_IOCB_CMD_FDSYNC = IO_CMD_FDSYNC;

void cla_iocb_prep(struct iocb *cb, int16_t opcode, int32_t fd, void *buf,
                   uint64_t nbytes, int64_t offset, uint32_t rw_flags,
                   int32_t resfd, uint64_t data) {
    memset(cb, 0, sizeof(*cb));
    cb->aio_lio_opcode = opcode;
    cb->aio_fildes = fd;
    cb->u.c.buf = buf;
    cb->u.c.nbytes = (unsigned long)nbytes;
    cb->u.c.offset = offset;
    // The seed put RWF_DSYNC into aio_flags, where bit 1 is IOCB_FLAG_IOPRIO:
    // its "synced" writes were not synced. The kernel reads RWF_* here.
    cb->aio_rw_flags = rw_flags;
    if (resfd >= 0) {
        cb->u.c.flags |= cla_IOCB_FLAG_RESFD;
        cb->u.c.resfd = (unsigned)resfd;
    }
    cb->data = (void *)(uintptr_t)data;
}

int16_t cla_iocb_opcode(const struct iocb *cb) { return cb->aio_lio_opcode; }
int32_t cla_iocb_fd(const struct iocb *cb) { return cb->aio_fildes; }
void *cla_iocb_buf(const struct iocb *cb) { return cb->u.c.buf; }
uint64_t cla_iocb_nbytes(const struct iocb *cb) { return cb->u.c.nbytes; }
int64_t cla_iocb_offset(const struct iocb *cb) { return cb->u.c.offset; }
uint32_t cla_iocb_rw_flags(const struct iocb *cb) { return cb->aio_rw_flags; }
uint32_t cla_iocb_flags(const struct iocb *cb) { return cb->u.c.flags; }
uint32_t cla_iocb_resfd(const struct iocb *cb) { return cb->u.c.resfd; }
uint64_t cla_iocb_data(const struct iocb *cb) { return (uint64_t)(uintptr_t)cb->data; }

uint64_t cla_event_data(const struct io_event *ev) { return (uint64_t)(uintptr_t)ev->data; }
int64_t cla_event_res(const struct io_event *ev) { return (int64_t)(long)ev->res; }
void cla_event_set(struct io_event *ev, uint64_t data, int64_t res) {
    memset(ev, 0, sizeof(*ev));
    ev->data = (void *)(uintptr_t)data;
    ev->res = (unsigned long)res;
}

// The kernel's struct aio_ring (fs/aio.c), the header of the completion ring
// mapped at the address io_setup returns.
struct cla_aio_ring {
    unsigned id;
    unsigned nr;  // events in the ring
    unsigned head;  // written by the consumer (us, or io_getevents)
    unsigned tail;  // written by the kernel
    unsigned magic;
    unsigned compat_features;
    unsigned incompat_features;
    unsigned header_length;
    struct io_event io_events[];
};
#define CLA_AIO_RING_MAGIC 0xa10a10a1u

int32_t cla_ring_usable(io_context_t ctx) {
    const struct cla_aio_ring *ring = (const struct cla_aio_ring *)ctx;
    return ring != NULL && ring->magic == CLA_AIO_RING_MAGIC && ring->incompat_features == 0 && ring->nr > 0;
}

int32_t cla_ring_reap(io_context_t ctx, struct io_event *events, int32_t max) {
    struct cla_aio_ring *ring = (struct cla_aio_ring *)ctx;
    if (!cla_ring_usable(ctx)) return -1;
    unsigned nr = ring->nr;
    unsigned head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
    // Acquire: the events before `tail` are fully written (the kernel
    // publishes tail after the event, with a write barrier).
    unsigned tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    if (head >= nr || tail >= nr) return -1;  // never from a sane kernel
    int32_t n = 0;
    while (n < max && head != tail) {
        events[n++] = ring->io_events[head];
        head = head + 1 == nr ? 0 : head + 1;
    }
    // Release: the slots are copied out before the kernel may reuse them.
    if (n > 0) __atomic_store_n(&ring->head, head, __ATOMIC_RELEASE);
    return n;
}

int cla_statx_dioalign(int32_t fd, uint32_t *mem_align, uint32_t *offset_align) {
    struct statx stx;
    memset(&stx, 0, sizeof(stx));
    long r;
    do {
        r = syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    if (stx.stx_mask & STATX_DIOALIGN) {
        *mem_align = stx.stx_dio_mem_align;
        *offset_align = stx.stx_dio_offset_align;
    } else {
        *mem_align = 0;
        *offset_align = 0;
    }
    return 0;
}

static int ioctl_retry(int fd, unsigned long req, void *arg) {
    int r;
    do { r = ioctl(fd, req, arg); } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

int cla_blk_getsize64(int32_t fd, uint64_t *size) { return ioctl_retry(fd, BLKGETSIZE64, size); }
int cla_blk_logical_sector_size(int32_t fd, uint32_t *size) {
    int v = 0; int r = ioctl_retry(fd, BLKSSZGET, &v); if (r == 0) *size = (uint32_t)v; return r;
}
int cla_blk_physical_sector_size(int32_t fd, uint32_t *size) {
    unsigned int v = 0; int r = ioctl_retry(fd, BLKPBSZGET, &v); if (r == 0) *size = v; return r;
}
int cla_blk_get_readonly(int32_t fd, int32_t *ro) {
    int v = 0; int r = ioctl_retry(fd, BLKROGET, &v); if (r == 0) *ro = v; return r;
}

int64_t cla_pwrite2(int32_t fd, const void *buf, uint64_t n, int64_t off, uint32_t rw_flags) {
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = (size_t)n };
    ssize_t r;
    do { r = pwritev2(fd, &iov, 1, off, (int)rw_flags); } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : (int64_t)r;
}
int64_t cla_pread2(int32_t fd, void *buf, uint64_t n, int64_t off) {
    ssize_t r;
    do { r = pread(fd, buf, (size_t)n, off); } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : (int64_t)r;
}

int32_t cla_eventfd(void) {
    int fd = eventfd(0, EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int cla_fstatfs_type(int32_t fd, int64_t *type) {
    struct statfs st;
    int r;
    do { r = fstatfs(fd, &st); } while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    *type = (int64_t)st.f_type;
    return 0;
}
