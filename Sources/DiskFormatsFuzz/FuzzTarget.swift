// What one fuzz input exercises: every DiskFormats parser, through the public API.
import DiskFormats

/// Runs one input through the parsers. The first byte picks how the rest
/// becomes a device, so that small inputs still reach structures at large
/// offsets (the Btrfs superblock at 64 KiB, a GPT array far away) and huge
/// declared sizes.
enum FuzzTarget {
    static func run(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let payload = Array(input.dropFirst())
        switch mode % 4 {
        case 0:
            // The payload is the whole device.
            let source = PrefetchedBytes(image: payload)
            exercise(DiskProbe.probe(source))
            exercise(DiskProbe.probe(source, logicalSectorSize: 4096))
            scanAndCheck(source, DiskProbe.probe(source))
        case 1:
            // The payload, repeated, fills a device of a declared (possibly huge) size.
            guard payload.count > 8 else { return }
            var size: UInt64 = 0
            for b in payload[0..<8].reversed() { size = size << 8 | UInt64(b) }
            let source = TiledSource(tile: Array(payload[8...]), size: Int64(size & 0x7FFF_FFFF_FFFF_FFFF))
            exercise(DiskProbe.probe(source))
            scanAndCheck(source, DiskProbe.probe(source))
        case 2:
            // The payload placed at a structure's offset in an otherwise zero device.
            guard let pick = payload.first else { return }
            let offsets: [Int64] = [0, 512, 1024, 4096, 32768, 65536, 1 << 20]
            let at = offsets[Int(pick) % offsets.count]
            var source = PrefetchedBytes(size: at + Int64(payload.count - 1) + 4096)
            source.add([UInt8](repeating: 0, count: Int(source.size)), at: 0)
            source.add(Array(payload.dropFirst()), at: at)
            exercise(DiskProbe.probe(source))
            _ = FileSystemProbe.probe(source, at: 0)
            scanAndCheck(source, DiskProbe.probe(source), at: at)
        default:
            // Only part of the device pre-read: exercises the missing-range path.
            var source = PrefetchedBytes(size: Int64(payload.count) * 3)
            source.add(payload, at: 0)
            let layout = DiskProbe.probe(source)
            exercise(layout)
            for range in layout.missingRanges.prefix(4) where range.length <= 1 << 16 {
                source.add([UInt8](repeating: 0xA5, count: Int(range.length)), at: range.offset)
            }
            exercise(DiskProbe.probe(source))
        }
    }

    /// The checksum catalog (specs, evaluation, the fixes of an edit) and the
    /// lost-partition scan (examine, resolve, the sfdisk script) on the same device.
    static func scanAndCheck(_ source: any ByteSource, _ layout: DiskLayout, at: Int64 = 0) {
        let specs = Array(ChecksumCatalog.specs(for: layout, in: source).specs.prefix(16))
        for spec in specs { _ = spec.evaluate(source) }
        var patches: [Int64: UInt8] = [0: 1, 512 + 100: 0x41, 1024 + 0x78: 0x41]
        patches[at] = 0xFF
        _ = ChecksumCatalog.impacts(specs, original: source, patches: patches)
        var found: [ScanCandidate] = []
        for o in Array(ScanOffsets(size: min(source.size, 16 << 20)).prefix(16)) + [at, at + 512] {
            if let c = PartitionScan.examine(source, at: o).candidate { found.append(c) }
        }
        let parts = PartitionScan.partitions(PartitionScan.resolve(found))
        _ = PartitionScan.sfdiskScript(parts, size: source.size, sectorSize: layout.sectorSize, gpt: false, source: "fuzz")
        _ = PartitionScan.gptRemnants(source)
    }

    /// Touches the derived API so its code runs under the sanitizers too.
    static func exercise(_ layout: DiskLayout) {
        for region in layout.regions.prefix(64) {
            _ = layout.describe(region.offset)
            _ = layout.describe(region.offset.addingReportingOverflow(region.length / 2).partialValue)
        }
        _ = layout.partition(1)
        // What consumers do with a partition: its bytes (checked) and the saturating range.
        for p in layout.partitions.prefix(64) {
            if let r = p.byteRange(sectorSize: layout.sectorSize) { _ = layout.describe(r.lowerBound) }
            _ = layout.byteRange(of: p).end
            _ = p.filesystem?.size
        }
    }
}
