// C boundary for The Sleuth Kit's library (Debian libtsk-dev 4.11). libtsk's
// types stay in shim.c: Swift sees an opaque handle, plain integers, strings
// and callbacks. Failures return -1 and write libtsk's message into `err`.
//
// A handle is not thread-safe: the caller serializes every call on one handle.
// Images are opened with tsk_img_open_external: every byte libtsk reads comes
// through the caller's `read` function (blkview's read path).
#ifndef CLIBTSK_H
#define CLIBTSK_H

#include <stdint.h>
#include <stddef.h>

typedef struct cltsk_fs cltsk_fs;

/// Reads `len` bytes at `offset` of the media into `buf`: bytes read (fewer
/// only at the end), or -1.
typedef int64_t (*cltsk_read_fn)(void *ctx, int64_t offset, void *buf, uint64_t len);

/// Opens the file system that starts `fs_offset` bytes into media of
/// `media_size` bytes (type detected by libtsk). NULL on failure, with `err`.
cltsk_fs *cltsk_open(void *ctx, cltsk_read_fn read, int64_t media_size, uint32_t sector_size,
                     int64_t fs_offset, char *err, size_t errlen);
void cltsk_close(cltsk_fs *fs);

typedef struct {
    char type[24];          // "ntfs", "fat16", "ext4", "iso9660", ...
    uint32_t block_size;
    uint32_t dev_block_size;
    uint64_t block_count;
    uint64_t last_block;      // as the file system says
    uint64_t last_block_act;  // clipped to the media
    uint64_t first_inum, last_inum, root_inum, journal_inum;  // journal: ext3/4's inode, NTFS $LogFile; 0 none
    int64_t offset;
    int32_t is_ntfs, is_fat, is_ext, is_iso;
    // FAT12/16/32 and exFAT (in sectors; 0 elsewhere): the first FAT, its
    // size, how many (from libtsk's virtual files $FAT1, $FAT2).
    uint64_t fat_first_sector;
    uint32_t fat_sectors, fat_count;
    uint32_t mft_record_size;  // NTFS: bytes per MFT record (0 elsewhere)
} cltsk_info;
void cltsk_get_info(const cltsk_fs *fs, cltsk_info *out);

/// One name, as fls 4.11 prints it (one record per NTFS $DATA and
/// $INDEX_ROOT stream, as fls does), with the metadata it points to.
typedef struct {
    const char *parent;      // "dir/sub/" ("" at the root); NULL for cltsk_stat
    const char *name;
    const char *short_name;  // 8.3 name (FAT, NTFS) or NULL
    const char *stream;      // NTFS stream name as fls prints it, or NULL
    const char *link;        // symlink target or NULL
    uint64_t inum;
    int32_t has_attr;        // NTFS: attr_type-attr_id follow the inode
    uint32_t attr_type;
    uint16_t attr_id;
    char name_type;          // fls letters: r d l v c b p s h w -
    char meta_type;
    int32_t name_unalloc;    // the name is deleted (fls "*")
    int32_t has_meta;
    int32_t meta_alloc;      // the metadata is allocated (realloc if name_unalloc)
    int32_t meta_is_dir;
    int64_t size;            // stream size where there is a stream, else the file's
    uint32_t mode, uid, gid;
    int32_t nlink;
    int64_t mtime, atime, ctime, crtime;
    uint32_t mtime_nano, atime_nano, ctime_nano, crtime_nano;
    uint32_t seq;
} cltsk_entry;

/// Called per entry: return 0 to go on, 1 to stop the walk.
typedef int32_t (*cltsk_entry_fn)(void *ctx, const cltsk_entry *entry);

enum {
    CLTSK_WALK_ALLOC = 1,
    CLTSK_WALK_UNALLOC = 2,
    CLTSK_WALK_RECURSE = 4,
};

/// tsk_fs_dir_walk from `dir` (the root if `dir` is UINT64_MAX).
/// 0 done, 1 stopped by the callback, -1 error.
int32_t cltsk_walk_dir(cltsk_fs *fs, uint64_t dir, uint32_t flags, cltsk_entry_fn fn, void *ctx,
                       char *err, size_t errlen);

