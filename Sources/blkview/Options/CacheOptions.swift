import ArgumentParser

/// The page cache's size options, shared by the viewer and `bench --mode scroll|jumps`.
struct CacheOptions: ParsableArguments {
    @Option(help: "Page size of the cache (a power of two from 512 B to 16 MiB).")
    var pageSize = ByteCount(64 << 10)

    @Option(help: "Memory budget of the page cache (at least one page).")
    var cache = ByteCount(64 << 20)

    func validate() throws {
        guard pageSize.isPowerOfTwo, pageSize.bytes >= 512, pageSize.bytes <= 16 << 20 else {
            throw ValidationError("--page-size must be a power of two from 512 B to 16 MiB (got '\(pageSize.defaultValueDescription)')")
        }
        guard cache.bytes >= pageSize.bytes else {
            throw ValidationError("--cache must be a size of at least one page (got '\(cache.defaultValueDescription)')")
        }
    }
}
