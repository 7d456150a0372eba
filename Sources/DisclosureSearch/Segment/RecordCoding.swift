import CICU

/// The binary form of stored records (Index/FORMAT.md, "Stored records"): varint-prefixed
/// UTF-8 strings and varint numbers, the whole record compressed with zstd.
enum RecordCoding {
  static func encode(_ report: StoredReport) -> [UInt8] {
    var writer = RecordWriter()
    writer.strings(report.paths)
    writer.string(report.title)
    writer.optionalString(report.agency)
    writer.optionalString(report.region)
    writer.varint(UInt64(report.year ?? 0))
    writer.optionalString(report.template)
    return writer.bytes
  }

  static func decodeReport(_ bytes: [UInt8]) throws(RecordReader.Failure) -> StoredReport {
    var reader = RecordReader(bytes)
    let paths = try reader.strings()
    let title = try reader.string()
    let agency = try reader.optionalString()
    let region = try reader.optionalString()
    let year = Int(try reader.varint())
    let template = try reader.optionalString()
    return StoredReport(paths: paths, title: title, agency: agency, region: region, year: year == 0 ? nil : year, template: template)
  }

  static func encode(_ section: StoredSection) -> [UInt8] {
    var writer = RecordWriter()
    writer.bytes.reserveCapacity(section.heading.utf8.count + section.text.utf8.count + 64 * section.rows.count + 16)
    writer.varint(UInt64(section.number))
    writer.string(section.heading)
    writer.string(section.text)
    writer.varint(UInt64(section.startLine))
    writer.varint(UInt64(section.sourceLines.count))
    for line in section.sourceLines { writer.varint(UInt64(line)) }
    writer.varint(UInt64(section.rows.count))
    for row in section.rows {
      writer.string(row.table)
      writer.string(row.label)
      writer.string(row.labelAsWritten == row.label ? "" : row.labelAsWritten)
      writer.strings(row.group)
      writer.varint(UInt64(row.cells.count))
      for cell in row.cells {
        writer.string(cell.header)
        writer.string(cell.text)
        if let value = cell.value {
          writer.bytes.append(1)
          writer.varint(value.bitPattern)
        } else {
          writer.bytes.append(0)
        }
      }
    }
    return writer.bytes
  }

  /// Which of a section's table rows to make: most of a table section's strings are its
  /// cells'. `labelled` makes the rows whose label as written and as the template words it
  /// (their UTF-8, read in place) `keep` accepts, and no string of the others. The record's
  /// bytes are handed over as pointers and the others stepped over by their lengths: a slice
  /// of them is a retain and a release, a tenth of a hit's decoding when it was one per string.
  enum Rows {
    case all
    case none
    case labelled(_ keep: (_ asWritten: UnsafeRawBufferPointer, _ label: UnsafeRawBufferPointer) -> Bool)
  }

  static func decodeSection(_ bytes: [UInt8], rows selection: Rows = .all) throws(RecordReader.Failure) -> StoredSection {
    try decodeSection(bytes, rows: selection, makingText: true).section
  }

  /// A section as a hit shows it: without its text, which its snippet reads where the record
  /// holds it (`text`; the index wrote it as valid UTF-8). Without a `String` of each hit's
  /// whole text, which validated it, the 32 bench queries took 0.95× as long.
  struct SectionHit {
    let section: StoredSection
    let record: [UInt8]
    let text: Range<Int>
  }

  static func decodeSectionHit(_ bytes: [UInt8], rows selection: Rows) throws(RecordReader.Failure) -> SectionHit {
    let (section, text) = try decodeSection(bytes, rows: selection, makingText: false)
    return SectionHit(section: section, record: bytes, text: text)
  }

