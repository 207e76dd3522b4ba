internal import CLinuxAIO

/// What O_DIRECT requires of buffers, offsets and lengths on one file.
public struct DirectIOAlignment: Sendable, Equatable, CustomStringConvertible {
    /// Required alignment of the buffer's address.
    public var memory: Int
    /// Required alignment of file offsets and lengths.
    public var offset: Int

    public init(memory: Int, offset: Int) {
        self.memory = memory
        self.offset = offset
    }

    /// When nothing better is known: safe for every device of the last decade.
    public static let conservative = DirectIOAlignment(memory: 4096, offset: 4096)

    /// Asks the kernel: `statx(STATX_DIOALIGN)` first (Linux 6.1+), then the
    /// block device's logical sector size (`BLKSSZGET`). Nil when neither says.
    public static func query(fd: Int32) -> DirectIOAlignment? {
        var mem: UInt32 = 0
        var off: UInt32 = 0
        if case .success = Syscall.negated({ cla_statx_dioalign(fd, &mem, &off) }), mem > 0, off > 0 {
            return DirectIOAlignment(memory: Int(mem), offset: Int(off))
        }
        var lss: UInt32 = 0
        if case .success = Syscall.negated({ cla_blk_logical_sector_size(fd, &lss) }), lss > 0 {
            return DirectIOAlignment(memory: Int(lss), offset: Int(lss))
        }
        return nil
    }

    public func isAligned(offset off: Int64, length: Int, address: UnsafeRawPointer?) -> Bool {
        let addr = Int(bitPattern: address)
        return off % Int64(offset) == 0 && length % offset == 0 && addr % memory == 0
    }

    public var description: String {
        memory == offset ? "\(offset)-byte" : "\(offset)-byte offsets/lengths, \(memory)-byte memory"
    }
}

/// Open flags Swift cannot see from Glibc (they sit behind _GNU_SOURCE).
public enum DirectIO {
    /// `O_DIRECT`: bypass the page cache; buffers, offsets and lengths aligned.
    public static let flag: Int32 = cla_O_DIRECT
    /// `O_NOATIME`: do not update the access time (owner or CAP_FOWNER only; EPERM otherwise).
    public static let noAtimeFlag: Int32 = cla_O_NOATIME
}
