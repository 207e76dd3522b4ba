import BlockDevice
import Inspector
import LinuxAIO
import TestSupport
import Testing

/// `ChunkReader.keepPrevious` on a real file read with O_DIRECT: the chunk
/// handed out before the latest keeps its bytes while the reads go on into
/// the other buffers (what the map's pipelined tally relies on).
@Suite("ChunkReader: chunks kept valid after the next call")
struct ChunkReaderKeepTests {
    @Test("keepPrevious 1: every chunk still holds its own bytes after the next one is taken")
    func previousStaysIntact() async throws {
        let dir = try Scratch()
        let chunk = 64 << 10
        let bytes = try dir.writeRandom("media.img", count: 96 * chunk, seed: 11)  // every chunk different
        let reader = MediaReader(try BlockSources.open(path: dir.file("media.img"),
                                                       options: BlockSourceOptions(engine: .auto, slots: 8)))
        let chunks = ChunkReader(reader: reader, ranges: [0..<Int64(bytes.count)], chunk: chunk, depth: 2)
        chunks.readAhead = 0  // the smallest ring: a buffer given back is refilled at once
        chunks.keepPrevious = 1
        var previous: (offset: Int64, bytes: UnsafeRawBufferPointer)?
        var bad: [Int64] = []
        var seen = 0
        while let c = try await chunks.next() {
            if let p = previous {
                // Let the reads started by this call land in whatever buffers they were given.
                try await Task.sleep(for: .milliseconds(1))
                let start = Int(p.offset)
                if !p.bytes.elementsEqual(bytes[start..<(start + p.bytes.count)]) { bad.append(p.offset) }
            }
            let start = Int(c.offset)
            if !c.bytes.elementsEqual(bytes[start..<(start + c.bytes.count)]) { bad.append(c.offset) }
            previous = (c.offset, c.bytes)
            seen += c.bytes.count
        }
        await chunks.finish()
        await reader.close()
        #expect(seen == bytes.count)
        #expect(bad.isEmpty, "chunks whose bytes changed after the next call: \(bad.prefix(5))")
    }
}
