extension PageCache {
    /// Byte ranges that read as unreadable, in offset order, with the reason;
    /// adjacent pages that failed the same way are merged. Includes the tails
    /// of pages the media returned short (past what it delivered, before its
    /// reported size).
    public func failedRanges() -> [FailedRange] {
        var pieces: [FailedRange] = []
        for (page, slot) in slots {
            let start = layout.offset(of: page)
            let expected = layout.expectedLength(of: page)
            switch slot {
            case let .failed(message, _):
                pieces.append(FailedRange(range: start..<(start + Int64(expected)), message: message))
            case let .loaded(length) where length < expected:
                pieces.append(FailedRange(
                    range: (start + Int64(length))..<(start + Int64(expected)),
                    message: "short read: the media returned \(length) of \(expected) B at 0x\(String(start, radix: 16))"))
            default:
                break
            }
        }
        pieces.sort { $0.range.lowerBound < $1.range.lowerBound }
        var merged: [FailedRange] = []
        for piece in pieces {
            if var last = merged.last, last.range.upperBound == piece.range.lowerBound, last.message == piece.message {
                last.range = last.range.lowerBound..<piece.range.upperBound
                merged[merged.count - 1] = last
            } else {
                merged.append(piece)
            }
        }
        return merged
    }
}
