import Inspector
import Testing

@Suite("Verification records: ewfacquire, dc3dd, FTK Imager, digests")
struct VerificationLogTests {
    let computed: [HashAlgorithm: String] = {
        var d = MultiDigest(HashAlgorithm.allCases)
        d.update(Pattern.bytes())
        return d.finalize()
    }()

    @Test("the pattern's digests are the ones the tools computed")
    func patternDigests() {
        #expect(computed == [.md5: Pattern.md5, .sha1: Pattern.sha1, .sha256: Pattern.sha256])
    }

    @Test("each record format parses, matches the stream, and a changed stream mismatches",
          arguments: [
              ("ewfacquire.log", ExpectedHashes.Kind.ewfacquireLog, [HashAlgorithm.md5, .sha1, .sha256]),
              ("ewfacquire-console.txt", .ewfacquireLog, [.md5, .sha1, .sha256]),
              ("dc3dd-hofs.log", .dc3ddLog, [.md5, .sha1, .sha256]),
              ("ftk-imager-summary.txt", .ftkImagerSummary, [.md5, .sha1]),
              ("ftk-imager-summary-utf16.txt", .ftkImagerSummary, [.md5, .sha1]),
          ])
    func recordFormats(name: String, kind: ExpectedHashes.Kind, algorithms: [HashAlgorithm]) throws {
        let e = try VerificationLog.parse(Fixtures.text(name), origin: name)
        #expect(e.kind == kind)
        #expect(e.digests.keys.sorted() == algorithms)
        let checks = e.checks(against: computed)
        #expect(checks.count == algorithms.count)
        #expect(checks.allSatisfy { $0.matches }, "\(checks)")
        var other = Pattern.bytes()
        other[4096] ^= 1
        var d = MultiDigest(HashAlgorithm.allCases)
        d.update(other)
        let bad = e.checks(against: d.finalize())
        #expect(!bad.contains { $0.matches })
        #expect(bad.first?.description.contains("MISMATCH") == true)
    }

    @Test("dc3dd: the per-piece digests of hofs= are not taken for the media's")
    func dc3ddPieces() throws {
        let e = try VerificationLog.parse(Fixtures.text("dc3dd-hofs.log"), origin: "x")
        #expect(e.digests[.md5] == Pattern.md5)
        #expect(e.digests[.sha256] == Pattern.sha256)
    }

    @Test("FTK Imager: [Computed Hashes] win over the verification lines")
    func ftkComputedFirst() throws {
        let text = try Fixtures.text("ftk-imager-summary.txt")
            .replacingOccurrences(of: "\(Pattern.md5) : verified", with: "00000000000000000000000000000000 : verified")
        #expect(try VerificationLog.parse(text, origin: "x").digests[.md5] == Pattern.md5)
    }

    @Test("a checksum file (md5sum output) and a bare digest file")
    func checksumFile() throws {
        let e = try VerificationLog.parse("\(Pattern.sha256)  image.raw\n", origin: "x")
        #expect(e.kind == .checksumFile && e.digests == [.sha256: Pattern.sha256])
    }

    @Test("a file without digests is an error that says what was expected")
    func noDigests() {
        #expect(throws: VerificationLogError.self) { try VerificationLog.parse("hello\nworld\n", origin: "notes.txt") }
        do {
            _ = try VerificationLog.parse("", origin: "empty.txt")
        } catch {
            #expect(error.description.contains("empty.txt") && error.description.contains("dc3dd"))
        }
    }

    @Test("hex digests: algorithm by length, prefixes, case, junk")
    func digests() {
        #expect(ExpectedHashes.digest(Pattern.md5)?.digests == [.md5: Pattern.md5])
        #expect(ExpectedHashes.digest(Pattern.sha1.uppercased())?.digests == [.sha1: Pattern.sha1])
        #expect(ExpectedHashes.digest("sha256:" + Pattern.sha256)?.digests == [.sha256: Pattern.sha256])
        #expect(ExpectedHashes.digest("md5=" + Pattern.sha1) == nil)  // the length says SHA-1
        #expect(ExpectedHashes.digest("abc") == nil)
        #expect(ExpectedHashes.digest("/path/to/log.txt") == nil)
        let c = ExpectedHashes.digest(Pattern.md5)!.checks(against: [.sha1: Pattern.sha1])
        #expect(c.count == 1 && c[0].computed == nil && !c[0].matches)
    }

    @Test("--algorithms lists")
    func algorithmLists() throws {
        #expect(try HashAlgorithm.parseList("sha256, MD5,sha-1,md5") == [.md5, .sha1, .sha256])
        #expect(throws: HashAlgorithmListError.self) { try HashAlgorithm.parseList("md5,crc32") }
        #expect(throws: HashAlgorithmListError.self) { try HashAlgorithm.parseList(",") }
    }

    @Test("lanes: MD5 alone, SHA-1 and SHA-256 together; without MD5 one each")
    func lanes() {
        #expect(MultiDigest.lanes(for: [.md5, .sha1, .sha256]) == [[.md5], [.sha1, .sha256]])
        #expect(MultiDigest.lanes(for: [.sha1, .sha256]) == [[.sha1], [.sha256]])
        #expect(MultiDigest.lanes(for: [.sha256]) == [[.sha256]])
        #expect(MultiDigest.lanes(for: [.md5, .sha256]) == [[.md5], [.sha256]])
    }

    @Test("known vectors: \"abc\"")
    func vectors() {
        var d = MultiDigest(HashAlgorithm.allCases)
        d.update(Array("abc".utf8))
        #expect(d.finalize() == [
            .md5: "900150983cd24fb0d6963f7d28e17f72",
            .sha1: "a9993e364706816aba3e25717850c26c9cd0d89d",
            .sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ])
    }
}