  private static func decodeSection(
    _ bytes: [UInt8], rows selection: Rows, makingText: Bool
  ) throws(RecordReader.Failure) -> (section: StoredSection, text: Range<Int>) {
    var reader = RecordReader(bytes)
    let number = Int(try reader.varint())
    let heading = try reader.string()
    let textRange = try reader.range()
    let text = makingText ? String(decoding: bytes[textRange], as: UTF8.self) : ""
    let startLine = Int(try reader.varint())
    var sourceLines: [Int] = []
    for _ in 0..<(try reader.count()) { sourceLines.append(Int(try reader.varint())) }
    var rows: [TableRow] = []
    if case .none = selection {
      return (StoredSection(number: number, heading: heading, text: text, startLine: startLine, rows: rows, sourceLines: sourceLines), textRange)
    }
    for _ in 0..<(try reader.count()) {
      let table = try reader.range()
      let labelBytes = try reader.range()
      let written = try reader.range()
      let kept =
        if case .labelled(let keep) = selection {
          bytes.withUnsafeBytes { keep(UnsafeRawBufferPointer(rebasing: $0[written.isEmpty ? labelBytes : written]), UnsafeRawBufferPointer(rebasing: $0[labelBytes])) }
        } else { true }
      guard kept else {
        for _ in 0..<(try reader.count()) { _ = try reader.range() }  // group
        for _ in 0..<(try reader.count()) {
          for _ in 0..<2 { _ = try reader.range() }  // header, text
          if try reader.byte() == 1 { _ = try reader.varint() }
        }
        continue
      }
      let label = String(decoding: bytes[labelBytes], as: UTF8.self)
      let labelAsWritten = written.isEmpty ? label : String(decoding: bytes[written], as: UTF8.self)
      let group = try reader.strings()
      let cellCount = try reader.count()
      var cells: [Cell] = []
      for _ in 0..<cellCount {
        let header = try reader.string()
        let text = try reader.string()
        let value: Double? = try reader.byte() == 1 ? Double(bitPattern: try reader.varint()) : nil
        cells.append(Cell(header: header, text: text, value: value))
      }
      rows.append(
        TableRow(table: String(decoding: bytes[table], as: UTF8.self), label: label, labelAsWritten: labelAsWritten, group: group, cells: cells))
    }
    return (StoredSection(number: number, heading: heading, text: text, startLine: startLine, rows: rows, sourceLines: sourceLines), textRange)
  }

  /// A section record read for its field texts, in place: the bytes of its heading and body,
  /// and of its rows' labels, groups and headers (a search checking a part in the stored text
  /// reads thousands of records, and their cells are most of their strings).
  struct SectionFields {
    let bytes: [UInt8]
    let heading: Range<Int>
    /// The body field: the text after its heading line (all of section 0's text), as
    /// `SectionDocument.body` cuts it.
    let body: Range<Int>
    /// Where the rows begin (their count).
    private let rows: Int

    init(_ bytes: [UInt8]) throws(RecordReader.Failure) {
      var reader = RecordReader(bytes)
      let number = try reader.varint()
      heading = try reader.range()
      let text = try reader.range()
      _ = try reader.varint()
      for _ in 0..<(try reader.count()) { _ = try reader.varint() }
      if number == 0 {
        body = text
      } else {
        let newline = bytes[text].firstIndex(of: UInt8(ascii: "\n"))
        body = newline.map { ($0 + 1)..<text.upperBound } ?? text.upperBound..<text.upperBound
      }
      rows = reader.index
      self.bytes = bytes
    }

    /// The label field, as `SectionDocument.labels` makes it from the decoded rows.
    func labels() throws(RecordReader.Failure) -> [UInt8] {
      var labels = LabelField()
      try eachRow { group, label, headers in
        labels.add(group: group.map { Word(bytes[$0]) }, label: Word(bytes[label]), headers: headers.map { Word(bytes[$0]) })
      }
      return labels.bytes
    }

