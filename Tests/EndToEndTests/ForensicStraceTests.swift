import Foundation
import LinuxAIO
import TestSupport
import Testing

/// The write-blocker test: every forensic command runs under `strace -f` and
/// the trace must show no write-capable open of the evidence, no write to it,
/// no AIO write, no writable shared mapping, no changing ioctl, no lock, no
/// change of times, mode or xattrs, and no file created beside it. The
/// evidence's SHA-256, mtime and ctime must be as before, and its directory
/// must list the same files.
@Suite("--forensic under strace", .enabled(if: Capability.has("strace"), "strace is not installed"), .serialized)
struct ForensicStraceTests {
    /// What is traced: every call that could open for writing, write, map,
    /// change metadata, lock, create or remove.
    static let syscalls = [
        "open", "openat", "openat2", "creat", "write", "pwrite64", "writev", "pwritev", "pwritev2", "io_submit",
        "io_uring_setup", "mmap", "ioctl", "fcntl", "flock", "fchmod", "fchmodat", "chmod", "fchown", "fchownat",
        "chown", "lchown", "utimensat", "utimes", "futimesat", "utime", "setxattr", "lsetxattr", "fsetxattr",
        "removexattr", "lremovexattr", "fremovexattr", "rename", "renameat", "renameat2", "unlink", "unlinkat",
        "truncate", "ftruncate", "fallocate", "link", "linkat", "symlink", "symlinkat", "mkdir", "mkdirat",
        "mknod", "mknodat", "copy_file_range", "pread64", "read",
    ].joined(separator: ",")

    /// Calls that change something: any mention of an evidence path in them fails.
    static let mutating: Set<String> = [
        "creat", "write", "pwrite64", "writev", "pwritev", "pwritev2", "flock", "fchmod", "fchmodat", "chmod", "fchown",
        "fchownat", "chown", "lchown", "utimensat", "utimes", "futimesat", "utime", "setxattr", "lsetxattr",
        "fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "rename", "renameat", "renameat2", "unlink",
        "unlinkat", "truncate", "ftruncate", "fallocate", "link", "linkat", "symlink", "symlinkat", "mkdir",
        "mkdirat", "mknod", "mknodat", "copy_file_range",
    ]
    /// ioctls that only ask: allowed on evidence fds; any other is a failure there.
    static let readOnlyIoctls: Set<String> = [
        "BLKGETSIZE64", "BLKGETSIZE", "BLKSSZGET", "BLKPBSZGET", "BLKROGET", "BLKIOMIN", "BLKIOOPT", "BLKALIGNOFF",
        "BLKBSZGET", "BLKRAGET", "BLKDISCARDZEROES", "LOOP_GET_STATUS64", "LOOP_GET_STATUS", "FS_IOC_GETFLAGS", "TCGETS",
        "FIGETBSZ",
    ]
    /// ioctls that change a device or file: a failure on any fd.
    static let changingIoctls = [
        "BLKROSET", "BLKDISCARD", "BLKSECDISCARD", "BLKZEROOUT", "BLKRRPART", "BLKFLSBUF", "BLKPG", "BLKBSZSET",
        "BLKRASET", "BLKRESETZONE", "LOOP_SET", "LOOP_CLR_FD", "LOOP_CONFIGURE", "FITRIM", "FS_IOC_SETFLAGS",
        "FS_IOC_FSSETXATTR",
    ]

    /// The binary as `nobody` runs it: a copy in a directory anyone may
    /// traverse, so that the test does not depend on the permissions of the
    /// checkout's path (CI clones into a folder of its own). Nil without
    /// root or setpriv, or when even the copy cannot run as nobody.
    static let nobodyBlkview: String? = {
        guard Capability.isRoot, Capability.has("setpriv") else { return nil }
        let dir = "/var/tmp/blkview-nobody"  // one copy, replaced each run
        let copy = "\(dir)/blkview"
        guard (try? Subprocess.sh("mkdir -p -m 0755 '\(dir)' && cp '\(Harness.blkview)' '\(copy)' && chmod 0755 '\(copy)'"))?.status == 0
        else { return nil }
        let r = try? Subprocess.sh("setpriv --reuid=65534 --regid=65534 --clear-groups '\(copy)' --version")
        return r?.status == 0 ? copy : nil
    }()

