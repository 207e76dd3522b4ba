// libtsk behind plain C types (see include/CLibTSK.h). The image is opened
// with tsk_img_open_external: libtsk's reads (through its own 64 KiB cache)
// call back into the caller, which reads through blkview's read path.
#include "CLibTSK.h"
#include <tsk/libtsk.h>
#include <tsk/fs/tsk_ntfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// From libtsk's internal tsk_img_i.h / tsk_base_i.h (exported symbols).
extern void tsk_deinit_lock(tsk_lock_t *);

typedef struct {
    TSK_IMG_INFO img;  // first member: libtsk casts to it
    void *ctx;
    cltsk_read_fn read;
} cltsk_img;

struct cltsk_fs {
    cltsk_img *img;
    TSK_IMG_INFO *img_info;
    TSK_FS_INFO *fs;
};

static void set_err(char *err, size_t errlen, const char *what) {
    if (err == NULL || errlen == 0) return;
    const char *msg = tsk_error_get();
    if (msg == NULL || msg[0] == 0) msg = "unknown error";
    snprintf(err, errlen, "%s: %s", what, msg);
    // libtsk messages may end with a newline or carry several lines: keep one.
    for (char *p = err; *p; p++) {
        if (*p == '\n' || *p == '\r') { *p = (p[1] == 0) ? 0 : ' '; }
    }
    tsk_error_reset();
}

static ssize_t img_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len) {
    cltsk_img *c = (cltsk_img *)img;
    int64_t n = c->read(c->ctx, (int64_t)off, buf, (uint64_t)len);
    if (n < 0) {
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ);
        tsk_error_set_errstr("cannot read the media at offset %lld (%zu bytes)", (long long)off, len);
        return -1;
    }
    return (ssize_t)n;
}

static void img_close(TSK_IMG_INFO *img) {
    tsk_deinit_lock(&img->cache_lock);
    free(img);
}

static void img_stat(TSK_IMG_INFO *img, FILE *f) {
    (void)img;
    fprintf(f, "blkview read path\n");
}