    /// What the label field is made of, as the record writes it, into `key` (replacing its
    /// contents): each row's label, label as written, group and column headers, with their
    /// lengths and counts. Records with the same key have the same label field, and the
    /// tables of a template repeat it from report to report.
    func labelSource(into key: inout [UInt8]) throws(RecordReader.Failure) {
      key.removeAll(keepingCapacity: true)
      var reader = RecordReader(bytes, at: rows)
      try bytes.withUnsafeBufferPointer { bytes throws(RecordReader.Failure) in
        func keep(_ range: Range<Int>) { key.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range])) }
        for _ in 0..<(try reader.count()) {
          _ = try reader.range()  // table
          // The label, the label as written and the group lie side by side.
          var start = reader.index
          for _ in 0..<2 { _ = try reader.range() }
          for _ in 0..<(try reader.count()) { _ = try reader.range() }
          let cellCount = try reader.count()
          keep(start..<reader.index)
          for _ in 0..<cellCount {
            start = reader.index
            _ = try reader.range()
            keep(start..<reader.index)  // header
            _ = try reader.range()  // text
            if try reader.byte() == 1 { _ = try reader.varint() }
          }
        }
      }
    }

    /// Calls `body` with each row's group, label as written and column headers, as ranges of
    /// `bytes`.
    private func eachRow(
      _ body: (_ group: [Range<Int>], _ label: Range<Int>, _ headers: [Range<Int>]) -> Void
    ) throws(RecordReader.Failure) {
      var reader = RecordReader(bytes, at: rows)
      var group: [Range<Int>] = []
      var headers: [Range<Int>] = []
      for _ in 0..<(try reader.count()) {
        _ = try reader.range()  // table
        let label = try reader.range()
        let written = try reader.range()
        group.removeAll(keepingCapacity: true)
        for _ in 0..<(try reader.count()) { group.append(try reader.range()) }
        headers.removeAll(keepingCapacity: true)
        for _ in 0..<(try reader.count()) {
          headers.append(try reader.range())
          _ = try reader.range()  // text
          if try reader.byte() == 1 { _ = try reader.varint() }
        }
        body(group, written.isEmpty ? label : written, headers)
      }
    }
  }

  /// Decompresses a record made by `RecordCompressor` with the same dictionary.
  static func decompress(_ bytes: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer) throws(RecordReader.Failure)
    -> [UInt8]
  {
    try RecordDecompressor(dictionary: dictionary).decompress(bytes)
  }
}

/// Compresses the stored records of one segment, each on its own (a search decompresses only
/// the hits it shows), with zstd and a dictionary: the segment's first records, whose
/// template wording every later record repeats. zstd digests the dictionary once per
/// compressor, where zlib hashed its preset dictionary again for every record (7 % of a
/// build). Not thread-safe: one per thread.
final class RecordCompressor: @unchecked Sendable {  // each instance is used by one thread at a time
  /// zstd looks back far enough to use all of it: 112 KB compress 2,000 reports 5 % smaller than 32 KB.
  static let dictionarySize = 112 * 1024
  /// Level 3 builds 2,000 reports in 8 % less time than level 6, for an index 3.6 % larger
  /// (the size zlib's level 6 gave).
  static let level: Int32 = 3

  let dictionary: [UInt8]
  private let handle: UnsafeMutableRawPointer

  /// A compressor with `dictionary` (`CorpusIndexer.recordDictionary`).
  init(dictionary: [UInt8]) {
    self.dictionary = dictionary
    let handle = dictionary.withUnsafeBufferPointer {
      cicu_record_compressor_open($0.baseAddress, UInt64($0.count), Self.level)
    }
    guard let handle else { fatalError("zstd cannot allocate a compressor (out of memory)") }
    self.handle = handle
  }

  deinit { cicu_record_compressor_close(handle) }

  /// `uncompressedLength u32` then the zstd frame (made with the dictionary).
  func compress(_ bytes: [UInt8]) -> [UInt8] {
    var output = [UInt8](repeating: 0, count: Int(cicu_record_bound(UInt64(bytes.count))) + 4)
    let length = bytes.withUnsafeBufferPointer { input in
      output.withUnsafeMutableBufferPointer { out in
        cicu_record_compress(handle, input.baseAddress, UInt64(input.count), out.baseAddress.map { $0 + 4 }, UInt64(out.count - 4))
      }
    }
    // The bound is zstd's own worst case; a failure here is a broken zstd.
    guard length >= 0 else { fatalError("zstd failed to compress a \(bytes.count)-byte record") }
    let count = UInt32(bytes.count)
    for shift in 0..<4 { output[shift] = UInt8(truncatingIfNeeded: count >> (8 * UInt32(shift))) }
    return Array(output[0..<(Int(length) + 4)])
  }
}

