import DiskFormats
import FileSystems
import LinuxAIO

extension FilesService {
    /// Builds the owner map of the file system at `off` (once) and its inode
    /// → names table, in two workers of their own (the read path's background
    /// class, nice 10, SCHED_IDLE; see `FileSystemSession.ownerIndex`).
    func buildMap(_ off: Int64) {
        var background = spec(off, interactive: false)
        background.nice = BackgroundPriority.nice
        let spec = background
        let started = volumes.withLock { v -> Bool in
            guard var slot = v[off] else { return false }
            if slot.map != nil && slot.names != nil { return false }
            if let m = slot.mapper, !m.isCancelled { return false }
            slot.mapper = Task { await self.mapTask(off, spec) }
            v[off] = slot
            return true
        }
        if !started {
            // Not opened yet: open, then build.
            let known = volumes.withLock { $0[off] != nil }
            if !known { Task { _ = try? await session(off); buildMap(off) } }
            else if volumes.withLock({ $0[off]?.map != nil && $0[off]?.names != nil }) {
                post(.map(fsOffset: off, OwnerMapStatus(label: label(off), phase: .ready)))
            }
        }
    }

    private func label(_ off: Int64) -> String { volumes.withLock { $0[off]?.label } ?? "" }

    private func mapTask(_ off: Int64, _ spec: FileSystemSpec) async {
        var name = places.withLock { $0[off] } ?? "0x" + String(off, radix: 16)
        if let fs = try? await session(off) { name += " " + fs.info.type }
        let label = name
        volumes.withLock { $0[off]?.label = label }
        post(.map(fsOffset: off, OwnerMapStatus(label: label, phase: .building(percent: 0))))
        let lastReport = Protected<UInt64>(0)
        do {
            let fs = try await FileSystemSession.open(spec)
            defer { Task { await fs.close() } }
            // Map and names in two workers at nice 10 and SCHED_IDLE, decoded
            // on reader threads likewise: the viewer's frames come first.
            let index = try await fs.ownerIndex(lowPriority: true) { i, last in
                let now = monotonicNanoseconds()
                let due = lastReport.withLock { t -> Bool in
                    guard now &- t >= 100_000_000 else { return false }
                    t = now
                    return true
                }
                if due, last > 0 {
                    self.post(.map(fsOffset: off, OwnerMapStatus(label: label, phase: .building(percent: Int(min(99, i * 100 / max(1, last)))))))
                }
            }
            try Task.checkCancellation()
            let map = index.map
            let names = index.names
            volumes.withLock { v in
                v[off]?.map = map
                v[off]?.names = names
                v[off]?.mapper = nil
            }
            post(.map(fsOffset: off, OwnerMapStatus(label: label, phase: .ready)))
            // A lookup that ran without the map is answered again.
            lookup.withLock { $0 = nil }
            wake()
        } catch {
            volumes.withLock { $0[off]?.mapper = nil }
            let cancelled = Task.isCancelled || error is CancellationError
            post(.map(fsOffset: off, OwnerMapStatus(label: label, phase: cancelled ? .cancelled : .failed("\(error)"))))
        }
    }

    /// Called every frame: when the cursor moved, its owner is looked up —
    /// at once from a built map, and, once the cursor rests, from the worker
    /// (block flags, the metadata record). Lookups are never cancelled (that
    /// would kill the worker mid-request): a stale answer is dropped.
    func track(_ state: ViewerState) {
        guard let disk = state.disk else { return }
        let cursor = state.cursor
        let changed = lookup.withLock { l -> Bool in
            guard l != cursor else { return false }
            l = cursor
            return true
        }
        guard changed else { return }
        guard let (off, place) = FileSystemPlace.containing(cursor, disk: disk, mediaSize: state.source.size, known: true) else {
            post(.owner(OwnerLine(offset: cursor, text: "")))
            return
        }
        let ready = volumes.withLock { v in v[off].flatMap { s in s.map.flatMap { m in s.names.map { (m, $0) } } } }
        let info = volumes.withLock { $0[off]?.info }
        var quick: OwnerLine?
        if let (map, names) = ready, let info, let hit = map.owner(ofMediaOffset: cursor) {
            quick = OwnerText.quick(cursor, head: "\(place) \(info.type) › ", hit: hit, names: names, info: info)
            post(.owner(quick!))
        }
        let current: @Sendable () -> Bool = { [weak self] in self?.lookup.withLock { $0 == cursor } ?? false }
        Task {
            try? await Task.sleep(nanoseconds: Self.restNanoseconds)
            guard current() else { return }
            let line = await owner(cursor, fsOffset: off, place: place, ready: ready, quick: quick)
            guard current(), let line else { return }
            post(.owner(line))
        }
    }