cltsk_fs *cltsk_open(void *ctx, cltsk_read_fn read, int64_t media_size, uint32_t sector_size,
                     int64_t fs_offset, char *err, size_t errlen) {
    tsk_error_reset();
    cltsk_img *c = calloc(1, sizeof(cltsk_img));
    cltsk_fs *h = calloc(1, sizeof(cltsk_fs));
    if (c == NULL || h == NULL) {
        free(c); free(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->img.tag = TSK_IMG_INFO_TAG;
    c->img.itype = TSK_IMG_TYPE_EXTERNAL;
    c->ctx = ctx;
    c->read = read;
    TSK_IMG_INFO *img = tsk_img_open_external(c, (TSK_OFF_T)media_size, sector_size, img_read, img_close, img_stat);
    if (img == NULL) {
        set_err(err, errlen, "cannot open the media for libtsk");
        free(c); free(h);
        return NULL;
    }
    TSK_FS_INFO *fs = tsk_fs_open_img(img, (TSK_OFF_T)fs_offset, TSK_FS_TYPE_DETECT);
    if (fs == NULL) {
        set_err(err, errlen, "no file system libtsk knows");
        tsk_img_close(img);
        free(h);
        return NULL;
    }
    h->img = c;
    h->img_info = img;
    h->fs = fs;
    return h;
}

void cltsk_close(cltsk_fs *h) {
    if (h == NULL) return;
    if (h->fs) tsk_fs_close(h->fs);
    if (h->img_info) tsk_img_close(h->img_info);
    free(h);
}

// FATFS_INFO sits in a header libtsk does not install (tsk_fatfs.h needs
// tsk_fs_i.h): the FATs' place comes from libtsk's virtual files $FAT1 and
// $FAT2 instead (among the last inodes, before $OrphanFiles), whose data are
// exactly the FATs.
static void fat_layout(TSK_FS_INFO *fs, cltsk_info *o) {
    for (TSK_INUM_T i = fs->last_inum >= 4 ? fs->last_inum - 4 : 0; i < fs->last_inum; i++) {
        TSK_FS_FILE *f = tsk_fs_file_open_meta(fs, NULL, i);
        if (f == NULL) { tsk_error_reset(); continue; }
        const char *name = (f->meta && f->meta->name2) ? f->meta->name2->name : "";
        int n = strcmp(name, "$FAT1") == 0 ? 1 : strcmp(name, "$FAT2") == 0 ? 2 : 0;
        const TSK_FS_ATTR *a = n ? tsk_fs_file_attr_get(f) : NULL;
        if (a && (a->flags & TSK_FS_ATTR_NONRES) && a->nrd.run) {
            uint64_t len = 0;
            for (const TSK_FS_ATTR_RUN *r = a->nrd.run; r && len < UINT32_MAX; r = r->next) len += r->len;
            if (n == 1) {
                o->fat_first_sector = a->nrd.run->addr;
                o->fat_sectors = (uint32_t)(len < UINT32_MAX ? len : UINT32_MAX);
            }
            if ((uint32_t)n > o->fat_count) o->fat_count = (uint32_t)n;
        }
        tsk_error_reset();
        tsk_fs_file_close(f);
    }
}

void cltsk_get_info(const cltsk_fs *h, cltsk_info *o) {
    memset(o, 0, sizeof(*o));
    TSK_FS_INFO *fs = h->fs;
    const char *t = tsk_fs_type_toname(fs->ftype);
    snprintf(o->type, sizeof(o->type), "%s", t ? t : "unknown");
    o->block_size = fs->block_size;
    o->dev_block_size = fs->dev_bsize;
    o->block_count = fs->block_count;
    o->last_block = fs->last_block;
    o->last_block_act = fs->last_block_act;
    o->first_inum = fs->first_inum;
    o->last_inum = fs->last_inum;
    o->root_inum = fs->root_inum;
    o->journal_inum = fs->journ_inum;
    o->offset = fs->offset;
    o->is_ntfs = TSK_FS_TYPE_ISNTFS(fs->ftype) ? 1 : 0;
    o->is_fat = (TSK_FS_TYPE_ISFAT(fs->ftype)) ? 1 : 0;
    o->is_ext = TSK_FS_TYPE_ISEXT(fs->ftype) ? 1 : 0;
    o->is_iso = TSK_FS_TYPE_ISISO9660(fs->ftype) ? 1 : 0;
    if (o->is_fat) fat_layout(fs, o);
    if (o->is_ntfs) {
        o->mft_record_size = ((const NTFS_INFO *)fs)->mft_rsize_b;
        // libtsk leaves journ_inum unset on NTFS: the journal is $LogFile.
        if (o->journal_inum == 0) o->journal_inum = NTFS_MFT_LOG;
    }
}

static char type_letter(const char table[][2], int max, int v) {
    if (v < 0 || v >= max) return '-';
    return table[v][0] ? table[v][0] : '-';
}

static void fill_meta(cltsk_entry *e, const TSK_FS_META *m, const TSK_FS_ATTR *attr) {
    if (m == NULL) { e->meta_type = '-'; return; }
    e->has_meta = 1;
    e->meta_alloc = (m->flags & TSK_FS_META_FLAG_ALLOC) ? 1 : 0;
    e->meta_is_dir = TSK_FS_IS_DIR_META(m->type) ? 1 : 0;
    // fls prints an NTFS directory's $DATA stream as a file.
    if (attr && attr->type == TSK_FS_ATTR_TYPE_NTFS_DATA && TSK_FS_IS_DIR_META(m->type)) e->meta_type = 'r';
    else e->meta_type = type_letter(tsk_fs_meta_type_str, TSK_FS_META_TYPE_STR_MAX, m->type);
    e->size = attr ? attr->size : m->size;
    e->mode = (uint32_t)m->mode;
    e->uid = (uint32_t)m->uid;
    e->gid = (uint32_t)m->gid;
    e->nlink = m->nlink;
    e->mtime = m->mtime; e->mtime_nano = m->mtime_nano;
    e->atime = m->atime; e->atime_nano = m->atime_nano;
    e->ctime = m->ctime; e->ctime_nano = m->ctime_nano;
    e->crtime = m->crtime; e->crtime_nano = m->crtime_nano;
    e->seq = m->seq;
    e->link = m->link;
}

typedef struct {
    cltsk_entry_fn fn;
    void *ctx;
    int32_t stopped;
} walk_state;

// One fls line: the name, its metadata and the stream (NTFS).
static TSK_WALK_RET_ENUM emit(walk_state *s, TSK_FS_FILE *f, const char *path, const TSK_FS_ATTR *attr) {
    cltsk_entry e;
    memset(&e, 0, sizeof(e));
    e.parent = path ? path : "";
    e.name = f->name->name;
    e.short_name = (f->name->shrt_name && f->name->shrt_name[0]) ? f->name->shrt_name : NULL;
    e.inum = f->name->meta_addr;
    e.name_type = type_letter(tsk_fs_name_type_str, TSK_FS_NAME_TYPE_STR_MAX, f->name->type);
    e.name_unalloc = (f->name->flags & TSK_FS_NAME_FLAG_UNALLOC) ? 1 : 0;
    if (attr) {
        e.has_attr = 1;
        e.attr_type = (uint32_t)attr->type;
        e.attr_id = attr->id;
        if (attr->name && (attr->type != TSK_FS_ATTR_TYPE_NTFS_IDXROOT || strcmp(attr->name, "$I30") != 0))
            e.stream = attr->name;
    }
    fill_meta(&e, f->meta, attr);
    if (s->fn(s->ctx, &e) != 0) { s->stopped = 1; return TSK_WALK_STOP; }
    return TSK_WALK_CONT;
}

static int is_dot(const char *n) {
    return n && n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0));
}

