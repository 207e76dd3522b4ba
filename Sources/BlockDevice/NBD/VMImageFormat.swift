internal import CLinuxAIO
import Glibc
import LinuxAIO

/// A virtual machine's disk image that qemu-nbd reads, recognised by its
/// magic (never by its extension).
struct VMImageFormat: Sendable, Equatable {
    /// qemu's driver name: `qcow2`, `qcow`, `vmdk`, `vhdx`, `vdi`, `vpc`, `qed`.
    let driver: String

    /// The format of the file open on `fd` (`size` bytes), or nil for
    /// anything else (raw images, devices, EWF).
    static func detect(fd: Int32, size: Int64) -> VMImageFormat? {
        guard let head = readBytes(fd: fd, at: 0, count: 512) else { return nil }
        func at(_ o: Int, _ s: String) -> Bool {
            let b = Array(s.utf8)
            return head.count >= o + b.count && Array(head[o..<(o + b.count)]) == b
        }
        if head.count >= 8, head[0..<4] == [0x51, 0x46, 0x49, 0xFB] {
            let version = UInt32(head[4]) << 24 | UInt32(head[5]) << 16 | UInt32(head[6]) << 8 | UInt32(head[7])
            return VMImageFormat(driver: version == 1 ? "qcow" : "qcow2")
        }
        if at(0, "KDMV") || at(0, "COWD") || at(0, "# Disk DescriptorFile") { return VMImageFormat(driver: "vmdk") }
        if at(0, "vhdxfile") { return VMImageFormat(driver: "vhdx") }
        if head.count >= 0x44, head[0x40..<0x44] == [0x7F, 0x10, 0xDA, 0xBE] { return VMImageFormat(driver: "vdi") }
        if at(0, "conectix") { return VMImageFormat(driver: "vpc") }
        if at(0, "QED\u{0}") { return VMImageFormat(driver: "qed") }
        // A fixed VHD is the raw disk followed by a 512-byte footer.
        if size >= 1024, size % 512 == 0, let foot = readBytes(fd: fd, at: size - 512, count: 512),
           foot.count >= 8, Array(foot[0..<8]) == Array("conectix".utf8) {
            return VMImageFormat(driver: "vpc")
        }
        return nil
    }

    /// `count` bytes at `offset` (aligned reads, for an O_DIRECT descriptor).
    static func readBytes(fd: Int32, at offset: Int64, count: Int) -> [UInt8]? {
        let a: Int64 = 4096
        let lo = offset / a * a
        let hi = (offset + Int64(count) + a - 1) / a * a
        let buf = AlignedBuffer(count: Int(hi - lo), alignment: 4096)
        guard case let .success(n) = Syscall.negated({ cla_pread2(fd, buf.baseAddress, UInt64(hi - lo), lo) }) else { return nil }
        let skip = Int(offset - lo)
        let got = max(0, min(Int(n) - skip, count))
        return Array(UnsafeRawBufferPointer(start: buf.baseAddress + skip, count: got))
    }

    /// The backing files behind the qcow2 image at `path`, nearest first (for
    /// the per-layer options of qemu-nbd and the session log's stamps),
    /// following the headers' backing names; nil when a header cannot be read
    /// or the chain is deeper than 64 (a loop).
    static func qcow2BackingChain(_ path: String) -> [String]? {
        var current = path
        var chain: [String] = []
        for depth in 0...64 {
            if depth > 0 { chain.append(current) }
            let fd = Glibc.open(current, O_RDONLY | O_CLOEXEC | cla_O_NOATIME)
            let f = fd >= 0 ? fd : Glibc.open(current, O_RDONLY | O_CLOEXEC)
            guard f >= 0 else { return depth == 0 ? nil : chain }
            defer { Glibc.close(f) }
            guard let h = readBytes(fd: f, at: 0, count: 20), h.count == 20, h[0..<4] == [0x51, 0x46, 0x49, 0xFB] else {
                return chain  // a raw or other-format backing file ends the qcow2 chain
            }
            let off = h[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let len = h[16..<20].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard off != 0, len > 0 else { return chain }
            guard len <= 1023, off < UInt64(Int64.max), let nameBytes = readBytes(fd: f, at: Int64(off), count: Int(len)),
                  nameBytes.count == Int(len) else { return nil }
            let name = String(decoding: nameBytes, as: UTF8.self)
            if name.hasPrefix("/") {
                current = name
            } else if let slash = current.lastIndex(of: "/") {
                current = String(current[...slash]) + name
            } else {
                current = name
            }
        }
        return nil
    }

    /// qemu-nbd's command line: read-only, this format, on the socket libnbd
    /// passes (socket activation). Under `forensic`, image locking is off on
    /// the image and every qcow2 backing file (QEMU takes OFD locks on each
    /// layer otherwise), so that nothing is locked or changed.
    func qemuNBDArguments(qemuNBD: String, path: String, forensic: Bool, backingDepth depth: Int) -> [String] {
        var argv = [qemuNBD, "--read-only"]
        if forensic {
            // Image options are comma-separated: a comma in the path is doubled.
            let escaped = path.replacingOccurrences(of: ",", with: ",,")
            var opts = "driver=\(driver),read-only=on,file.driver=file,file.filename=\(escaped),file.locking=off"
            var prefix = ""
            for _ in 0..<depth {
                prefix += "backing."
                opts += ",\(prefix)file.locking=off"
            }
            argv += ["--image-opts", opts]
        } else {
            argv += ["--format=\(driver)", path]
        }
        return argv
    }
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}
