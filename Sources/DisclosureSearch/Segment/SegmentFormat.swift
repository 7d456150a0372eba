import CICU

/// Constants of the segment file format; `Index/FORMAT.md` is the specification.
enum SegmentFormat {
  static let magic: UInt32 = 0x4753_5344  // "DSSG" little-endian
  static let formatVersion: UInt16 = 13
  static let oldestReadableFormatVersion: UInt16 = 13
  static let headerSize = 16
  static let footerSize = 24
  static let directoryEntrySize = 24
  static let termInfoSize = 24

  /// The blocks of a segment file, in file order. Raw values are the block IDs on disk.
  enum Block: UInt32, CaseIterable {
    /// JSON: counts, average field lengths, analysis settings.
    case meta = 1
    /// Each section's report ID, field lengths and section number, as columns (`DocColumns`).
    case docs = 2
    /// Records: one `StoredReport` per report (`RecordCoding`, compressed).
    case reports = 3
    /// Records: one `StoredSection` per section (text, rows; `RecordCoding`, compressed).
    case sections = 4
    /// u32 offsets into `termBytes`, one per term plus the end.
    case termOffsets = 5
    /// Sorted term keys, concatenated.
    case termBytes = 6
    /// Fixed-size `TermInfo` per term.
    case termInfos = 7
    /// Postings lists, concatenated.
    case postings = 8
    /// The zstd dictionary of every record in `reports` and `sections` (≤ 112 KB of content,
    /// with zstd's entropy tables).
    case dictionary = 9
    /// u32 per report: its place among the segment's reports ordered by first path, so that
    /// ties across segments are ordered by path without reading every tied report.
    case reportOrder = 10
    /// Per report: year, agency and region as the filters compare them (folded), so that a
    /// filter reads one small block rather than every report's compressed record.
    case reportFilters = 11
    /// Per common gram and range of docs, bounds of whole sections across fields
    /// (`SectionBounds`), so that a ranker steps over ranges where no section can enter.
    case sectionBounds = 12
  }
}

/// Little-endian encoding helpers.
struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func u8(_ value: UInt8) { bytes.append(value) }
  mutating func u16(_ value: UInt16) { for shift in stride(from: 0, to: 16, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) } }
  mutating func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) } }
  mutating func u64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) } }
  mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }
}

enum CRC32 {
  /// The CRC-32 of `bytes`, or with `crc`, of the bytes before them followed by these.
  static func of(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
    guard let base = bytes.baseAddress else { return crc }
    return cicu_crc32(crc, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
  }

  static func of(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
    bytes.withUnsafeBytes { of($0, continuing: crc) }
  }
}
