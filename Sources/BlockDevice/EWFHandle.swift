internal import CLibEWF

/// A libewf handle. libewf handles are not thread-safe: after `open`, every
/// call runs on the owning `EWFSource`'s worker thread (a one-thread `WorkerPool`), one at a time.
///
/// `@unchecked Sendable`: no lock; access is serialized by confinement to the
/// worker thread (and to the opening thread before the source exists).
final class EWFHandle: @unchecked Sendable {
    private var handle: OpaquePointer?

    private init(_ handle: OpaquePointer) { self.handle = handle }

    /// Globs the set and opens it read-only; libewf's message on failure.
    static func open(_ path: String) -> Result<EWFHandle, EWFFailure> {
        var err = [CChar](repeating: 0, count: 1024)
        var fdLimit: Int32 = 0
        guard let h = clewf_open(path, &err, err.count, &fdLimit) else {
            return .failure(EWFFailure(err, fdLimit: fdLimit != 0))
        }
        return .success(EWFHandle(h))
    }

    var segmentPaths: [String] {
        guard let handle else { return [] }
        return (0..<clewf_segment_count(handle)).compactMap { i in
            clewf_segment_path(handle, i).map { String(cString: $0) }
        }
    }

    func mediaSize() -> Result<Int64, EWFFailure> {
        call { h, err, n in clewf_media_size(h, err, n) }
    }

    /// The header's sector count, unsigned as it is stored.
    func sectorCount() -> Result<UInt64, EWFFailure> {
        guard let handle else { return .failure(EWFFailure("the EWF handle is closed")) }
        var err = [CChar](repeating: 0, count: 1024)
        var n: UInt64 = 0
        let r = err.withUnsafeMutableBufferPointer { clewf_sector_count(handle, &n, $0.baseAddress!, $0.count) }
        return r < 0 ? .failure(EWFFailure(err)) : .success(n)
    }

    func bytesPerSector() -> Result<Int64, EWFFailure> {
        call { h, err, n in clewf_bytes_per_sector(h, err, n) }
    }

    /// Bytes per chunk: the unit libewf decompresses.
    func chunkSize() -> Result<Int64, EWFFailure> {
        call { h, err, n in clewf_chunk_size(h, err, n) }
    }

    /// libewf_handle_read_random into `buffer`.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) -> Result<Int64, EWFFailure> {
        call { h, err, n in clewf_read(h, buffer, UInt64(count), offset, err, n) }
    }

    func hashValue(_ name: String) -> String? {
        value { h, out, n in clewf_hash_value(h, name, out, n) }
    }

    func headerValue(_ name: String) -> String? {
        value { h, out, n in clewf_header_value(h, name, out, n) }
    }

    func close() {
        if let handle { clewf_close(handle) }
        handle = nil
    }

    deinit { close() }

    private func call(_ body: (OpaquePointer, UnsafeMutablePointer<CChar>, Int) -> Int64) -> Result<Int64, EWFFailure> {
        guard let handle else { return .failure(EWFFailure("the EWF handle is closed")) }
        var err = [CChar](repeating: 0, count: 1024)
        let r = err.withUnsafeMutableBufferPointer { body(handle, $0.baseAddress!, $0.count) }
        return r < 0 ? .failure(EWFFailure(err)) : .success(r)
    }

    private func value(_ body: (OpaquePointer, UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
        guard let handle else { return nil }
        var out = [CChar](repeating: 0, count: 4096)
        let r = out.withUnsafeMutableBufferPointer { body(handle, $0.baseAddress!, $0.count) }
        guard r == 1 else { return nil }
        let s = String(cStringBuffer: out)
        return s.isEmpty ? nil : s
    }
}

/// libewf's error message.
struct EWFFailure: Error, Sendable {
    let message: String
    /// More segments than the process may hold open: not a bad set.
    var fdLimit = false
    init(_ message: String) { self.message = message }
    init(_ buffer: [CChar], fdLimit: Bool = false) {
        let s = String(cStringBuffer: buffer)
        message = s.isEmpty ? "libewf failed" : s
        self.fdLimit = fdLimit
    }
}

extension String {
    /// The NUL-terminated text in a C buffer (the whole buffer if it has no NUL).
    init(cStringBuffer buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
