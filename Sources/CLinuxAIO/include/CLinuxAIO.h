// C boundary for the engine and block sources.
//
// Swift cannot see what glibc hides behind _GNU_SOURCE (O_DIRECT, statx) nor
// function-like macros (the BLK* ioctl numbers, RWF_* casts). Everything is
// defined in shim.c, compiled with _GNU_SOURCE, and exported here with plain
// C types. Every function returns 0 (or a count) on success and -errno on
// failure, the libaio convention; none of them sets errno for the caller.
//
// Do not include <linux/aio_abi.h> here: it redefines struct iocb.
#ifndef CLINUXAIO_H
#define CLINUXAIO_H

#include <stdint.h>
#include <stddef.h>
#include <libaio.h>

// Open flags and RWF_* flags (per-I/O flags carried in iocb.aio_rw_flags).
extern const int32_t cla_O_DIRECT;
extern const int32_t cla_O_NOATIME;
extern const uint32_t cla_RWF_DSYNC;
extern const uint32_t cla_RWF_SYNC;
extern const uint32_t cla_IOCB_FLAG_RESFD;

// Opcodes (enum io_iocb_cmd), as plain integers.
extern const int16_t cla_IOCB_CMD_PREAD;
extern const int16_t cla_IOCB_CMD_PWRITE;
extern const int16_t cla_IOCB_CMD_FSYNC;
extern const int16_t cla_IOCB_CMD_FDSYNC;

/// Fills an iocb. `rw_flags` goes to aio_rw_flags (RWF_DSYNC / RWF_SYNC), the
/// field the kernel reads them from; `resfd` >= 0 sets IOCB_FLAG_RESFD.
void cla_iocb_prep(struct iocb *cb, int16_t opcode, int32_t fd, void *buf,
                   uint64_t nbytes, int64_t offset, uint32_t rw_flags,
                   int32_t resfd, uint64_t data);

// Read-back accessors (tests and the fake kernel inspect submitted iocbs).
int16_t cla_iocb_opcode(const struct iocb *cb);
int32_t cla_iocb_fd(const struct iocb *cb);
void *cla_iocb_buf(const struct iocb *cb);
uint64_t cla_iocb_nbytes(const struct iocb *cb);
int64_t cla_iocb_offset(const struct iocb *cb);
uint32_t cla_iocb_rw_flags(const struct iocb *cb);
uint32_t cla_iocb_flags(const struct iocb *cb);
uint32_t cla_iocb_resfd(const struct iocb *cb);
uint64_t cla_iocb_data(const struct iocb *cb);

uint64_t cla_event_data(const struct io_event *ev);
int64_t cla_event_res(const struct io_event *ev);
void cla_event_set(struct io_event *ev, uint64_t data, int64_t res);

/// Takes up to `max` completions from the context's completion ring, which
/// the kernel maps into our memory (an io_context_t is the ring's address),
/// without a system call: fio's `userspace_reap`. The kernel supports this
/// (io_submit refills its request count from the ring's head). Returns the
/// count, or -1 when the ring is not the layout this code knows (magic or
/// incompatible features): then use io_getevents. The caller serialises
/// calls on one context (one consumer at a time moves the head).
int32_t cla_ring_reap(io_context_t ctx, struct io_event *events, int32_t max);

/// Whether `cla_ring_reap` can read this context's ring.
int32_t cla_ring_usable(io_context_t ctx);

/// statx(STATX_DIOALIGN): 0 and the alignments, or -errno. Both outputs are 0
/// when the file system does not report them (then O_DIRECT is unsupported or
/// the kernel is older than 6.1).
int cla_statx_dioalign(int32_t fd, uint32_t *mem_align, uint32_t *offset_align);

/// Block-device geometry ioctls; -ENOTTY on anything that is not a block device.
int cla_blk_getsize64(int32_t fd, uint64_t *size);
int cla_blk_logical_sector_size(int32_t fd, uint32_t *size);   // BLKSSZGET
int cla_blk_physical_sector_size(int32_t fd, uint32_t *size);  // BLKPBSZGET
int cla_blk_get_readonly(int32_t fd, int32_t *ro);              // BLKROGET

/// fstatfs(2)'s f_type (the file system's magic: TMPFS_MAGIC, FUSE_SUPER_MAGIC…)
/// into `type`: 0 or -errno. Block sources use it to avoid O_DIRECT where the
/// file system ignores or refuses it.
int cla_fstatfs_type(int32_t fd, int64_t *type);

/// eventfd(0, EFD_CLOEXEC): the fd or -errno.
int32_t cla_eventfd(void);

/// pwritev2/preadv2 with RWF flags (the threaded engine's sync writes).
int64_t cla_pwrite2(int32_t fd, const void *buf, uint64_t n, int64_t off, uint32_t rw_flags);
int64_t cla_pread2(int32_t fd, void *buf, uint64_t n, int64_t off);

#endif
