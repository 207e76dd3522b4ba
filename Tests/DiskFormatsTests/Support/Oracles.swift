// The independent tools' answers, parsed: blkid, sfdisk --json, sgdisk -p, fdisk -l, mmls.
import Foundation
import TestSupport

/// `blkid -p -o export` for the area at `offset` (of `size` bytes) of `image`: KEY → value.
/// Empty when blkid finds nothing (exit status 2).
func blkid(_ image: String, offset: Int64 = 0, size: Int64? = nil) throws -> [String: String] {
    var args = ["-p", "-o", "export", "-O", String(offset)]
    if let size { args += ["-S", String(size)] }
    let output = try Subprocess.run("blkid", args + [image], environment: ["LC_ALL": "C.UTF-8"])
    guard output.status == 0 else { return [:] }
    var values: [String: String] = [:]
    for line in output.stdout.split(separator: "\n") {
        guard let eq = line.firstIndex(of: "=") else { continue }
        values[String(line[..<eq])] = unescapeBlkid(Array(line[line.index(after: eq)...].utf8))
    }
    return values
}

/// Undoes `blkid -o export`'s escapes: `\ ` for shell-special characters and
/// cat -v notation for bytes outside printable ASCII (`M-C` is 0xC3, `^I` is 0x09).
func unescapeBlkid(_ b: [UInt8]) -> String {
    var out: [UInt8] = []
    var i = 0
    func at(_ k: Int) -> UInt8? { k < b.count ? b[k] : nil }
    while i < b.count {
        if b[i] == UInt8(ascii: "\\"), let next = at(i + 1) {
            out.append(next); i += 2
        } else if b[i] == UInt8(ascii: "M"), at(i + 1) == UInt8(ascii: "-"), let c = at(i + 2) {
            if c == UInt8(ascii: "^"), let d = at(i + 3) {
                out.append((d ^ 0x40) | 0x80); i += 4
            } else {
                out.append(c | 0x80); i += 3
            }
        } else if b[i] == UInt8(ascii: "^"), let c = at(i + 1), c >= 0x3F, c <= 0x5F {
            out.append(c ^ 0x40); i += 2
        } else {
            out.append(b[i]); i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// One partition as sfdisk --json reports it.
struct SfdiskPartition {
    var index: Int
    var start: Int64
    var size: Int64
    var type: String
    var uuid: String?
    var name: String?
    var bootable: Bool
}

/// `sfdisk --json image`: the label (`dos`/`gpt`), sector size and partitions.
func sfdisk(_ image: String) throws -> (label: String, sectorSize: Int, partitions: [SfdiskPartition]) {
    let output = try Subprocess.checked("sfdisk", ["--json", image])
    let root = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
    let table = root?["partitiontable"] as? [String: Any] ?? [:]
    let parts = (table["partitions"] as? [[String: Any]] ?? []).map { p -> SfdiskPartition in
        let node = p["node"] as? String ?? ""
        let digits = node.reversed().prefix { $0.isNumber }
        return SfdiskPartition(
            index: Int(String(digits.reversed())) ?? -1,
            start: (p["start"] as? NSNumber)?.int64Value ?? -1,
            size: (p["size"] as? NSNumber)?.int64Value ?? -1,
            type: p["type"] as? String ?? "",
            uuid: p["uuid"] as? String, name: p["name"] as? String,
            bootable: p["bootable"] as? Bool ?? false)
    }
    return (table["label"] as? String ?? "", (table["sectorsize"] as? NSNumber)?.intValue ?? 512, parts)
}

/// `mmls` data rows (neither `Meta` nor unallocated): start and length in sectors.
func mmls(_ image: String, sectorSize: Int = 512) throws -> [(start: Int64, length: Int64)] {
    var args = [image]
    if sectorSize != 512 { args = ["-b", String(sectorSize), image] }
    let output = try Subprocess.checked("mmls", args)
    var rows: [(Int64, Int64)] = []
    for line in output.stdout.split(separator: "\n") {
        let cols = line.split(separator: " ", omittingEmptySubsequences: true)
        guard cols.count >= 5, cols[0].hasSuffix(":"), cols[1] != "Meta", cols[1] != "-------",
              let start = Int64(cols[2]), let length = Int64(cols[4]) else { continue }
        rows.append((start, length))
    }
    return rows
}

/// `sgdisk -p` rows: number, start, end (inclusive) and name.
func sgdiskRows(_ image: String) throws -> [(index: Int, start: Int64, end: Int64, name: String)] {
    let output = try Subprocess.checked("sgdisk", ["-p", image])
    var rows: [(Int, Int64, Int64, String)] = []
    var inTable = false
    for line in output.stdout.split(separator: "\n") {
        if line.hasPrefix("Number") { inTable = true; continue }
        guard inTable else { continue }
        let cols = line.split(separator: " ", omittingEmptySubsequences: true)
        // Number Start End Size Unit Code Name…
        guard cols.count >= 6, let n = Int(cols[0]), let start = Int64(cols[1]), let end = Int64(cols[2]) else { continue }
        rows.append((n, start, end, cols.dropFirst(6).joined(separator: " ")))
    }
    return rows
}

/// `fdisk -b SIZE -l` rows: number, start, sectors, type GUID, unique GUID.
func fdiskRows(_ image: String, sectorSize: Int) throws -> [(index: Int, start: Int64, size: Int64, type: String, uuid: String)] {
    let output = try Subprocess.checked("fdisk", ["-b", String(sectorSize), "-l", "-o", "Device,Start,Sectors,Type-UUID,UUID", image])
    var rows: [(Int, Int64, Int64, String, String)] = []
    let base = (image as NSString).lastPathComponent
    for line in output.stdout.split(separator: "\n") {
        let cols = line.split(separator: " ", omittingEmptySubsequences: true)
        guard cols.count >= 5, cols[0].contains(base), let start = Int64(cols[1]), let size = Int64(cols[2]) else { continue }
        let digits = String(cols[0].reversed().prefix { $0.isNumber }.reversed())
        rows.append((Int(digits) ?? -1, start, size, String(cols[3]), String(cols[4])))
    }
    return rows
}
