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
            if let size = error.tooLarge { throw BlockSourceError(path: uri, reason: .mediaTooLarge("\(size) B")) }
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
        var wrapped = ["/bin/sh", "-c", "log=$1; shift; exec \"$@\" 2>\"$log\"", "sh", log] + argv
        if options.forensic, let shielded = noatimeNamespace(log: log, layers: [path] + backing, argv: argv) {
            wrapped = shielded
        }
        let (c, info): (NBDConnection, NBDConnection.Info)
        do {
            let name = "qemu-nbd \(path)"
            (c, info) = options.forensic
                ? try NBDConnection.connectWithoutIOURing(.socketActivation(wrapped), slots: options.slots, name: name)
                : try NBDConnection.connect(.socketActivation(wrapped), slots: options.slots, name: name, requireTLS: false)
        } catch {
            if let size = error.tooLarge { throw BlockSourceError(path: path, reason: .mediaTooLarge("\(size) B")) }
            let said = lastLine(of: log).map { ": \($0)" } ?? ": \(error.message)"
            throw BlockSourceError(path: path, reason: .nbd("qemu-nbd could not serve this \(format.driver) image\(said)"))
        }
        return NBDSource(path: path, kind: .vmImage(format: format.driver), files: [path] + backing, connection: c, info: info,
                         label: "\(format.driver) via qemu-nbd", note: nil, sectorSize: options.sectorSize)
    }

    /// Under --forensic, as root: qemu-nbd (which cannot open with
    /// O_NOATIME) runs in a private mount namespace where each directory
    /// holding a layer is bind-mounted read-only and noatime, so that its
    /// reads change no access time and no write can reach the evidence.
    /// Nil where that cannot be done (not root, no unshare): qemu-nbd then
    /// runs as it is, and the session log reports an access time that moved.
    static func noatimeNamespace(log: String, layers: [String], argv: [String]) -> [String]? {
        guard geteuid() == 0, let unshare = findExecutable("unshare"), findExecutable("mount") != nil else { return nil }
        var dirs: [String] = []
        for layer in layers {
            guard let real = realpath(layer, nil) else { return nil }
            let full = String(cString: real)
            free(real)
            guard let slash = full.lastIndex(of: "/") else { return nil }
            let dir = slash == full.startIndex ? "/" : String(full[..<slash])
            if !dirs.contains(dir) { dirs.append(dir) }
        }
        let script = "exec 2>\"$1\"; shift; "
            + "while [ \"$1\" != -- ]; do mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro,noatime \"$1\" \"$1\" || exit 1; shift; done; "
            + "shift; exec \"$@\""
        return [unshare, "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", log] + dirs + ["--"] + argv
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