/// tsk_fs_path2inum: 0 found (`*inum` set), 1 not found, -1 error.
int32_t cltsk_path_to_inum(cltsk_fs *fs, const char *path, uint64_t *inum, char *err, size_t errlen);

/// The metadata of `inum` (names and parent NULL; `name` from the metadata's
/// own name list where the file system keeps one). 0 or -1.
int32_t cltsk_stat(cltsk_fs *fs, uint64_t inum, cltsk_entry *out, char *err, size_t errlen);

/// Content of a file: called per chunk with its offset in the file, the
/// block address (`addr`, valid when `raw`), and whether it is sparse or
/// resident. Return 0 to go on, 1 to stop.
typedef int32_t (*cltsk_data_fn)(void *ctx, int64_t file_offset, uint64_t addr, const void *buf, uint64_t len,
                                 int32_t raw, int32_t sparse, int32_t resident);

enum {
    CLTSK_READ_SLACK = 1,     // TSK_FS_FILE_WALK_FLAG_SLACK
    CLTSK_READ_NOSPARSE = 2,  // TSK_FS_FILE_WALK_FLAG_NOSPARSE
    CLTSK_READ_AONLY = 4,     // TSK_FS_FILE_WALK_FLAG_AONLY
};

/// tsk_fs_file_walk (or _walk_type when attr_type >= 0; attr_id < 0 = any id),
/// as icat does. 0 done, 1 stopped, -1 error.
int32_t cltsk_read_file(cltsk_fs *fs, uint64_t inum, int32_t attr_type, int32_t attr_id, uint32_t flags,
                        cltsk_data_fn fn, void *ctx, char *err, size_t errlen);

/// One run of an attribute: `addr` and `len` in blocks, `offset` in blocks
/// within the attribute; resident attributes come as one run with
/// `resident` set and `len` in bytes.
typedef struct {
    uint32_t attr_type;
    uint16_t attr_id;
    const char *attr_name;
    int64_t attr_size;
    uint64_t offset, addr, len;
    int32_t sparse, filler, resident;
    /// NTFS resident data: its byte offset from the start of the file system
    /// (inside the MFT record), or -1 when it cannot be located.
    int64_t resident_offset;
} cltsk_run;
typedef int32_t (*cltsk_run_fn)(void *ctx, const cltsk_run *run);

/// The runs of every attribute of `inum`. 0 done, 1 stopped, -1 error.
int32_t cltsk_runs(cltsk_fs *fs, uint64_t inum, cltsk_run_fn fn, void *ctx, char *err, size_t errlen);

/// Called per (block, owner) pair in the inode walk that ifind -d does:
/// allocated and unallocated inodes in order, their non-resident attributes
/// with slack, sparse blocks skipped. Return 0 to go on, 1 to stop.
typedef int32_t (*cltsk_owner_fn)(void *ctx, uint64_t block, uint64_t inum, uint32_t attr_type, uint16_t attr_id,
                                  int64_t file_offset, int32_t meta_alloc);

/// Walks every inode's blocks (see cltsk_owner_fn). 0 done, 1 stopped, -1 error.
int32_t cltsk_walk_owners(cltsk_fs *fs, cltsk_owner_fn fn, void *ctx, char *err, size_t errlen);

/// The header of NTFS MFT record `entry` as libtsk reads it (ntfs_dinode_lookup,
/// fixups applied): its flags (bit 0 in use), used and allocated sizes.
/// 0 read, 1 not a valid record (no FILE signature, bad fixups), -1 error.
int32_t cltsk_mft_record(cltsk_fs *fs, uint64_t entry, uint32_t *flags, uint32_t *used, uint32_t *allocated,
                         char *err, size_t errlen);

/// tsk_fs_block_get_flag: bit 1 allocated, 2 unallocated, 4 content, 8 metadata; -1 on error.
int32_t cltsk_block_flags(cltsk_fs *fs, uint64_t block);

#endif
