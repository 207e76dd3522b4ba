// Which file system starts at a given offset: tries every parser in turn.

/// Probes the superblocks and boot sectors DiskFormats knows.
public enum FileSystemProbe {
    /// The file system starting at byte `offset`, or `nil` when none is recognised.
    ///
    /// `length` bounds the area (a partition's size); `nil` means up to the end
    /// of the device. Reads the first 64 KiB + 4 KiB of the area and, for FAT,
    /// exFAT and NTFS, the sectors holding the label.
    public static func probe(_ source: any ByteSource, at offset: Int64, length: Int64? = nil) -> FileSystemInfo? {
        var reader = Reader(source)
        return probe(&reader, at: offset, length: length)
    }

    static func probe(_ r: inout Reader, at offset: Int64, length: Int64?) -> FileSystemInfo? {
        // The parsers add small constants (≤ 1 MiB) to `offset`: keep it far from overflow.
        guard offset >= 0, offset < r.size, offset < Int64.max / 2 else { return nil }
        let limit = min(length ?? .max, r.size - offset)
        guard limit > 0 else { return nil }
        // Order matters where structures can coexist: the ones at offset 0 with
        // a strong magic first, boot-sector file systems before plain FAT, and
        // ISO 9660 (whose 32 KiB system area may hold anything) last.
        if let fs = LUKSProbe.probe(&r, at: offset, limit: limit) { return fs }
        if let fs = XFSProbe.probe(&r, at: offset, limit: limit) { return fs }
        if let fs = ExtProbe.probe(&r, at: offset, limit: limit) { return fs }
        if let fs = BtrfsProbe.probe(&r, at: offset, limit: limit) { return fs }
        if let fs = NTFSProbe.probe(&r, at: offset, limit: limit) { return fs }
        if let fs = ExFATProbe.probe(&r, at: offset, limit: limit) { return fs }
        if let fs = FATProbe.probe(&r, at: offset, limit: limit) { return fs }
        if let fs = SwapProbe.probe(&r, at: offset, limit: limit) { return fs }
        if let fs = ISO9660Probe.probe(&r, at: offset, limit: limit) { return fs }
        return nil
    }
}
