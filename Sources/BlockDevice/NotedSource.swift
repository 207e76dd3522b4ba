import LinuxAIO

/// A source with a remark about what was opened — a later segment of a split
/// raw set opened alone — shown by `info` (``BlockSource/openNote``) and by
/// the viewer at start (it leads ``engineNote``). Everything else is the
/// wrapped source's.
final class NotedSource: BlockSource {
    let inner: any BlockSource
    let openNote: String?

    init(_ inner: any BlockSource, note: String) {
        self.inner = inner
        openNote = note
    }

    var path: String { inner.path }
    var kind: SourceKind { inner.kind }
    var geometry: Geometry { inner.geometry }
    var engine: any IOEngine { inner.engine }
    var engineNote: String? { [openNote, inner.engineNote].compactMap { $0 }.joined(separator: "; ") }
    var files: [String] { inner.files }
    var evidence: EvidenceMetadata? { inner.evidence }
    var segmentLayout: [SegmentExtent] { inner.segmentLayout }
    var containerDefects: [String] { inner.containerDefects }

    func read(at offset: Int64, into buffer: AlignedBuffer, length: Int) async throws -> Int {
        try await inner.read(at: offset, into: buffer, length: length)
    }

    func warmReads() -> WarmReads? { inner.warmReads() }

    func close() async { await inner.close() }
}
