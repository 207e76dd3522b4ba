// Building disk images in a scratch directory: splicing file systems in.
import Foundation
import DiskFormats
import TestSupport

extension Scratch {
    /// Copies the non-zero MiB chunks of `source` into `image` at byte `offset` (keeps the image sparse).
    func splice(_ source: String, into image: String, at offset: Int64) throws {
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: source))
        let output = try FileHandle(forUpdating: URL(fileURLWithPath: image))
        defer { try? input.close(); try? output.close() }
        var position: Int64 = 0
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
            if chunk.contains(where: { $0 != 0 }) {
                try output.seek(toOffset: UInt64(offset + position))
                try output.write(contentsOf: chunk)
            }
            position += Int64(chunk.count)
        }
    }

    /// Makes a file system of `bytes` with `command` (the file's path is appended)
    /// and splices it into `image` at `offset`.
    func makeFilesystem(_ command: [String], bytes: Int64, into image: String, at offset: Int64) throws {
        let part = try sparse("part-\(offset)", bytes: bytes)
        try Subprocess.checked(command[0], Array(command.dropFirst()) + [part])
        try splice(part, into: image, at: offset)
        try FileManager.default.removeItem(atPath: part)
    }
}

/// An image file read with pread: the tests' ByteSource.
final class FileSource: ByteSource {
    let fd: Int32
    let size: Int64

    init(_ path: String) {
        fd = open(path, O_RDONLY)
        size = fd >= 0 ? Int64(lseek(fd, 0, SEEK_END)) : 0
    }

    deinit { if fd >= 0 { close(fd) } }

    func bytes(at offset: Int64, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        return n == count ? buffer : nil
    }
}