// fls 4.11's print_dent_act with -r -p (directories and files, no . and ..;
// NTFS: one record per $DATA and $INDEX_ROOT attribute).
static TSK_WALK_RET_ENUM dir_act(TSK_FS_FILE *f, const char *path, void *ptr) {
    walk_state *s = ptr;
    if (f->name == NULL) return TSK_WALK_CONT;
    if (TSK_FS_TYPE_ISNTFS(f->fs_info->ftype) && f->meta) {
        int printed = 0;
        int cnt = tsk_fs_file_attr_getsize(f);
        for (int i = 0; i < cnt; i++) {
            const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
            if (!a) continue;
            if (a->type == TSK_FS_ATTR_TYPE_NTFS_DATA) {
                printed = 1;
                if (f->meta->type == TSK_FS_META_TYPE_DIR && f->name->name[0] == '.' && f->name->name[1] &&
                    f->name->name[2] == 0)
                    continue;
                if (emit(s, f, path, a) == TSK_WALK_STOP) return TSK_WALK_STOP;
            } else if (a->type == TSK_FS_ATTR_TYPE_NTFS_IDXROOT) {
                printed = 1;
                if (!is_dot(f->name->name) && emit(s, f, path, a) == TSK_WALK_STOP) return TSK_WALK_STOP;
            }
        }
        if (!printed) return emit(s, f, path, NULL);
        return TSK_WALK_CONT;
    }
    if (is_dot(f->name->name)) return TSK_WALK_CONT;
    return emit(s, f, path, NULL);
}

int32_t cltsk_walk_dir(cltsk_fs *h, uint64_t dir, uint32_t flags, cltsk_entry_fn fn, void *ctx,
                       char *err, size_t errlen) {
    tsk_error_reset();
    walk_state s = {fn, ctx, 0};
    int f = 0;
    if (flags & CLTSK_WALK_ALLOC) f |= TSK_FS_DIR_WALK_FLAG_ALLOC;
    if (flags & CLTSK_WALK_UNALLOC) f |= TSK_FS_DIR_WALK_FLAG_UNALLOC;
    if (flags & CLTSK_WALK_RECURSE) f |= TSK_FS_DIR_WALK_FLAG_RECURSE;
    TSK_INUM_T start = dir == UINT64_MAX ? h->fs->root_inum : (TSK_INUM_T)dir;
    if (tsk_fs_dir_walk(h->fs, start, (TSK_FS_DIR_WALK_FLAG_ENUM)f, dir_act, &s)) {
        if (s.stopped) return 1;
        set_err(err, errlen, "directory walk failed");
        return -1;
    }
    return s.stopped ? 1 : 0;
}

int32_t cltsk_path_to_inum(cltsk_fs *h, const char *path, uint64_t *inum, char *err, size_t errlen) {
    tsk_error_reset();
    TSK_INUM_T r = 0;
    int8_t rc = tsk_fs_path2inum(h->fs, path, &r, NULL);
    if (rc < 0) { set_err(err, errlen, "path lookup failed"); return -1; }
    if (rc > 0) return 1;
    *inum = r;
    return 0;
}

