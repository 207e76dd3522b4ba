import Foundation
@testable import Inspector
import TestSupport
import Testing

/// The data inspector's decoders against Python's `struct`, `datetime` and
/// `uuid` on the same bytes, its encoders, and its panel.
@Suite struct DataInspectorTests {
    /// Python computes every field for each pattern (16 bytes, hex).
    static let python = #"""
import struct, datetime, uuid, json, random, sys
def ts(base, secs, frac=''):
    try:
        return (base + datetime.timedelta(seconds=secs)).isoformat(' ') + frac + ' UTC'
    except OverflowError:
        return 'out of range'
def char(cp):
    s = 'U+%04X' % cp
    return s if cp < 0x20 or 0x7f <= cp <= 0x9f else "'%s' %s" % (chr(cp), s)
def utf8(b):
    n = 2 if 0xc2 <= b[0] <= 0xdf else 3 if 0xe0 <= b[0] <= 0xef else 4 if 0xf0 <= b[0] <= 0xf4 else 1
    try:
        return char(ord(b[:n].decode('utf-8')))
    except UnicodeDecodeError:
        return 'invalid'
def utf16(b):
    n = 4 if 0xd8 <= b[1] <= 0xdb else 2
    try:
        return char(ord(b[:n].decode('utf-16-le')))
    except UnicodeDecodeError:
        return 'invalid'
def fat(b):
    t, d = struct.unpack('<HH', b[:4])
    try:
        return datetime.datetime(1980 + (d >> 9), d >> 5 & 15, d & 31, t >> 11, t >> 5 & 63, (t & 31) * 2).isoformat(' ')
    except ValueError:
        return 'invalid'
def ext4(b):
    lo, extra = struct.unpack('<iI', b[:8])
    ns = extra >> 2
    return 'invalid' if ns >= 10**9 else ts(datetime.datetime(1970, 1, 1), lo + ((extra & 3) << 32), '.%09d' % ns)
def filetime(b):
    t = struct.unpack('<Q', b[:8])[0]
    return ts(datetime.datetime(1601, 1, 1), t // 10**7, '.%07d' % (t % 10**7))
def fields(b):
    u = lambda f: struct.unpack(f, b[:struct.calcsize(f)])[0]
    return {
        'u8': str(u('B')), 'i8': str(u('b')), 'binary': format(b[0], '08b'),
        'u16 LE': str(u('<H')), 'u16 BE': str(u('>H')), 'i16 LE': str(u('<h')), 'i16 BE': str(u('>h')),
        'u32 LE': str(u('<I')), 'u32 BE': str(u('>I')), 'i32 LE': str(u('<i')), 'i32 BE': str(u('>i')),
        'u64 LE': str(u('<Q')), 'u64 BE': str(u('>Q')), 'i64 LE': str(u('<q')), 'i64 BE': str(u('>q')),
        'f32 LE': repr(u('<f')), 'f32 BE': repr(u('>f')), 'f64 LE': repr(u('<d')), 'f64 BE': repr(u('>d')),
        'Unix time 32': ts(datetime.datetime(1970, 1, 1), u('<i')), 'Unix time 64': ts(datetime.datetime(1970, 1, 1), u('<q')),
        'FAT time+date': fat(b), 'NTFS FILETIME': filetime(b), 'ext4 time+extra': ext4(b),
        'HFS time': ts(datetime.datetime(1904, 1, 1), u('>I')),
        'GPT GUID': str(uuid.UUID(bytes_le=bytes(b[:16]))).upper(), 'UTF-8': utf8(b), 'UTF-16LE': utf16(b),
    }
pats = [bytes(range(16)), b'\xff' * 16, bytes(16),
        struct.pack('<iI', 1700000000, (123456789 << 2) | 1) + b'\x80' * 8,
        struct.pack('<HH', 13 << 11 | 45 << 5 | 15, 44 << 9 | 2 << 5 | 29) + b'\x00' * 12,
        struct.pack('<HH', 0, 44 << 9 | 2 << 5 | 30) + b'\x00' * 12,
        struct.pack('<Q', 133500000001234567) + b'\x01' * 8,
        uuid.UUID('C12A7328-F81F-11D2-BA4B-00A0C93EC93B').bytes_le,
        'é€😀'.encode() + b'\x00' * 7, '€x'.encode() + bytes(12), '😀'.encode('utf-16-le') + bytes(12),
        b'\xc3\x28' + bytes(14), b'\x00\xdc' + bytes(14), b'\x0a\x00' + bytes(14),
        struct.pack('<d', 3.141592653589793) + struct.pack('>f', 1.1) + bytes(4),
        struct.pack('>I', 3786720000) + bytes(12), struct.pack('<q', -86400 * 365) + bytes(8)]
r = random.Random(16)
pats += [bytes(r.randrange(256) for _ in range(16)) for _ in range(40)]
print(json.dumps([{'hex': p.hex(), 'fields': fields(p)} for p in pats]))
"""#

    struct Case: Decodable {
        let hex: String
        let fields: [String: String]
    }

    @Test("every field of 57 byte patterns agrees with Python's struct, datetime and uuid")
    func goldenAgainstPython() throws {
        let out = try Subprocess.checked("python3", ["-c", Self.python])
        let cases = try JSONDecoder().decode([Case].self, from: Data(out.stdout.utf8))
        #expect(cases.count == 57)
        for c in cases {
            let bytes = try #require(PatchRun.parseHex(c.hex))
            let cells = bytes.map { ByteCell.byte($0) }
            for f in InspectorField.allCases {
                let ours = InspectorField.text(f, cells: cells)
                let theirs = try #require(c.fields[f.rawValue], "python has no \(f.rawValue)")
                switch f {
                case .f32le, .f32be:
                    // Python shows the float as a double; compare the values.
                    let a = Float(ours), b = Double(theirs).map(Float.init)
                    #expect(a == b || (a?.isNaN == true && b?.isNaN == true), "\(f.rawValue) of \(c.hex): \(ours) vs \(theirs)")
                case .f64le, .f64be:
                    let a = Double(ours), b = Double(theirs)
                    #expect(a == b || (a?.isNaN == true && b?.isNaN == true), "\(f.rawValue) of \(c.hex): \(ours) vs \(theirs)")
                default:
                    if theirs == "invalid" || theirs == "out of range" {
                        #expect(ours.hasPrefix(theirs), "\(f.rawValue) of \(c.hex): \(ours) vs \(theirs)")
                    } else {
                        #expect(ours == theirs, "\(f.rawValue) of \(c.hex)")
                    }
                }
            }
        }
    }

    @Test("bytes past the end show —; unreadable ??; not loaded …")
    func unavailableBytes() {
        let cells: [ByteCell] = [.byte(1), .byte(2), .pastEnd, .pastEnd]
        #expect(InspectorField.text(.u8, cells: cells) == "1")
        #expect(InspectorField.text(.u16le, cells: cells) == "513")
        #expect(InspectorField.text(.u32le, cells: cells) == "—")
        #expect(InspectorField.text(.guid, cells: cells) == "—")
        #expect(InspectorField.text(.u16be, cells: [.byte(1), .unreadable]) == "??")
        #expect(InspectorField.text(.u16be, cells: [.byte(1), .pending]) == "…")
        #expect(InspectorField.text(.u8, cells: []) == "—")
    }

    @Test("typed values encode to the bytes Python packs; each decodes back to what was typed")
    func encodeRoundTrip() throws {
        let values: [(InspectorField, String, String)] = [
            (.u8, "255", "struct.pack('<B', 255)"), (.i8, "-128", "struct.pack('<b', -128)"),
            (.u16be, "48879", "struct.pack('>H', 0xbeef)"), (.i32le, "-2", "struct.pack('<i', -2)"),
            (.u32le, "3735928559", "struct.pack('<I', 3735928559)"), (.i64be, "-9223372036854775808", "struct.pack('>q', -2**63)"),
            (.u64le, "18446744073709551615", "struct.pack('<Q', 2**64-1)"), (.f32le, "1.5", "struct.pack('<f', 1.5)"),
            (.f64be, "-2e10", "struct.pack('>d', -2e10)"), (.binary, "1011", "bytes([11])"),
            (.unix32, "2024-02-29 13:45:30", "struct.pack('<i', int(datetime.datetime(2024,2,29,13,45,30,tzinfo=datetime.timezone.utc).timestamp()))"),
            (.unix64, "1900-01-01 00:00:00", "struct.pack('<q', int(datetime.datetime(1900,1,1,tzinfo=datetime.timezone.utc).timestamp()))"),
            (.hfs, "2024-01-01 00:00:00", "struct.pack('>I', (datetime.datetime(2024,1,1)-datetime.datetime(1904,1,1)).days*86400)"),
            (.fat, "2024-02-29 13:45:30", "struct.pack('<HH', 13<<11|45<<5|15, 44<<9|2<<5|29)"),
            (.filetime, "2024-01-02 03:04:05.1234567", "struct.pack('<Q', ((datetime.datetime(2024,1,2,3,4,5)-datetime.datetime(1601,1,1)).days*86400+3*3600+4*60+5)*10**7+1234567)"),
            (.ext4, "2300-01-01 00:00:00.000000005", "ext4(int((datetime.datetime(2300,1,1)-datetime.datetime(1970,1,1)).total_seconds()), 5)"),
            (.ext4, "1950-06-01 12:00:00.5", "ext4(int((datetime.datetime(1950,6,1,12)-datetime.datetime(1970,1,1)).total_seconds()), 500000000)"),
            (.guid, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "uuid.UUID('C12A7328-F81F-11D2-BA4B-00A0C93EC93B').bytes_le"),
            (.utf8, "€", "'€'.encode()"), (.utf16, "😀", "'😀'.encode('utf-16-le')"),
        ]
        let helper = """
            import struct, datetime, uuid
            def ext4(secs, ns):
                lo = (secs + 2**31) % 2**32 - 2**31
                return struct.pack('<iI', lo, ns << 2 | ((secs - lo) >> 32))

            """
        let script = helper + values.map { "print(\($0.2).hex())" }.joined(separator: "\n")
        let lines = try Subprocess.checked("python3", ["-c", script]).stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == values.count)
        for ((f, text, _), hex) in zip(values, lines) {
            let bytes = try f.encode(text)
            #expect(bytes == PatchRun.parseHex(hex), "\(f.rawValue) \(text)")
            let back = InspectorField.decode(f, bytes + [UInt8](repeating: 0, count: 16))
            #expect(back.hasPrefix(text) || back.contains(text) || Double(back) == Double(text), "\(f.rawValue): \(text) → \(back)")
        }
    }

    @Test("values that do not fit are refused with one line saying why")
    func refusals() {
        let bad: [(InspectorField, String, String)] = [
            (.u8, "256", "does not fit (0…255)"), (.u8, "-1", "does not fit"), (.i8, "128", "does not fit (-128…127)"),
            (.u16le, "x12", "is not an integer"), (.f32le, "1e39", "does not fit a 32-bit float"),
            (.unix32, "2040-01-01 00:00:00", "does not fit 32 bits"), (.fat, "1979-12-31 23:59:58", "1980 to 2107"),
            (.fat, "2024-01-01 00:00:01", "2-second steps"), (.hfs, "1903-12-31 23:59:59", "outside 1904"),
            (.ext4, "2500-01-01 00:00:00", "outside"), (.guid, "C12A7328-F81F-11D2-BA4B", "XXXXXXXX-"),
            (.utf8, "ab", "one character"), (.binary, "102", "binary digits"), (.u32be, "", "type"),
            (.unix64, "2024-02-30 00:00:00", "type"),
        ]
        for (f, text, why) in bad {
            #expect(throws: InspectorValueError.self, "\(f.rawValue) '\(text)'") { try f.encode(text) }
            do {
                _ = try f.encode(text)
            } catch {
                #expect(error.description.contains(why), "\(f.rawValue) '\(text)': \(error.description)")
                #expect(!error.description.contains("\n"))
            }
        }
    }
}
