import BlockDevice
import Foundation
import Inspector
import LinuxAIO

/// The deterministic stream the fixture logs were made from (dc3dd,
/// ewfacquire over 1 MiB of it): byte i = (i * 131 + i >> 9) & 0xff.
enum Pattern {
    static func bytes(_ count: Int = 1 << 20) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ ($0 >> 9)) }
    }

    static let md5 = "7c6eb1ea517fba622ddc6f6e6432d6cf"
    static let sha1 = "d02bbcfbf6f5b486d2b9d559a9b0d3dd12310779"
    static let sha256 = "2a6b4854585f2c8a34645587463ad01f38d5d372fe0e58ef20978eb3d992712b"
}

enum Fixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func text(_ name: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
        return VerificationLog.decode(Array(data))
    }
}

/// A source whose reads fail in `bad` (EIO) and otherwise serve `data`; for
/// read-error paths that no real disk here can produce on demand.
final class FaultySource: BlockSource {
    let path = "faulty"
    let kind = SourceKind.regularFile
    let geometry: Geometry
    let engine: any IOEngine = ThreadPoolEngine(slots: 4)
    let data: [UInt8]
    let bad: Range<Int64>

    init(data: [UInt8], bad: Range<Int64>) {
        self.data = data
        self.bad = bad
        geometry = Geometry(size: Int64(data.count), logicalSectorSize: 512, physicalSectorSize: 512,
                            alignment: DirectIOAlignment(memory: 512, offset: 512))
    }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        let end = min(Int64(data.count), offset + Int64(length))
        if bad.overlaps(offset..<end) {
            throw IOError(operation: .read, fd: -1, path: path, offset: offset, length: length, errno: .EIO, hint: nil)
        }
        let n = Int(max(0, end - offset))
        data.withUnsafeBytes { buffer.baseAddress.copyMemory(from: $0.baseAddress! + Int(offset), byteCount: n) }
        return n
    }

    func close() async { await engine.shutdown() }
}