    /// Root, setpriv, and a copy of the binary `nobody` may run.
    static var nobodyCanRun: Bool { nobodyBlkview != nil }

    /// The evidence's state: SHA-256, size, mtime, ctime per file, and the directory listing.
    static func snapshot(_ dir: String, devices: [String] = []) throws -> String {
        try Subprocess.sh("cd '\(dir)' && ls -lA --time-style=full-iso && stat -c '. mtime=%y ctime=%z' . && for f in * \(devices.joined(separator: " ")); do "
            + "[ -f \"$f\" ] || [ -b \"$f\" ] || continue; stat -c '%n %s mtime=%y ctime=%z mode=%a' \"$f\"; sha256sum < \"$f\"; done").stdout
    }

    /// Runs `command` (argv) under strace, as `user` (via setpriv) when given;
    /// returns the trace lines of every thread.
    static func traced(_ command: [String], traceDir: String, asNobody: Bool = false) throws -> (Subprocess.Result, [String]) {
        var argv = ["-ff", "-y", "-qq", "-s", "8", "-o", "\(traceDir)/t", "-e", "trace=\(syscalls)"]
        if asNobody { argv += ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] }
        let r = try Subprocess.run(Subprocess.which("strace")!, argv + command)
        return (r, try traceLines(traceDir))
    }

    static func traceLines(_ traceDir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: traceDir).filter { $0.hasPrefix("t.") }.flatMap {
            try String(contentsOfFile: "\(traceDir)/\($0)", encoding: .utf8).split(separator: "\n").map(String.init)
        }
    }

    /// Every violation in `lines` for evidence under `evidenceDir` (and `devices`).
    /// - Parameter noatime: the examiner may use O_NOATIME (root, or the
    ///   owner of the evidence): then every descriptor the evidence is read
    ///   through (read, pread64) must have been opened with it, and so must
    ///   every descriptor opened on it at all (one opened only for SEEK_DATA
    ///   today is one read through tomorrow).
    static func violations(_ lines: [String], evidenceDir: String, devices: [String] = [],
                           noatime: Bool = false) -> [String] {
        let marks = ["<\(evidenceDir)/", "\"\(evidenceDir)/", "\"\(evidenceDir)\"", "<\(evidenceDir)>"]
            + devices.flatMap { ["<\($0)>", "\"\($0)\""] }
        var bad: [String] = []
        for line in lines {
            guard let paren = line.firstIndex(of: "(") else { continue }
            let call = String(line[..<paren])
            let onEvidence = marks.contains { line.contains($0) }
            switch call {
            case "open", "openat", "openat2", "creat":
                // The path (a relative one resolved against the dirfd's
                // decoration) or the returned fd names the evidence; a failed
                // attempt counts too.
                let inDir = openedPath(line).map { $0.hasPrefix(evidenceDir + "/") || devices.contains($0) } ?? false
                if call == "creat" && (inDir || onEvidence) { bad.append("creat in the evidence directory: \(line)") }
                if (inDir || onEvidence) && (["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_TMPFILE"].contains { line.contains($0) }) {
                    bad.append("write-capable open of evidence: \(line)")
                }
                // (A directory listed to find a set's segments is not evidence.)
                if noatime && (inDir || onEvidence) && !line.contains("O_NOATIME") && !line.contains(") = -1")
                    && !line.contains("O_DIRECTORY") {
                    bad.append("evidence opened without O_NOATIME: \(line)")
                }
            case "io_submit":
                if line.contains("IOCB_CMD_PWRITE") || line.contains("IOCB_CMD_FSYNC") || line.contains("IOCB_CMD_FDSYNC") {
                    bad.append("AIO write/sync submitted: \(line)")
                }
            case "io_uring_setup":
                // Refused (a server started under --forensic runs with a
                // seccomp filter that answers ENOSYS): nothing was set up.
                if !line.contains(") = -1 ") { bad.append("io_uring set up (its writes would escape this trace): \(line)") }
            case "mmap":
                if onEvidence && line.contains("MAP_SHARED") && line.contains("PROT_WRITE") {
                    bad.append("writable shared mapping of evidence: \(line)")
                }
            case "ioctl":
                let name = line[line.index(after: paren)...].split(separator: ",").dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                if changingIoctls.contains(where: { name.hasPrefix($0) }) { bad.append("changing ioctl: \(line)") }
                else if onEvidence && !readOnlyIoctls.contains(name) { bad.append("unexpected ioctl on evidence: \(line)") }
            case "fcntl":
                if onEvidence && ["F_SETLK", "F_SETLKW", "F_OFD_SETLK", "F_OFD_SETLKW", "F_SETLEASE"].contains(where: { line.contains($0 + ",") }) {
                    bad.append("lock on evidence: \(line)")
                }
            default:
                if mutating.contains(call) && onEvidence { bad.append("\(call) on evidence: \(line)") }
            }
        }
        if noatime {
            // "7</ev/disk.raw>": what an open with O_NOATIME returned (-ff: one
            // file per thread, so a call and its result are on one line).
            let quiet = Set(lines.compactMap { line -> String? in
                guard line.hasPrefix("open"), line.contains("O_NOATIME"),
                      let r = line.range(of: ") = ", options: .backwards) else { return nil }
                return String(line[r.upperBound...]).trimmingCharacters(in: .whitespaces)
            })
            for line in lines where (line.hasPrefix("pread64(") || line.hasPrefix("read("))
                && marks.contains(where: { line.contains($0) }) {
                let fd = String(line.drop { $0 != "(" }.dropFirst().prefix { $0 != "," })
                if !quiet.contains(fd) { bad.append("evidence read through a descriptor opened without O_NOATIME: \(line)") }
            }
        }
        return bad
    }

    /// The absolute path an open(at) names: relative paths are resolved
    /// against the dirfd's `-y` decoration (`AT_FDCWD</cwd>`).
    static func openedPath(_ line: String) -> String? {
        guard let q1 = line.firstIndex(of: "\""), let q2 = line[line.index(after: q1)...].firstIndex(of: "\"") else { return nil }
        let path = String(line[line.index(after: q1)..<q2])
        if path.hasPrefix("/") { return path }
        guard let lt = line[..<q1].firstIndex(of: "<"), let gt = line[lt..<q1].firstIndex(of: ">") else { return path }
        return String(line[line.index(after: lt)..<gt]) + "/" + path
    }

    @Test("the checker catches each kind of violation, and passes reads")
    func checkerCatches() {
        let e = "/ev"
        let bad = [
            #"openat(AT_FDCWD</ev>, "disk.raw", O_RDWR|O_CLOEXEC) = 3</ev/disk.raw>"#,
            #"openat(AT_FDCWD</ev>, "x.lock", O_WRONLY|O_CREAT|O_CLOEXEC, 0644) = -1 EACCES (Permission denied)"#,
            #"open("/ev/disk.raw", O_RDONLY|O_TRUNC) = 3</ev/disk.raw>"#,
            #"creat("/ev/sidecar", 0644) = 4</ev/sidecar>"#,
            #"io_submit(0x7f, 1, [{aio_data=0, aio_lio_opcode=IOCB_CMD_PWRITE, aio_fildes=6</ev/disk.raw>, aio_buf=0x7f}]) = 1"#,
            #"mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, 6</ev/disk.raw>, 0) = 0x7f"#,
            #"ioctl(6</dev/loop3>, BLKDISCARD, [0, 4096]) = 0"#,
            #"ioctl(6</ev/disk.raw>, FS_IOC_SETFLAGS, [FS_IMMUTABLE_FL]) = 0"#,
            #"ioctl(6</dev/loop3>, BLKFLSBUF) = 0"#,
            #"flock(6</ev/disk.raw>, LOCK_SH) = 0"#,
            #"fcntl(6</ev/disk.raw>, F_SETLK, {l_type=F_RDLCK, l_whence=SEEK_SET, l_start=0, l_len=0}) = 0"#,
            #"utimensat(AT_FDCWD</tmp>, "/ev/disk.raw", NULL, 0) = 0"#,
            #"pwrite64(6</ev/disk.raw>, "\0\0"..., 512, 0) = 512"#,
            #"fsetxattr(6</ev/disk.raw>, "user.x", "1", 1, 0) = 0"#,
            #"mkdirat(AT_FDCWD</tmp>, "/ev/.blkview", 0700) = 0"#,
            #"rename("/tmp/a", "/ev/b") = 0"#,
        ]
        for line in bad {
            #expect(Self.violations([line], evidenceDir: e, devices: ["/dev/loop3"]).count >= 1, "\(line)")
        }
        let good = [
            #"openat(AT_FDCWD</w>, "/ev/disk.raw", O_RDONLY|O_NONBLOCK|O_DIRECT|O_NOATIME|O_CLOEXEC) = 6</ev/disk.raw>"#,
            #"io_submit(0x7f, 1, [{aio_data=0, aio_lio_opcode=IOCB_CMD_PREAD, aio_fildes=6</ev/disk.raw>, aio_buf=0x7f}]) = 1"#,
            #"ioctl(6</dev/loop3>, BLKGETSIZE64, [3145728]) = 0"#,
            #"fcntl(6</ev/disk.raw>, F_SETFL, O_RDONLY|O_DIRECT|O_LARGEFILE|O_NOATIME) = 0"#,
            #"mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 6</ev/disk.raw>, 0) = 0x7f"#,
            #"write(2</dev/pts/1>, "hashing"..., 40) = 40"#,
            #"openat(AT_FDCWD</w>, "/logs/s.log", O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC, 0600) = 5</logs/s.log>"#,
            #"ioctl(1</dev/pts/1>, TCSETSW, {c_iflag=0}) = 0"#,
        ]
        #expect(Self.violations(good, evidenceDir: e, devices: ["/dev/loop3"]).isEmpty)
        // Reads must go through O_NOATIME descriptors (when the examiner may use it).
        let atime = [
            #"openat(AT_FDCWD</ev>, "img.E01", O_RDONLY|O_CLOEXEC) = 7</ev/img.E01>"#,
            #"pread64(7</ev/img.E01>, "EVF\t"..., 13, 0) = 13"#,
        ]
        #expect(Self.violations(atime, evidenceDir: e, noatime: true).count == 2)  // the open and the read
        // An open without O_NOATIME only for SEEK_DATA (search's hole map before the fix) is caught too.
        let seekOnly = [
            #"openat(AT_FDCWD</w>, "/ev/disk.raw", O_RDONLY|O_CLOEXEC) = 8</ev/disk.raw>"#,
            #"lseek(8</ev/disk.raw>, 0, SEEK_DATA) = 0"#,
        ]
        #expect(Self.violations(seekOnly, evidenceDir: e, noatime: true).count == 1)
        #expect(Self.violations(atime, evidenceDir: e, noatime: false).isEmpty)
        let quiet = [
            #"openat(AT_FDCWD</ev>, "img.E01", O_RDONLY|O_NOATIME|O_CLOEXEC) = 7</ev/img.E01>"#,
            #"pread64(7</ev/img.E01>, "EVF\t"..., 13, 0) = 13"#,
        ]
        #expect(Self.violations(quiet, evidenceDir: e, noatime: true).isEmpty)
    }

    /// Evidence for the tests: a raw image, a split set and (with ewfacquire) an E01 set, in `dir`.
    static func makeEvidence(_ dir: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var r = try Subprocess.sh("cd '\(dir)' && head -c 3145728 /dev/urandom > disk.raw && split -b 1M -d -a 3 --numeric-suffixes=1 disk.raw set.")
        guard r.status == 0 else { throw TestFailure("evidence: \(r.stderr)") }
        var paths = ["\(dir)/disk.raw", "\(dir)/set.001"]
        if Capability.has("ewfacquire") {
            r = try Subprocess.sh("cd '\(dir)' && ewfacquire -u -q -t img -S 1MiB -C C-1 disk.raw && rm -f *.log")
            if r.status == 0 { paths.append("\(dir)/img.E01") }
        }
        return paths
    }

    /// Checks one traced run: exit 0, the trace saw the evidence read, and no violation.
    static func audit(_ r: Subprocess.Result, _ lines: [String], evidenceDir: String, devices: [String] = [],
                      noatime: Bool = false, _ what: String) {
        #expect(r.status == 0, "\(what): \(r.stdout) \(r.stderr)")
        let opened = lines.contains { line in
            (line.hasPrefix("openat(") || line.hasPrefix("open(")) && line.contains("O_RDONLY")
                && (line.contains("\"\(evidenceDir)/") || devices.contains { line.contains("\"\($0)\"") })
        }
        #expect(opened, "\(what): the trace shows no read-only open of the evidence (\(lines.count) lines)")
        let v = violations(lines, evidenceDir: evidenceDir, devices: devices, noatime: noatime)
        #expect(v.isEmpty, "\(what):\n\(v.prefix(20).joined(separator: "\n"))")
    }

    /// The batch commands besides hash, as the audits run them.
    static let readers: [[String]] = [["info", "--json"], ["dump", "--length", "64KiB"], ["search", "--hex", "00", "--first", "--json"]]

    @Test("hash, info, dump and search --forensic on raw, split and E01 evidence: nothing written, nothing changed")
    func hashAsRoot() throws {
        let scratch = try Scratch()
        let ev = "\(scratch.path)/evidence"
        let paths = try Self.makeEvidence(ev)
        let before = try Self.snapshot(ev)
        for (i, p) in paths.enumerated() {
            let traces = "\(scratch.path)/trace-\(i)"
            try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
            let (r, lines) = try Self.traced([Harness.blkview, "hash", "--forensic", "--log", "\(scratch.path)/session.log", p],
                                             traceDir: traces)
            Self.audit(r, lines, evidenceDir: ev, noatime: true, p)
            if !p.hasSuffix(".E01") {
                // Through AIO, or (a file the page cache holds, as one just
                // made is) copied from the cache by pread on a read-only fd.
                #expect(lines.contains {
                    ($0.hasPrefix("io_submit(") && $0.contains("IOCB_CMD_PREAD"))
                        || ($0.hasPrefix("pread64(") && $0.contains("<\(ev)/"))
                }, "\(p): the media was read through AIO or from the page cache")
            }
        }
        // info, dump and search under --forensic: the same audit, and each run
        // is another "evidence unchanged" record in the session log.
        for (i, p) in paths.enumerated() {
            for (k, cmd) in Self.readers.enumerated() {
                let traces = "\(scratch.path)/trace-\(cmd[0])-\(i)-\(k)"
                try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
                let (r, lines) = try Self.traced([Harness.blkview] + cmd + ["--forensic", "--log", "\(scratch.path)/session.log", p],
                                                 traceDir: traces)
                Self.audit(r, lines, evidenceDir: ev, noatime: true, "\(cmd[0]) \(p)")
            }
        }
        #expect(try Self.snapshot(ev) == before)
        let log = try String(contentsOfFile: "\(scratch.path)/session.log", encoding: .utf8)
        #expect(log.components(separatedBy: "evidence unchanged:").count - 1 >= paths.count * 4)
        #expect(!log.contains("EVIDENCE CHANGED"))
    }

    @Test("as nobody, on 0444 root-owned files in a directory nobody can write: hash, info, dump, search and view",
          .enabled(if: nobodyCanRun, "needs root (to make root-owned evidence), setpriv, and a blkview binary nobody may run"))
    func unprivileged() throws {
        let scratch = try Scratch()
        let ev = "\(scratch.path)/evidence"
        let paths = try Self.makeEvidence(ev)
        let logs = "\(scratch.path)/logs"
        try Subprocess.sh("chmod 0444 '\(ev)'/* && chmod 0555 '\(ev)' && chmod 0755 '\(scratch.path)' && mkdir -m 0777 '\(logs)'")
        defer { _ = try? Subprocess.sh("chmod 0755 '\(ev)'") }
        let before = try Self.snapshot(ev)
        for (i, p) in paths.enumerated() {
            let traces = "\(scratch.path)/trace-\(i)"
            try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
            let (r, lines) = try Self.traced([Self.nobodyBlkview!, "hash", "--forensic", "--log", "\(logs)/nobody.log", p],
                                             traceDir: traces, asNobody: true)
            Self.audit(r, lines, evidenceDir: ev, "nobody: \(p)")
            if !p.hasSuffix(".E01") {
                // mincore answers "all resident" to a non-owner: blkview must
                // not believe it and read everything buffered.
                #expect(lines.contains { $0.hasPrefix("io_submit(") && $0.contains("IOCB_CMD_PREAD") }
                        && !lines.contains { $0.hasPrefix("pread64(") && $0.contains("<\(ev)/") && $0.contains(", 1048576,") },
                        "nobody: \(p): the media was read through AIO")
            }
            for (k, cmd) in Self.readers.enumerated() {
                let traces = "\(scratch.path)/trace-\(cmd[0])-\(i)-\(k)"
                try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
                let (r, lines) = try Self.traced([Self.nobodyBlkview!] + cmd + ["--forensic", "--log", "\(logs)/nobody.log", p],
                                                 traceDir: traces, asNobody: true)
                Self.audit(r, lines, evidenceDir: ev, "nobody: \(cmd[0]) \(p)")
            }
        }
        if Capability.has("tmux") {
            try viewerRun(evidence: paths[0], evidenceDir: ev, scratch: scratch.path, logs: logs, asNobody: true)
        }
        #expect(try Self.snapshot(ev) == before)
    }

    @Test("view --forensic --hash in tmux with a long random key sequence (edit keys included)",
          .enabled(if: Capability.has("tmux"), "tmux is not installed"))
    func viewer() throws {
        let scratch = try Scratch()
        let ev = "\(scratch.path)/evidence"
        let paths = try Self.makeEvidence(ev)
        let before = try Self.snapshot(ev)
        for p in paths {
            try viewerRun(evidence: p, evidenceDir: ev, scratch: scratch.path, logs: scratch.path, asNobody: false)
        }
        #expect(try Self.snapshot(ev) == before)
    }

    @Test("hash --forensic on a read-only loop device: only asking ioctls",
          .enabled(if: Capability.losetup, "needs root and loop devices (losetup)"))
    func loopDevice() throws {
        let scratch = try Scratch()
        let ev = "\(scratch.path)/evidence"
        let paths = try Self.makeEvidence(ev)
        let loop = try Loop(paths[0])
        defer { loop.detach() }
        let dev = loop.device
        let before = try Self.snapshot(ev, devices: [dev])
        let traces = "\(scratch.path)/trace"
        try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
        let (r, lines) = try Self.traced([Harness.blkview, "hash", "--forensic", "--json", "--log", "\(scratch.path)/s.log", dev],
                                         traceDir: traces)
        Self.audit(r, lines, evidenceDir: ev, devices: [dev], noatime: true, dev)
        let sum = try Subprocess.sh("sha256sum < '\(paths[0])'").stdout.prefix(64)
        #expect(r.stdout.contains("\"sha256\":\"\(sum)\""))
        #expect(try Self.snapshot(ev, devices: [dev]) == before)
    }

    @Test("hash --forensic on a read-only mount (ext4, mount -o ro,loop)",
          .enabled(if: Capability.mountExt4, "needs root, loop devices, mkfs.ext4, mount and umount"))
    func readOnlyMount() throws {
        let scratch = try Scratch()
        let mnt = "\(scratch.path)/mnt"
        let made = try Subprocess.sh("cd '\(scratch.path)' && mkdir -p root mnt && head -c 2097152 /dev/urandom > root/ev.raw && "
            + "truncate -s 16M fs.img && mkfs.ext4 -q -F -d root fs.img && mount -o ro,loop fs.img mnt")
        try #require(made.status == 0, "cannot mount: \(made.stderr)")
        defer { _ = try? Subprocess.sh("umount '\(mnt)' || umount -l '\(mnt)'") }
        let before = try Self.snapshot(mnt)
        let traces = "\(scratch.path)/trace"
        try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
        let (r, lines) = try Self.traced([Harness.blkview, "hash", "--forensic", "--json", "--log", "\(scratch.path)/s.log",
                                          "\(mnt)/ev.raw"], traceDir: traces)
        Self.audit(r, lines, evidenceDir: mnt, noatime: true, "read-only mount")
        let sum = try Subprocess.sh("sha256sum < '\(scratch.path)/root/ev.raw'").stdout.prefix(64)
        #expect(r.stdout.contains("\"sha256\":\"\(sum)\""))
        #expect(try Self.snapshot(mnt) == before)
        let log = try String(contentsOfFile: "\(scratch.path)/s.log", encoding: .utf8)
        #expect(log.contains("evidence unchanged: \(mnt)/ev.raw") && !log.contains("atime:"))
    }

    @Test("view --forensic --write is refused before anything is opened or created")
    func writeRefused() throws {
        let scratch = try Scratch()
        let ev = "\(scratch.path)/evidence"
        let paths = try Self.makeEvidence(ev)
        let before = try Self.snapshot(ev)
        let traces = "\(scratch.path)/trace"
        try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
        let (r, lines) = try Self.traced([Harness.blkview, "view", "--forensic", "--write", "--log", "\(scratch.path)/s.log",
                                          paths[0]], traceDir: traces)
        #expect(r.status != 0 && r.stderr.contains("--write is refused under --forensic"), "\(r.stderr)")
        #expect(!lines.contains { $0.contains("\"\(ev)/") }, "the evidence was opened")
        #expect(Self.violations(lines, evidenceDir: ev).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/s.log"))
        #expect(try Self.snapshot(ev) == before)
    }

    /// The viewer under strace in tmux: random keys, then quit; audits the trace.
    func viewerRun(evidence: String, evidenceDir: String, scratch: String, logs: String, asNobody: Bool) throws {
        let traces = "\(scratch)/trace-view-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
        let who = asNobody ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : ""
        let binary = asNobody ? Self.nobodyBlkview! : Harness.blkview
        let cmd = "strace -ff -y -qq -s 8 -o '\(traces)/t' -e trace=\(Self.syscalls) \(who)'\(binary)' view --forensic "
            + "--hash --log '\(logs)/view.log' --examiner tester '\(evidence)'"
        let t = try TmuxSession(cmd, width: 120, height: 40)
        // The viewer does not exit when its terminal goes away (it spins): if
        // this test fails before `q`, end the pane's process group by its id.
        let pane = try t.run(["display-message", "-p", "-t", t.name, "#{pane_pid}"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { if let pgid = Int32(pane), pgid > 1 { kill(-pgid, SIGKILL) } }
        try t.waitFor(text: "forensic", seconds: 20)
        var rng = SplitMix64(seed: 0xB1C0_FFEE ^ UInt64(evidence.count))
        let pool: [[String]] = [["j"], ["k"], ["h"], ["l"], ["g"], ["G"], ["Space"], ["PageDown"], ["PageUp"], ["e"], ["W"],
                                ["u"], ["i"], ["L"], ["w"], ["Tab"], ["+"], ["-"], ["r"], ["n"], ["N"], ["Escape"],
                                ["?", "Escape"], [":", "0", "x", "2", "0", "0", "Enter"], [":", "z", "Enter"],
                                ["/", "\"", "a", "b", "\"", "Enter"], ["/", "d", "e", "a", "d", "Escape"], ["e", "4", "1"],
                                ["W", "Enter"], ["u", "u"]]
        for _ in 0..<25 {
            var batch: [String] = []
            for _ in 0..<8 { batch += pool[Int(rng.next() % UInt64(pool.count))] }
            try t.run(["send-keys", "-t", t.name] + batch)
        }
        try t.send("Escape")
        try t.send("Escape")
        // A search cancelled by Escape says so a moment later, over the
        // refusal: press e until the refusal stays on screen.
        var refused = false
        for _ in 0..<10 where !refused {
            try t.send("e")
            refused = (try? t.waitFor(text: "forensic mode: the evidence is never written", seconds: 1)) != nil
        }
        #expect(refused, "the edit key was not refused: \(t.screen)")
        try t.send("Escape")
        try t.send("q")
        let screen = try t.waitFor("exit", seconds: 60) { $0.contains("[exit ") }
        #expect(screen.contains("[exit 0 tty-sane]"), "\(screen)")
        #expect(screen.contains("media hash at") || screen.contains("background hash cancelled"), "\(screen)")
        Self.audit(Subprocess.Result(status: 0, stdout: "", stderr: ""), try Self.traceLines(traces), evidenceDir: evidenceDir,
                   "view \(evidence)\(asNobody ? " as nobody" : "")")
        let log = try String(contentsOfFile: "\(logs)/view.log", encoding: .utf8)
        #expect(log.contains("examiner: tester") && log.contains("exit hash") && log.contains("status 0"))
    }
}

