/// What an evidence container says about itself: stored hashes of the media
/// and the case metadata entered at acquisition. Values are as stored (hex
/// digests lowercase); nil when absent.
public struct EvidenceMetadata: Sendable, Equatable {
    /// "EWF" for E01 sets.
    public var format: String
    /// MD5 of the media, as stored at acquisition.
    public var md5: String?
    /// SHA-1 of the media, as stored at acquisition.
    public var sha1: String?
    /// SHA-256 of the media, when the writer stored one.
    public var sha256: String?
    public var caseNumber: String?
    public var evidenceNumber: String?
    public var examinerName: String?
    /// The "description" header value (named so as not to read as CustomStringConvertible).
    public var caseDescription: String?
    public var notes: String?
    /// As libewf formats it (e.g. "Thu Nov 26 15:34:23 2026").
    public var acquiryDate: String?
    public var systemDate: String?
    public var acquirySoftware: String?
    public var acquirySoftwareVersion: String?
    public var acquiryOperatingSystem: String?
    public var model: String?
    public var serialNumber: String?
    /// Bytes per sector recorded in the header.
    public var bytesPerSector: Int

    public init(format: String, bytesPerSector: Int) {
        self.format = format
        self.bytesPerSector = bytesPerSector
    }

    /// The case metadata the examiner recorded at acquisition, in the order
    /// ewfinfo shows it: (JSON key, label, value), only the fields present.
    public var caseFields: [(key: String, label: String, value: String)] {
        let all: [(String, String, String?)] = [
            ("case_number", "Case number", caseNumber),
            ("evidence_number", "Evidence number", evidenceNumber),
            ("examiner_name", "Examiner", examinerName),
            ("description", "Description", caseDescription),
            ("notes", "Notes", notes),
            ("acquiry_date", "Acquired", acquiryDate),
            ("system_date", "System date", systemDate),
            ("acquiry_software", "Software", acquirySoftware),
            ("acquiry_software_version", "Software version", acquirySoftwareVersion),
            ("acquiry_operating_system", "Operating system", acquiryOperatingSystem),
            ("model", "Model", model),
            ("serial_number", "Serial number", serialNumber),
        ]
        return all.compactMap { k, l, v in v.flatMap { $0.isEmpty ? nil : (k, l, $0) } }
    }

    /// The stored digests by lowercase algorithm name ("md5", "sha1", "sha256").
    public var storedHashes: [String: String] {
        var h: [String: String] = [:]
        if let md5 { h["md5"] = md5 }
        if let sha1 { h["sha1"] = sha1 }
        if let sha256 { h["sha256"] = sha256 }
        return h
    }
}
