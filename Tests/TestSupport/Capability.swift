internal import CLinuxAIO
import Foundation

/// What this machine can do, probed once (each probe does the real thing:
/// runs io_setup, opens with O_DIRECT, attaches a loop device, looks the exact
/// tool up on PATH). Tests that need one are gated with the reason:
/// `.enabled(if: Capability.has("sgdisk"), "needs sgdisk (gdisk)")`.
/// CI (root, every package of scripts/setup.sh) fails on a skip that is not
/// in .ci/allowed-skips.
public enum Capability {
    public static let isRoot = getuid() == 0

    /// Whether `tool` (the exact name the test runs) is on PATH or in an sbin directory.
    public static func has(_ tool: String) -> Bool { Subprocess.which(tool) != nil }

    /// Whether every tool in `tools` is installed (each by its exact name).
    public static func have(_ tools: String...) -> Bool { tools.allSatisfy(has) }

    /// Nil when io_setup creates a context of 32 events here, else why not.
    public static let aioUnavailable: String? = {
        var ctx: io_context_t?
        let rc = io_setup(32, &ctx)
        if rc != 0 { return "io_setup failed: \(String(cString: strerror(-rc)))" }
        io_destroy(ctx)
        return nil
    }()

    /// Nil when a file on /var/tmp opens with O_DIRECT, else why not.
    public static let directIOUnavailable: String? = {
        guard let s = try? Scratch(), let p = try? s.write("probe", [UInt8](repeating: 0, count: 4096)) else {
            return "cannot create a file in /var/tmp"
        }
        let fd = open(p, O_RDONLY | cla_O_DIRECT)
        if fd < 0 { return "O_DIRECT refused on /var/tmp: \(String(cString: strerror(errno)))" }
        close(fd)
        return nil
    }()

    /// Nil when real AIO works here (io_setup and O_DIRECT), else why not.
    public static var realAIOUnavailable: String? { aioUnavailable ?? directIOUnavailable }

    /// Whether io_setup and O_DIRECT both work here.
    public static var realAIO: Bool { realAIOUnavailable == nil }

    /// Root, and `losetup` really attaches (and detaches) a loop device.
    public static let losetup: Bool = {
        guard isRoot, let s = try? Scratch(), let p = try? s.write("probe.img", Scratch.random(count: 65536, seed: 1)),
              let loop = try? Loop(p) else { return false }
        loop.detach()
        return true
    }()

    /// Loop devices, and the tools to make and mount ext4 on one.
    public static let mountExt4 = losetup && have("mkfs.ext4", "mount", "umount")

    /// /dev/fuse exists (ewfmount, nbdfuse).
    public static let fuse = FileManager.default.fileExists(atPath: "/dev/fuse")

    /// ewfacquire (ewf-tools) to make E01 sets.
    public static let ewfacquire = has("ewfacquire")

    /// Root, ewfacquire, ewfmount and /dev/fuse.
    public static let ewfmount = isRoot && ewfacquire && has("ewfmount") && fuse

    /// A tmpfs mount point (/dev/shm), or nil.
    public static let tmpfs: String? = {
        let r = try? Subprocess.run("findmnt", ["-n", "-o", "FSTYPE", "-T", "/dev/shm"])
        return r?.stdout.split(separator: "\n").first == "tmpfs" ? "/dev/shm" : nil
    }()
}
