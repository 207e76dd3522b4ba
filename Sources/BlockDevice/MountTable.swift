import Foundation

/// Who uses a block device: mounts (`/proc/self/mountinfo`, by major:minor)
/// and swap (`/proc/swaps`), of the device itself, its partitions, and the
/// devices stacked on it (`holders`: device-mapper, md, …), recursively.
enum MountTable {
    /// "/dev/loop0p1 on /mnt" style descriptions; empty when nothing uses it.
    static func users(of device: DeviceNumber) -> [String] {
        let related = relatedDevices(device)
        var users: [String] = []
        if let info = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) {
            for line in info.split(separator: "\n") {
                // id parent major:minor root mount-point options … - fstype source superopts
                let f = line.split(separator: " ")
                guard f.count > 4, let dev = DeviceNumber(f[2]), related[dev] != nil else { continue }
                users.append("\(related[dev]!) mounted on \(unescape(f[4]))")
            }
        }
        if let swaps = try? String(contentsOfFile: "/proc/swaps", encoding: .utf8) {
            for line in swaps.split(separator: "\n").dropFirst() {
                guard let name = line.split(separator: " ").first else { continue }
                var st = stat()
                let path = unescape(name)
                if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFBLK,
                   let n = related[DeviceNumber(UInt64(st.st_rdev))] {
                    users.append("\(n) used as swap")
                }
            }
        }
        return users
    }

    /// Who uses the loop devices whose backing file is the file `identity`
    /// names: writing the image under a mounted loop device corrupts the mount.
    static func users(ofImage identity: FileIdentity) -> [String] {
        let fm = FileManager.default
        var users: [String] = []
        for name in ((try? fm.contentsOfDirectory(atPath: "/sys/block")) ?? []).sorted() where name.hasPrefix("loop") {
            guard let backing = try? String(contentsOfFile: "/sys/block/\(name)/loop/backing_file", encoding: .utf8),
                  let dev = devNumber("/sys/block/\(name)/dev") else { continue }
            var st = stat()
            let path = backing.trimmingCharacters(in: .newlines)
            guard stat(path, &st) == 0, UInt64(st.st_dev) == identity.dev, UInt64(st.st_ino) == identity.ino else { continue }
            users += self.users(of: dev).map { "\($0) (through /dev/\(name), attached to this image)" }
        }
        return users
    }

    /// The device, its partitions and its holders (recursively), with names.
    static func relatedDevices(_ device: DeviceNumber) -> [DeviceNumber: String] {
        var found: [DeviceNumber: String] = [:]
        var queue = [device]
        while let d = queue.popLast() {
            guard found[d] == nil else { continue }
            let dir = "/sys/dev/block/\(d)"
            let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: dir)) ?? dir
            found[d] = "/dev/" + (real.split(separator: "/").last.map(String.init) ?? "\(d)")
            let fm = FileManager.default
            // Partitions are subdirectories with a "partition" file.
            for entry in (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            where fm.fileExists(atPath: "\(dir)/\(entry)/partition") {
                if let n = devNumber("\(dir)/\(entry)/dev") { queue.append(n) }
            }
            for holder in (try? fm.contentsOfDirectory(atPath: "\(dir)/holders")) ?? [] {
                if let n = devNumber("/sys/class/block/\(holder)/dev") { queue.append(n) }
            }
        }
        return found
    }

    private static func devNumber(_ file: String) -> DeviceNumber? {
        guard let s = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return DeviceNumber(Substring(s.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// mountinfo and swaps escape space, tab, newline and backslash as \ooo.
    static func unescape(_ s: Substring) -> String {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "\\"), bytes.count >= 3,
               let v = UInt8(String(decoding: bytes.prefix(3), as: UTF8.self), radix: 8) {
                out.append(v)
                bytes = bytes.dropFirst(3)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