/// Decompresses records made with one dictionary (a copy of it is digested once). Not
/// thread-safe: a segment keeps a few for its readers to take in turn.
final class RecordDecompressor: @unchecked Sendable {  // used by one thread at a time
  private let handle: UnsafeMutableRawPointer

  init(dictionary: UnsafeRawBufferPointer) {
    let handle = cicu_record_decompressor_open(
      dictionary.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(dictionary.count))
    guard let handle else { fatalError("zstd cannot allocate a decompressor (out of memory)") }
    self.handle = handle
  }

  deinit { cicu_record_decompressor_close(handle) }

  func decompress(_ bytes: UnsafeRawBufferPointer) throws(RecordReader.Failure) -> [UInt8] {
    guard bytes.count >= 4 else { throw .truncated }
    let length = Int(bytes.loadUnaligned(as: UInt32.self).littleEndian)
    guard length <= 1 << 28 else { throw .truncated }
    var output = [UInt8](repeating: 0, count: length)
    let status = output.withUnsafeMutableBufferPointer { out in
      cicu_record_decompress(
        handle, bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) + 4 }, UInt64(bytes.count - 4),
        out.baseAddress, UInt64(length))
    }
    guard status == 0 else { throw .truncated }
    return output
  }
}

struct RecordWriter {
  var bytes: [UInt8] = []

  mutating func varint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  mutating func string(_ text: String) {
    var text = text
    // Through a pointer: appending the UTF-8 view took several times as many instructions
    // for the short strings of cells.
    text.withUTF8 { utf8 in
      varint(UInt64(utf8.count))
      bytes.append(contentsOf: utf8)
    }
  }

  mutating func optionalString(_ text: String?) {
    if let text {
      bytes.append(1)
      string(text)
    } else {
      bytes.append(0)
    }
  }

  mutating func strings(_ texts: [String]) {
    varint(UInt64(texts.count))
    for text in texts { string(text) }
  }
}

/// Reads what `RecordWriter` wrote; every read is bounds-checked.
struct RecordReader {
  enum Failure: Error { case truncated }

  private let bytes: [UInt8]
  private(set) var index: Int

  /// Whether every byte has been read.
  var isAtEnd: Bool { index == bytes.count }

  init(_ bytes: [UInt8], at index: Int = 0) {
    self.bytes = bytes
    self.index = index
  }

  mutating func byte() throws(Failure) -> UInt8 {
    guard index < bytes.count else { throw .truncated }
    defer { index += 1 }
    return bytes[index]
  }

  mutating func varint() throws(Failure) -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while shift < 64 {
      let next = try byte()
      value |= UInt64(next & 0x7F) << shift
      if next < 0x80 { return value }
      shift += 7
    }
    throw .truncated
  }

  /// A count that cannot exceed the bytes left (each counted item takes at least one byte).
  mutating func count() throws(Failure) -> Int {
    let value = try varint()
    guard value <= UInt64(bytes.count - index) else { throw .truncated }
    return Int(value)
  }

  mutating func string() throws(Failure) -> String {
    String(decoding: try slice(), as: UTF8.self)
  }

  /// A string's UTF-8 bytes, in place.
  mutating func slice() throws(Failure) -> ArraySlice<UInt8> {
    bytes[try range()]
  }

  /// Where a string's UTF-8 bytes lie.
  mutating func range() throws(Failure) -> Range<Int> {
    let length = try count()
    defer { index += length }
    return index..<(index + length)
  }

  mutating func optionalString() throws(Failure) -> String? {
    try byte() == 1 ? try string() : nil
  }

  mutating func strings() throws(Failure) -> [String] {
    let count = try count()
    var result: [String] = []
    for _ in 0..<count { result.append(try string()) }
    return result
  }
}