int32_t cltsk_stat(cltsk_fs *h, uint64_t inum, cltsk_entry *out, char *err, size_t errlen) {
    tsk_error_reset();
    memset(out, 0, sizeof(*out));
    if (inum < h->fs->first_inum || inum > h->fs->last_inum) {
        snprintf(err, errlen, "inode %llu is outside %llu-%llu", (unsigned long long)inum,
                 (unsigned long long)h->fs->first_inum, (unsigned long long)h->fs->last_inum);
        return -1;
    }
    TSK_FS_FILE *f = tsk_fs_file_open_meta(h->fs, NULL, (TSK_INUM_T)inum);
    if (f == NULL) { set_err(err, errlen, "cannot open the inode"); return -1; }
    out->inum = inum;
    out->name_type = '-';
    fill_meta(out, f->meta, NULL);
    // Keep pointers valid past the close: the caller copies them at once, so
    // names from the metadata are not returned here (only the link, copied).
    out->link = NULL;
    tsk_fs_file_close(f);
    return 0;
}

typedef struct {
    cltsk_data_fn fn;
    void *ctx;
    int32_t stopped;
} data_state;

static TSK_WALK_RET_ENUM data_act(TSK_FS_FILE *f, TSK_OFF_T off, TSK_DADDR_T addr, char *buf, size_t len,
                                  TSK_FS_BLOCK_FLAG_ENUM flags, void *ptr) {
    (void)f;
    data_state *s = ptr;
    if (len == 0) return TSK_WALK_CONT;
    int raw = (flags & TSK_FS_BLOCK_FLAG_RAW) ? 1 : 0;
    int sparse = (flags & TSK_FS_BLOCK_FLAG_SPARSE) ? 1 : 0;
    int res = (flags & TSK_FS_BLOCK_FLAG_RES) ? 1 : 0;
    if (s->fn(s->ctx, (int64_t)off, (uint64_t)addr, buf, (uint64_t)len, raw, sparse, res) != 0) {
        s->stopped = 1;
        return TSK_WALK_STOP;
    }
    return TSK_WALK_CONT;
}

int32_t cltsk_read_file(cltsk_fs *h, uint64_t inum, int32_t attr_type, int32_t attr_id, uint32_t flags,
                        cltsk_data_fn fn, void *ctx, char *err, size_t errlen) {
    tsk_error_reset();
    if (inum < h->fs->first_inum || inum > h->fs->last_inum) {
        snprintf(err, errlen, "inode %llu is outside %llu-%llu", (unsigned long long)inum,
                 (unsigned long long)h->fs->first_inum, (unsigned long long)h->fs->last_inum);
        return -1;
    }
    TSK_FS_FILE *f = tsk_fs_file_open_meta(h->fs, NULL, (TSK_INUM_T)inum);
    if (f == NULL) { set_err(err, errlen, "cannot open the inode"); return -1; }
    int wf = 0;
    if (flags & CLTSK_READ_SLACK) wf |= TSK_FS_FILE_WALK_FLAG_SLACK;
    if (flags & CLTSK_READ_NOSPARSE) wf |= TSK_FS_FILE_WALK_FLAG_NOSPARSE;
    if (flags & CLTSK_READ_AONLY) wf |= TSK_FS_FILE_WALK_FLAG_AONLY;
    data_state s = {fn, ctx, 0};
    uint8_t rc;
    if (attr_type >= 0) {
        if (attr_id < 0) wf |= TSK_FS_FILE_WALK_FLAG_NOID;
        rc = tsk_fs_file_walk_type(f, (TSK_FS_ATTR_TYPE_ENUM)attr_type, attr_id < 0 ? 0 : (uint16_t)attr_id,
                                   (TSK_FS_FILE_WALK_FLAG_ENUM)wf, data_act, &s);
    } else {
        rc = tsk_fs_file_walk(f, (TSK_FS_FILE_WALK_FLAG_ENUM)wf, data_act, &s);
    }
    tsk_fs_file_close(f);
    if (rc && !s.stopped) { set_err(err, errlen, "cannot read the file's content"); return -1; }
    return s.stopped ? 1 : 0;
}

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

