/// Reads frames from the worker's pipe (on the request's reader thread),
/// waiting at most `idleMilliseconds` for each read.
struct FrameInput {
    enum Event {
        case frame(Wire.Kind, UnsafeRawBufferPointer)
        case end
        case idle
    }

    let fd: Int32
    let idleMilliseconds: Int32
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0

    init(fd: Int32, idleMilliseconds: Int32) {
        self.fd = fd
        self.idleMilliseconds = idleMilliseconds
        buffer = [UInt8](repeating: 0, count: 1 << 18)
    }

    /// Calls `body` with the next frame (valid only during the call).
    mutating func next<R>(_ body: (Event) throws -> R) throws -> R {
        while true {
            let have = end - start
            if have >= 5 {
                let kindByte = buffer[start]
                let n = Int(buffer[start + 1]) | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3]) << 16 | Int(buffer[start + 4]) << 24
                guard let kind = Wire.Kind(rawValue: kindByte) else { throw FileSystemError.protocolError("unknown frame kind \(kindByte)") }
                guard n <= Wire.maxFrame else { throw FileSystemError.protocolError("a \(n)-byte frame") }
                if have >= 5 + n {
                    let s = start + 5
                    start += 5 + n
                    return try buffer.withUnsafeBytes { p in
                        try body(.frame(kind, UnsafeRawBufferPointer(rebasing: p[s..<(s + n)])))
                    }
                }
                if 5 + n > buffer.count { buffer += [UInt8](repeating: 0, count: 5 + n - buffer.count) }
            }
            // Make room: move the partial frame to the front.
            if start > 0 {
                buffer.withUnsafeMutableBytes { p in
                    p.baseAddress!.copyMemory(from: p.baseAddress! + start, byteCount: end - start)
                }
                end -= start
                start = 0
            }
            guard Syscall.waitReadable(fd, milliseconds: idleMilliseconds) else { return try body(.idle) }
            let r = buffer.withUnsafeMutableBytes { p in Syscall.read(fd, p.baseAddress! + end, p.count - end) }
            switch r {
            case let .success(n) where n > 0: end += n
            default: return try body(.end)
            }
        }
    }
}
