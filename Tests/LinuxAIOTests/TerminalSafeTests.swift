import LinuxAIO
import Testing

@Suite("String.terminalSafe")
struct TerminalSafeTests {
    @Test("control characters become visible escapes; printable text, backslashes and UTF-8 are kept")
    func escapes() {
        #expect("/tmp/a\u{1B}[31mb\nc.bvundo".terminalSafe == "/tmp/a\\e[31mb\\nc.bvundo")
        #expect("\r\t\u{0}\u{7}\u{7F}".terminalSafe == "\\r\\t\\x00\\x07\\x7f")
        #expect("\u{9B}2J".terminalSafe == "\\x9b2J", "C1 CSI")
        #expect("abc\u{202E}txt.exe".terminalSafe == "abc\\u{202e}txt.exe", "bidi override")
        #expect("plain/päth ünïcode ✓ C:\\dir".terminalSafe == "plain/päth ünïcode ✓ C:\\dir")
        #expect("".terminalSafe == "")
    }

    @Test("idempotent: escaping twice changes nothing more (messages built from escaped parts)")
    func idempotent() {
        for s in ["a\u{1B}]0;title\u{7}\n", "x\u{85}y\u{2066}z", "\\e already"] {
            #expect(s.terminalSafe.terminalSafe == s.terminalSafe)
            #expect(!s.terminalSafe.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        }
    }

    @Test("IOError descriptions escape the path")
    func ioError() {
        let e = IOError(operation: .read, fd: -1, path: "/dev/x\u{1B}[2J\ny", offset: 4096, length: 512, errno: Errno(5))
        #expect(e.description.contains("/dev/x\\e[2J\\ny"), "\(e.description)")
        #expect(!e.description.contains("\u{1B}") && !e.description.contains("\n"))
    }
}