// Where an NTFS resident attribute's content lies: its MFT record through
// $MFT's runs, then the record's attribute headers (every field checked:
// the record is hostile). Bytes from the file system's start, or -1.
static int64_t ntfs_resident_offset(cltsk_fs *h, uint64_t inum, const TSK_FS_ATTR *a) {
    if (!TSK_FS_TYPE_ISNTFS(h->fs->ftype)) return -1;
    NTFS_INFO *ntfs = (NTFS_INFO *)h->fs;
    uint64_t rs = ntfs->mft_rsize_b, bs = h->fs->block_size;
    if (ntfs->mft_data == NULL || rs < 256 || rs > 65536 || bs == 0 || inum > (UINT64_C(1) << 40)) return -1;
    uint64_t off = inum * rs, blk = off / bs, last = (off + rs - 1) / bs;
    int64_t rec = -1;
    uint64_t n = 0;
    for (const TSK_FS_ATTR_RUN *run = ntfs->mft_data->nrd.run; run && n < (1u << 24); run = run->next, n++) {
        if (blk >= run->offset && last < run->offset + run->len) {
            if (run->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE | TSK_FS_ATTR_RUN_FLAG_FILLER)) return -1;
            if (run->addr > (UINT64_C(1) << 48)) return -1;
            rec = (int64_t)((run->addr + (blk - run->offset)) * bs + off % bs);
            break;
        }
    }
    if (rec < 0) return -1;
    uint8_t *buf = malloc(rs);
    if (buf == NULL) return -1;
    int64_t found = -1;
    if (tsk_fs_read(h->fs, rec, (char *)buf, rs) == (ssize_t)rs && memcmp(buf, "FILE", 4) == 0) {
        uint32_t p = le16(buf + 0x14);
        for (int guard = 0; guard < 512 && p + 0x18 <= rs; guard++) {
            uint32_t type = le32(buf + p), len = le32(buf + p + 4);
            if (type == 0xFFFFFFFF || len < 0x18 || len > rs - p) break;
            if (type == (uint32_t)a->type && le16(buf + p + 0x0E) == a->id && buf[p + 8] == 0) {
                uint32_t clen = le32(buf + p + 0x10), coff = le16(buf + p + 0x14);
                if (coff <= len && clen <= len - coff) found = rec + p + coff;
                break;
            }
            p += len;
        }
    }
    tsk_error_reset();
    free(buf);
    return found;
}

int32_t cltsk_runs(cltsk_fs *h, uint64_t inum, cltsk_run_fn fn, void *ctx, char *err, size_t errlen) {
    tsk_error_reset();
    if (inum < h->fs->first_inum || inum > h->fs->last_inum) {
        snprintf(err, errlen, "inode %llu is outside %llu-%llu", (unsigned long long)inum,
                 (unsigned long long)h->fs->first_inum, (unsigned long long)h->fs->last_inum);
        return -1;
    }
    TSK_FS_FILE *f = tsk_fs_file_open_meta(h->fs, NULL, (TSK_INUM_T)inum);
    if (f == NULL) { set_err(err, errlen, "cannot open the inode"); return -1; }
    int cnt = tsk_fs_file_attr_getsize(f);
    int32_t stopped = 0;
    for (int i = 0; i < cnt && !stopped; i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        if (!a) continue;
        cltsk_run r;
        memset(&r, 0, sizeof(r));
        r.attr_type = (uint32_t)a->type;
        r.attr_id = a->id;
        r.attr_name = a->name;
        r.attr_size = a->size;
        r.resident_offset = -1;
        if (a->flags & TSK_FS_ATTR_NONRES) {
            // A hostile run list may loop: at most 1<<24 runs per attribute.
            uint64_t n = 0;
            for (const TSK_FS_ATTR_RUN *run = a->nrd.run; run && n < (1u << 24); run = run->next, n++) {
                if (run->len == 0 && !(run->flags & TSK_FS_ATTR_RUN_FLAG_FILLER)) continue;
                r.offset = run->offset;
                r.addr = run->addr;
                r.len = run->len;
                r.sparse = (run->flags & TSK_FS_ATTR_RUN_FLAG_SPARSE) ? 1 : 0;
                r.filler = (run->flags & TSK_FS_ATTR_RUN_FLAG_FILLER) ? 1 : 0;
                r.resident = 0;
                if (fn(ctx, &r) != 0) { stopped = 1; break; }
            }
        } else if (a->flags & TSK_FS_ATTR_RES) {
            r.resident = 1;
            r.len = (uint64_t)a->size;
            r.resident_offset = ntfs_resident_offset(h, inum, a);
            if (fn(ctx, &r) != 0) stopped = 1;
        }
    }
    tsk_fs_file_close(f);
    return stopped;
}

typedef struct {
    cltsk_owner_fn fn;
    void *ctx;
    uint64_t inum;
    uint32_t type;
    uint16_t id;
    int32_t alloc;
    int32_t stopped;
} owner_state;

