/// # FileSystems — files in evidence, through The Sleuth Kit, in a worker process
///
/// What it answers: which files a file system holds (`fls`), a file's bytes
/// (`icat`), where a file lives (its runs) and which file owns a byte
/// (`ifind -d` + `istat`), for NTFS, FAT12/16/32, exFAT, ext2/3/4, ISO 9660,
/// HFS+ and UFS — whatever libtsk 4.11 detects.
///
/// ## Isolation
/// libtsk runs in a **worker process**: `blkview __fs-worker` (the same
/// executable) opens the media read-only itself (raw, split, E01: every read
/// goes through its `MediaReader`, so libtsk's reads are the read path's,
/// prioritised and counted) and answers requests on a pipe. A crash, a hang
/// or a runaway allocation inside libtsk kills only the worker: the caller
/// gets a one-line `FileSystemError`, its session log and screen survive, and
/// the next request starts a fresh worker. Each request has an idle timeout
/// (no answer for `FSLimits.idleTimeout`: the worker is killed) and walks
/// stop at `FSLimits.maxEntries` / `maxBlocks`; cancelling the calling task
/// kills the worker.
///
/// ## API (all of it is `async`, one request at a time per session)
/// ```
/// let fs = try await FileSystemSession.open(FileSystemSpec(media: path, offset: partitionStart))
/// fs.info                                   // FSInfo: type, block size/count, inode range, offset
/// try await fs.list(recursive: true) { batch in … }   // [FSEntry] batches, fls -r -p order
/// try await fs.entries(of: .root)           // one directory as an array
/// try await fs.lookup(path: "docs/a.txt")   // FSEntry? (tsk_fs_path2inum + stat)
/// try await fs.stat(inode: 65)              // FSEntry of the metadata (istat's facts)
/// try await fs.runs(inode: 65)              // [FSRun]: block ranges, sparse, resident
/// try await fs.read(inode: 65, options: FSReadOptions(slack: true)) { chunk in … }  // icat
/// let map = try await fs.ownerMap()         // FSOwnerMap: block → owner (ifind -d order)
/// map.owner(ofMediaOffset: o)               // FSOwnerHit? (inode, attribute, offset in file)
/// try await fs.owner(ofBlock: b)            // FSOwnerExtent?: one ifind -d while a map builds
/// try await fs.blockStatus(of: [block])     // allocated / metadata (for bytes no file owns)
/// await fs.close()
/// ```
/// Offsets in `FSOwnerMap` and `FSRun` are in blocks of `info.blockSize`
/// from the start of the file system (`info.offset` bytes into the media);
/// `FSInfo.mediaOffset(block:)` converts, with overflow checked.
///
/// Every value that comes from the media (sizes, block numbers, names) is
/// hostile: the worker checks them, the client parses them with limits.
public enum FileSystems {}
