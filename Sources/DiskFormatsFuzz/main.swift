// The fuzz executable. Built with -DFUZZING and -sanitize=fuzzer,address it
// hands control to libFuzzer (SwiftPM's own main would otherwise win and the
// fuzzer would silently do nothing); built normally it replays files given on
// the command line through the same target, or says how to fuzz.
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    FuzzTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Writes a line to standard error (Glibc's `stderr` is a global var Swift 6 rejects).
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

#if FUZZING
typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

// libFuzzer's driver, linked in by -sanitize=fuzzer. Declared by symbol name:
// no C header is needed, and its three pointer-sized arguments and Int32
// result are passed the same way by the Swift and C conventions on x86-64 and
// arm64. (dlsym cannot find it: the runtime's symbols are not exported.)
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: TestOneInput
) -> Int32

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzTestOneInput))
#else
let files = CommandLine.arguments.dropFirst()
if files.isEmpty {
    print("""
    DiskFormatsFuzz: libFuzzer harness for the DiskFormats parsers.
    Fuzz:   scripts/fuzz.sh [seconds]
            (swift build --scratch-path .build-fuzz -c debug --product DiskFormatsFuzz \\
             -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING)
    Replay: DiskFormatsFuzz FILE...   (runs each file through the harness once)
    """)
} else {
    for path in files {
        guard let f = fopen(path, "rb") else { printError("cannot open \(path)"); exit(1) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        fclose(f)
        FuzzTarget.run(bytes)
        print("ok \(path) (\(bytes.count) bytes)")
    }
}
#endif
