import Foundation
import Inspector
import LinuxAIO
import Testing

/// A state and snapshot built from bytes in memory: the renderer is a pure
/// function of the two, so a whole screen can be compared with golden text.
enum Fixture {
    static func summary(size: Int64 = 1 << 20, access: AccessMode = .readOnly) -> SourceSummary {
        SourceSummary(path: "/var/tmp/disk.img", size: size, sectorSize: 512, kind: "image file",
                      engine: "aio ×32", access: access)
    }

    /// Deterministic bytes with every class: NUL runs, text, whitespace, high bytes.
    static func bytes(_ n: Int) -> [UInt8] {
        let text = Array("blkview: MSWIN4.1 \t\r\n".utf8)
        return (0..<n).map { i in
            switch (i / 64) % 4 {
            case 0: return 0
            case 1: return text[i % text.count]
            case 2: return UInt8(truncatingIfNeeded: i &* 37)
            default: return UInt8(0x80 + i % 0x80)
            }
        }
    }

    static func snapshot(_ s: ViewerState, bytes: [UInt8], pendingFrom: Int64? = nil,
                         unreadable: Range<Int64>? = nil, io: IOStatistics? = nil) -> FrameSnapshot {
        let cells: [ByteCell] = s.visibleRange.map { off in
            if let u = unreadable, u.contains(off) { return .unreadable }
            if let p = pendingFrom, off >= p { return .pending }
            return off < bytes.count ? .byte(bytes[Int(off)]) : .pastEnd
        }
        return FrameSnapshot(cells: cells, io: io)
    }
}

/// Compares a screen with `Golden/NAME.txt`; `BLKVIEW_UPDATE_GOLDEN=1` rewrites it.
func expectGolden(_ screen: ScreenBuffer, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name).txt")
    let text = screen.text + "\n"
    if ProcessInfo.processInfo.environment["BLKVIEW_UPDATE_GOLDEN"] != nil {
        try text.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let golden = try String(contentsOf: url, encoding: .utf8)
    #expect(text == golden, "screen differs from Golden/\(name).txt:\n\(text)", sourceLocation: sourceLocation)
}
