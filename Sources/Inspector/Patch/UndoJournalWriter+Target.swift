import BlockDevice
import Foundation
import Glibc

extension UndoJournalWriter {
    /// Creates the undo journal for `target` at `explicitPath` (`--journal`)
    /// or a new file in the default directory, after checking that the place
    /// is not the target, not on the device being patched, and (unless named
    /// by the user) not the image's own directory. The header names the
    /// target by absolute path, size and the SHA-256 of its first block as it
    /// is now, and is durable before this returns.
    public static func create(for target: WritableMedia, explicitPath: String?) async throws -> UndoJournalWriter {
        let path = try explicitPath ?? JournalLocation.defaultPath(for: target.path)
        try JournalLocation.check(journal: path, target: target.path, explicit: explicitPath != nil)
        var st = stat()
        _ = stat(target.path, &st)
        let isBlock = st.st_mode & S_IFMT == S_IFBLK
        var header = try await target.journalHeader(device: UInt64(isBlock ? st.st_rdev : st.st_dev),
                                                    inode: UInt64(st.st_ino), created: Int64(Date().timeIntervalSince1970))
        // Absolute: undo may run from another directory.
        header.path = URL(fileURLWithPath: target.path).standardizedFileURL.path
        return try await create(at: path, header: header)
    }
}
