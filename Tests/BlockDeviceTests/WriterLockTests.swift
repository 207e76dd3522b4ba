@testable import BlockDevice
import Foundation
import Glibc
import LinuxAIO
import Testing
import TestSupport

/// One writer at a time (OFD locks are per open file description, so two
/// writable opens in one process conflict exactly as two processes would).
@Suite struct WriterLockTests {
    @Test("a second writer is refused, naming the holder's pid; a reader alongside changes nothing")
    func secondWriterRefused() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let bytes = try s.writeRandom("disk.img", count: 64 << 10, seed: 3)
        let path = s.file("disk.img")
        let permit = try WritePermit.request(path: path, forensic: false)
        let writer = try BlockSources.openWritable(permit: permit)
        do {
            _ = try BlockSources.openWritable(permit: try WritePermit.request(path: path, forensic: false))
            Issue.record("a second writer was let in")
        } catch {
            #expect(error.reason == .writeRefused(.anotherWriter(pid: getpid())))
            #expect(error.description == "cannot open \(path) for writing: another writer has it open (pid \(getpid())) — one writer at a time: wait for it to finish or close it")
        }
        // A reader (what --forensic does) opens alongside, takes no lock, and reads the bytes.
        let reader = try BlockSources.open(path: path)
        #expect(try await readAll(reader) == bytes)
        await reader.close()
        #expect(WriterLock.holder(of: FileIdentity(dev: 0, ino: 0)) == nil)
        // The lock goes with the writer's descriptor.
        await writer.close()
        let again = try BlockSources.openWritable(permit: try WritePermit.request(path: path, forensic: false))
        await again.close()
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_size == 64 << 10)
    }
}
