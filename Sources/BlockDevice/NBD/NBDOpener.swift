import Glibc
import LinuxAIO

/// Opens NBD exports named by URIs and VM images through qemu-nbd.
enum NBDOpener {
    /// The URI schemes libnbd connects to.
    static let schemes = ["nbd://", "nbds://", "nbd+unix://", "nbds+unix://", "nbd+vsock://", "nbds+vsock://"]

    /// True when `path` is an NBD URI rather than a file.
    static func isURI(_ path: String) -> Bool {
        let lower = path.lowercased()
        return schemes.contains { lower.hasPrefix($0) }
    }

    /// Connects to the export `uri` names (read-only use; `--write` asks
    /// the server's permission separately).
    static func open(uri: String, options: BlockSourceOptions) throws(BlockSourceError) -> NBDSource {
        let tls = uri.lowercased().hasPrefix("nbds")
        let (c, info): (NBDConnection, NBDConnection.Info)
        do {
            (c, info) = try NBDConnection.connect(.uri(uri), slots: options.slots, name: uri, requireTLS: tls)
        } catch {
            throw BlockSourceError(path: uri, reason: .nbd(message(error, uri: uri)))
        }
        let label = "nbd\(tls ? "s" : "") ×\(options.slots)"
        return NBDSource(path: uri, kind: .nbd, files: [], connection: c, info: info, label: label,
                         note: nil, sectorSize: options.sectorSize)
    }

    /// Serves the VM image at `path` (detected as `format`) with
    /// `qemu-nbd --read-only`, started by libnbd with socket activation: no
    /// TCP port, and the socket sits in libnbd's private temporary directory,
    /// not beside the image. Under `options.forensic` image locking is off.
    static func open(image path: String, format: VMImageFormat, options: BlockSourceOptions) throws(BlockSourceError) -> NBDSource {
        guard let qemu = findExecutable("qemu-nbd") else {
            throw BlockSourceError(path: path, reason: .nbd(
                "it is a \(format.driver) image, which blkview reads through qemu-nbd, and qemu-nbd is not installed — install qemu-utils"))
        }
        let backing = format.driver == "qcow2" ? VMImageFormat.qcow2BackingChain(path) : []
        guard let backing else {
            throw BlockSourceError(path: path, reason: .nbd(
                "cannot follow the \(format.driver) image's backing chain (a backing file is unreadable or the chain loops) — check the backing files"))
        }
        let argv = format.qemuNBDArguments(qemuNBD: qemu, path: path, forensic: options.forensic, backingDepth: backing.count)
        // qemu-nbd's own messages go to a log in a private directory of
        // /tmp (read when it fails, removed at once): the user sees one line.
        var template = Array("/tmp/blkview-qemu-nbd-XXXXXX".utf8CString)
        guard let dirPointer = mkdtemp(&template) else {
            throw BlockSourceError(path: path, reason: .nbd("cannot create a temporary directory for qemu-nbd's messages: \(Errno(errno))"))
        }
        let dir = String(cString: dirPointer)
        let log = "\(dir)/qemu-nbd.log"
        defer {
            unlink(log)
            rmdir(dir)
        }
        let wrapped = ["/bin/sh", "-c", "log=$1; shift; exec \"$@\" 2>\"$log\"", "sh", log] + argv
        let (c, info): (NBDConnection, NBDConnection.Info)
        do {
            let name = "qemu-nbd \(path)"
            (c, info) = options.forensic
                ? try NBDConnection.connectWithoutIOURing(.socketActivation(wrapped), slots: options.slots, name: name)
                : try NBDConnection.connect(.socketActivation(wrapped), slots: options.slots, name: name, requireTLS: false)
        } catch {
            let said = lastLine(of: log).map { ": \($0)" } ?? ": \(error.message)"
            throw BlockSourceError(path: path, reason: .nbd("qemu-nbd could not serve this \(format.driver) image\(said)"))
        }
        return NBDSource(path: path, kind: .vmImage(format: format.driver), files: [path] + backing, connection: c, info: info,
                         label: "\(format.driver) via qemu-nbd", note: nil, sectorSize: options.sectorSize)
    }

    /// The last non-empty line of a small text file (qemu-nbd's message).
    static func lastLine(of path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init)
    }

    /// libnbd's message, and what to check.
    static func message(_ f: NBDFailure, uri: String) -> String {
        var m = "NBD: \(f.message)"
        switch f.errno {
        case ENOENT, ECONNREFUSED:
            m += " — is the server running? (nbd://host[:port]/export, nbd+unix:///export?socket=PATH)"
        case ENOTSUP where uri.lowercased().hasPrefix("nbds"):
            m += " — this libnbd cannot do TLS; use an nbd:// URI or a libnbd built with GnuTLS"
        default:
            break
        }
        return m
    }

    /// The first executable `name` on $PATH (then /usr/bin, /usr/sbin).
    static func findExecutable(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"] where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
