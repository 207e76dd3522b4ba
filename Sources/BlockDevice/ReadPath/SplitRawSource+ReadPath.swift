import LinuxAIO

extension SplitRawSource: ReadPathSource {
    var readConcurrency: Int { engine.slots }
    var partsEngineLabel: String { "\(engine.kind) ×\(engine.slots)" }

    /// The segment a read starts in and where in it: `disk.002 +0x1f000`
    /// (`…` when the read runs on into the next segment).
    func describe(offset: Int64, length: Int) -> String? {
        guard offset >= 0, offset < geometry.size else { return nil }
        let i = segmentIndex(containing: offset)
        let within = offset - starts[i]
        let crosses = i + 1 < starts.count && offset + Int64(length) > starts[i + 1]
        return SplitSet.lastComponent(segments[i].path) + " +0x" + String(within, radix: 16) + (crosses ? " …" : "")
    }
}

extension SplitRawSource: HoleMapSource {
    /// Each segment's data ranges, shifted to where the segment starts in
    /// the stream; nil when any segment's file system cannot say.
    func dataExtents() -> [Range<Int64>]? {
        var out: [Range<Int64>] = []
        for (file, start) in zip(segments, starts) {
            guard let e = HoleMap.extents(fd: file.fd, size: file.size) else { return nil }
            for r in e {
                let lo = start + r.lowerBound, hi = start + r.upperBound
                if let last = out.last, last.upperBound == lo { out[out.count - 1] = last.lowerBound..<hi } else { out.append(lo..<hi) }
            }
        }
        return out
    }
}
