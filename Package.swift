// swift-tools-version: 6.0
// Swift 6 language mode (the tools version's default) with strict concurrency.
// Layers and the direction of their arrows: ../shared/DESIGN.md and README.md.
import PackageDescription

let package = Package(
    name: "blkview",
    products: [
        .executable(name: "blkview", targets: ["blkview"]),
        .executable(name: "DiskFormatsFuzz", targets: ["DiskFormatsFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        // MD5, SHA-1, SHA-256 (vendored BoringSSL with SHA-NI) for `hash` and `--hash`.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        // C boundary: libaio, O_DIRECT, statx, block-device ioctls (libaio-dev).
        .target(
            name: "CLinuxAIO",
            linkerSettings: [.linkedLibrary("aio")]
        ),
        // C boundary: ncursesw macros and globals as functions (libncursesw5-dev).
        .target(
            name: "CNcursesw",
            linkerSettings: [.linkedLibrary("ncursesw")]
        ),
        // The engine: AioContext over Linux native AIO, and the threaded fallback.
        .target(
            name: "LinuxAIO",
            dependencies: [
                "CLinuxAIO",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // Images and devices: geometry, split raw, EWF, the read-only guarantee.
        .target(name: "BlockDevice", dependencies: ["LinuxAIO", "CLinuxAIO", "CLibEWF"]),
        // C boundary: libewf for EWF (.E01) evidence sets (libewf-dev).
        .target(
            name: "CLibEWF",
            linkerSettings: [.linkedLibrary("ewf")]
        ),
        // Pure parsers of on-disk structures; no I/O, imports nothing of ours.
        .target(name: "DiskFormats"),
        // The viewer without a terminal: cache, document, panels into a ScreenBuffer.
        .target(
            name: "Inspector",
            dependencies: [
                "BlockDevice", "DiskFormats", "LinuxAIO", "CLinuxAIO",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The only ncurses user.
        .target(name: "CursesUI", dependencies: ["Inspector", "CNcursesw"]),
        .executableTarget(
            name: "blkview",
            dependencies: [
                "CursesUI", "Inspector", "BlockDevice", "DiskFormats", "LinuxAIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(name: "LinuxAIOTests", dependencies: ["LinuxAIO", "CLinuxAIO"]),
        // The viewer without a terminal: reducer, renderer (golden screens), search.
        .testTarget(name: "ViewerTests", dependencies: ["Inspector", "BlockDevice", "LinuxAIO", "DiskFormats"], exclude: ["Golden"]),
        // Drives the real binary (and, for the viewer, tmux): depends on it so
        // that `swift test` builds it.
        .testTarget(name: "EndToEndTests", dependencies: ["blkview", "LinuxAIO"]),
        // The page cache (pure and over real O_DIRECT files); depends on the
        // executable only for the env-gated scroll/jumps benchmark harness.
        .testTarget(
            name: "InspectorTests",
            dependencies: ["Inspector", "BlockDevice", "LinuxAIO", "CLinuxAIO", "blkview"]
        ),
        .testTarget(name: "BlockDeviceTests", dependencies: ["BlockDevice", "LinuxAIO", "CLinuxAIO"]),
        .testTarget(name: "DiskFormatsTests", dependencies: ["DiskFormats"]),
        // libFuzzer harness for every DiskFormats parser: see scripts/fuzz.sh.
        .executableTarget(name: "DiskFormatsFuzz", dependencies: ["DiskFormats"]),
        // Patching: staged edits, block plan, undo journal format, patch and undo engines on real files.
        .testTarget(name: "PatchTests", dependencies: ["Inspector", "BlockDevice", "LinuxAIO"]),
        // dump's formatters and search's scanner, hole map and chunk pipeline.
        .testTarget(name: "BatchTests", dependencies: ["Inspector", "BlockDevice", "LinuxAIO"]),
        // Hashing (multi-algorithm, verification logs) and the session log: pure
        // and over real files.
        .testTarget(name: "ForensicTests", dependencies: ["Inspector", "BlockDevice", "LinuxAIO"], exclude: ["Fixtures"]),
    ]
)
