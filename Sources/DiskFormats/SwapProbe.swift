// Linux swap: header in the first page, signature in its last 10 bytes.

/// Linux swap areas (v1 "SWAPSPACE2", and the old v0 "SWAP-SPACE").
enum SwapProbe {
    static let pageSizes: [Int] = [4096, 8192, 16384, 65536]

    static func probe(_ r: inout Reader, at base: Int64, limit: Int64) -> FileSystemInfo? {
        for page in pageSizes where limit >= Int64(page) {
            guard let sig = r.read(base + Int64(page) - 10, 10) else { continue }
            if sig.matches(0, "SWAP-SPACE") {
                return FileSystemInfo(type: "swap", version: "0", blockSize: Int64(page), offset: base)
            }
            guard sig.matches(0, "SWAPSPACE2"), let b = r.read(base + 1024, 512) else { continue }
            // The header is in the writer's byte order: version 1 tells which.
            let bigEndian = b.u32le(0) != 1 && b.u32be(0) == 1
            let version = bigEndian ? b.u32be(0) : b.u32le(0)
            let lastPage = bigEndian ? b.u32be(4) : b.u32le(4)
            let uuid = uuidString(b.slice(12, 16))
            let label = b.ascii(28, 16)
            var reg = RegionBuilder("swap header", base: base + 1024, bytes: b)
            reg.add("version", 0, 4, String(version))
            reg.add("last_page", 4, 4, String(lastPage))
            reg.add("nr_badpages", 8, 4, String(bigEndian ? b.u32be(8) : b.u32le(8)))
            reg.add("uuid", 12, 16, uuid)
            reg.text("volume_name", 28, 16)
            var sigReg = RegionBuilder("swap signature", base: base + Int64(page) - 10, bytes: sig)
            sigReg.text("magic", 0, 10)
            return FileSystemInfo(
                type: "swap", version: String(version), label: nonEmpty(label),
                uuid: uuid == "00000000-0000-0000-0000-000000000000" ? nil : uuid,
                blockSize: Int64(page),
                size: (Int64(lastPage) + 1) * Int64(page),
                offset: base, regions: [reg.build(length: 44), sigReg.build(length: 10)])
        }
        return nil
    }
}