static TSK_WALK_RET_ENUM owner_block_act(TSK_FS_FILE *f, TSK_OFF_T off, TSK_DADDR_T addr, char *buf, size_t len,
                                         TSK_FS_BLOCK_FLAG_ENUM flags, void *ptr) {
    (void)f; (void)buf; (void)len;
    owner_state *s = ptr;
    if (flags & TSK_FS_BLOCK_FLAG_SPARSE) return TSK_WALK_CONT;  // not on disk (as ifind)
    if (s->fn(s->ctx, (uint64_t)addr, s->inum, s->type, s->id, (int64_t)off, s->alloc) != 0) {
        s->stopped = 1;
        return TSK_WALK_STOP;
    }
    return TSK_WALK_CONT;
}

// ifind -d's inode walk callback, reporting every block instead of one.
static TSK_WALK_RET_ENUM owner_inode_act(TSK_FS_FILE *f, void *ptr) {
    owner_state *s = ptr;
    s->inum = f->meta->addr;
    s->alloc = (f->meta->flags & TSK_FS_META_FLAG_ALLOC) ? 1 : 0;
    int cnt = tsk_fs_file_attr_getsize(f);
    for (int i = 0; i < cnt; i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        if (!a) continue;
        s->type = (uint32_t)a->type;
        s->id = a->id;
        if (a->flags & TSK_FS_ATTR_NONRES) {
            if (tsk_fs_attr_walk(a, (TSK_FS_FILE_WALK_FLAG_ENUM)(TSK_FS_FILE_WALK_FLAG_AONLY | TSK_FS_FILE_WALK_FLAG_SLACK),
                                 owner_block_act, s))
                tsk_error_reset();  // as ifind: an attribute that cannot be walked is skipped
            if (s->stopped) return TSK_WALK_STOP;
        }
    }
    return TSK_WALK_CONT;
}

int32_t cltsk_walk_owners(cltsk_fs *h, cltsk_owner_fn fn, void *ctx, char *err, size_t errlen) {
    tsk_error_reset();
    owner_state s;
    memset(&s, 0, sizeof(s));
    s.fn = fn;
    s.ctx = ctx;
    if (h->fs->inode_walk(h->fs, h->fs->first_inum, h->fs->last_inum,
                          (TSK_FS_META_FLAG_ENUM)(TSK_FS_META_FLAG_ALLOC | TSK_FS_META_FLAG_UNALLOC), owner_inode_act, &s)) {
        if (s.stopped) return 1;
        set_err(err, errlen, "inode walk failed");
        return -1;
    }
    return s.stopped ? 1 : 0;
}

int32_t cltsk_mft_record(cltsk_fs *h, uint64_t entry, uint32_t *flags, uint32_t *used, uint32_t *allocated,
                         char *err, size_t errlen) {
    tsk_error_reset();
    if (!TSK_FS_TYPE_ISNTFS(h->fs->ftype)) { snprintf(err, errlen, "not NTFS"); return -1; }
    NTFS_INFO *ntfs = (NTFS_INFO *)h->fs;
    uint32_t rs = ntfs->mft_rsize_b;
    if (rs < 256 || rs > 65536 || entry > h->fs->last_inum) { snprintf(err, errlen, "MFT entry %llu: out of range", (unsigned long long)entry); return -1; }
    char *buf = malloc(rs);
    if (buf == NULL) { snprintf(err, errlen, "out of memory"); return -1; }
    TSK_RETVAL_ENUM rc = ntfs_dinode_lookup(ntfs, buf, (TSK_INUM_T)entry);
    int32_t r = 1;
    if (rc == TSK_OK) {
        const uint8_t *b = (const uint8_t *)buf;
        *flags = le16(b + 0x16);
        *used = le32(b + 0x18);
        *allocated = le32(b + 0x1C);
        r = 0;
    } else if (rc == TSK_ERR) {
        set_err(err, errlen, "cannot read the MFT entry");
        r = -1;
    }
    tsk_error_reset();
    free(buf);
    return r;
}

int32_t cltsk_block_flags(cltsk_fs *h, uint64_t block) {
    tsk_error_reset();
    if (block > h->fs->last_block) return -1;
    TSK_FS_BLOCK_FLAG_ENUM fl = h->fs->block_getflags(h->fs, (TSK_DADDR_T)block);
    tsk_error_reset();
    int32_t r = 0;
    if (fl & TSK_FS_BLOCK_FLAG_ALLOC) r |= 1;
    if (fl & TSK_FS_BLOCK_FLAG_UNALLOC) r |= 2;
    if (fl & TSK_FS_BLOCK_FLAG_CONT) r |= 4;
    if (fl & TSK_FS_BLOCK_FLAG_META) r |= 8;
    return r;
}
