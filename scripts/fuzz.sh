#!/usr/bin/env bash
# Fuzz every DiskFormats parser with libFuzzer for SECONDS (default 600).
#   scripts/fuzz.sh [seconds] [extra libFuzzer flags...]
# Builds into .build-fuzz (separate from the normal build), runs on a working
# copy of the seed corpus (Tests/Fixtures/formats/corpus) in .build-fuzz/corpus,
# and writes crash files to .build-fuzz/artifacts/. Exits non-zero on a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
scratch=.build-fuzz
swift build --scratch-path "$scratch" -c debug --product DiskFormatsFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
bin="$(swift build --scratch-path "$scratch" -c debug --show-bin-path)/DiskFormatsFuzz"
mkdir -p "$scratch/corpus" "$scratch/artifacts"
cp -n Tests/Fixtures/formats/corpus/* "$scratch/corpus/" 2>/dev/null || true
# SWIFT_BACKTRACE=enable=no: let libFuzzer, not Swift's backtracer, handle the crash.
SWIFT_BACKTRACE=enable=no "$bin" "$scratch/corpus" \
    -max_total_time="$seconds" -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$scratch/artifacts/" -print_final_stats=1 "$@"