    private func owner(_ cursor: Int64, fsOffset off: Int64, place: String,
                       ready: (FSOwnerMap, [UInt64: [FSEntry]])?, quick: OwnerLine?) async -> OwnerLine? {
        let fs: FileSystemSession
        do { fs = try await session(off) } catch {
            return OwnerLine(offset: cursor, text: "\(place): no file system libtsk reads")
        }
        volumes.withLock { $0[off]?.info = fs.info }
        let head = "\(place) \(fs.info.type) › "
        if ready == nil {
            places.withLock { $0[off] = $0[off] ?? place }
            buildMap(off)
        }
        if let (map, names) = ready, let hit = map.owner(ofMediaOffset: cursor) {
            var line = quick ?? OwnerText.quick(cursor, head: head, hit: hit, names: names, info: fs.info)
            line = await OwnerText.mftSlack(line, head: head, hit: hit, names: names, fs: fs)
            line.metadata = await OwnerText.metadata(hit: hit, names: names, fs: fs)
            return line
        }
        if fs.info.type.hasPrefix("ext"), let line = await inodeTable(cursor, off, head: head, fs: fs, names: ready?.1) { return line }
        guard let (block, _) = fs.info.block(ofMediaOffset: cursor) else {
            return OwnerLine(offset: cursor, text: head + "past the file system's last block")
        }
        guard let st = try? await fs.blockStatus(of: [block]).first else {
            return OwnerLine(offset: cursor, text: head + "block \(block): flags unreadable")
        }
        if let region = fs.info.fatRegion(ofBlock: block) { return OwnerLine(offset: cursor, text: head + region) }
        let building = ready == nil ? " (owner map building)" : ""
        let what = st.unknown ? "unknown" : st.metadata ? "file-system metadata" : st.allocated ? "allocated" : "unallocated"
        return OwnerLine(offset: cursor, text: head + what + (st.allocated && !st.metadata ? building : ""))
    }

    /// A byte in an ext inode table: `p1 ext4 › inode table (group 0) › inode 13 +0x40`, and that inode decoded.
    private func inodeTable(_ cursor: Int64, _ off: Int64, head: String, fs: FileSystemSession,
                            names: [UInt64: [FSEntry]]?) async -> OwnerLine? {
        guard let reader else { return nil }
        var tables = extTables.withLock { $0[off] }
        if tables == nil {
            let loaded = await ExtInodeTables.load(reader, fsOffset: off)
            extTables.withLock { $0[off] = .some(loaded) }
            tables = .some(loaded)
        }
        guard let t = tables ?? nil, let (inode, group, within) = t.inode(at: cursor) else { return nil }
        let path = names?[inode]?.first.map { " (/" + $0.path + ")" } ?? ""
        var meta: CursorMetadata?
        if let e = try? await fs.stat(inode: inode) {
            let runs = (try? await fs.runs(inode: inode)) ?? []
            meta = CursorMetadata(title: "inode \(inode)\(path) · inode table of group \(group)", entry: e, runs: runs, info: fs.info)
        }
        return OwnerLine(offset: cursor, text: head + "inode table (group \(group)) › inode \(inode)\(path) +0x\(String(within, radix: 16))",
                         metadata: meta)
    }
}
