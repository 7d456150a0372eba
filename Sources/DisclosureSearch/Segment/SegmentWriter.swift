import Foundation

/// Writes an `IndexBuilder`'s content as one segment file (see Index/FORMAT.md):
///
///     Segment  := Header Block{12} Directory Footer
///     Header   := | magic u32 | formatVersion u16 | reserved u16 | reserved u64 |
///     Directory:= blockCount u32, (blockID u32, offset u64, length u64, crc32 u32)^blockCount
///     Footer   := | directoryOffset u64 | directoryLength u32 | directoryCRC u32 | formatVersion u16 | reserved u16 | magic u32 |
enum SegmentWriter {
  struct Meta: Codable {
    var formatVersion: Int
    var reportCount: Int
    var sectionCount: Int
    var termCount: Int
    /// Average length in words of each field, by `Field.rawValue`.
    var averageFieldLengths: [Double]
    /// Total length in words of each field over all sections (exact, for combining segments).
    var totalFieldLengths: [Int]
  }

  /// Writes the segment block by block, straight to the file: the postings are never copied
  /// into one array, so a build needs little more memory than the builder holds.
  static func write(_ builder: IndexBuilder, to url: URL) throws {
    let compressor = RecordCompressor(dictionary: builder.dictionary)
    let file = try DurableFileWriter(url)
    var header = ByteWriter()
    header.u32(SegmentFormat.magic)
    header.u16(SegmentFormat.formatVersion)
    header.u16(0)
    header.u64(0)
    try file.write(header.bytes)
    var directory: [(block: SegmentFormat.Block, offset: UInt64, length: UInt64, crc: UInt32)] = []
    /// Writes one block from the pieces `body` hands to `emit`.
    func block(_ id: SegmentFormat.Block, _ body: (_ emit: ([UInt8]) throws -> Void) throws -> Void) throws {
      let offset = file.offset
      var crc: UInt32 = 0
      try body { bytes in
        crc = CRC32.of(bytes, continuing: crc)
        try file.write(bytes)
      }
      directory.append((id, offset, file.offset - offset, crc))
    }

    var keyed: [([UInt8], PostingsWriter)] = []
    keyed.reserveCapacity(builder.termCount)
    for (field, words) in builder.words.enumerated() {
      for (number, list) in builder.wordLists[field].enumerated() {
        keyed.append(([TermKey.wordPrefix + UInt8(field)] + words[number], list))
      }
    }
    for (code, list) in zip(builder.gramKeys, builder.gramLists) {
      guard let field = Field(rawValue: Int(code >> 42)) else { continue }
      keyed.append((GramCode.key(code & ((1 << 42) - 1), field: field), list))
    }
    keyed.sort { $0.0.lexicographicallyPrecedes($1.0) }
    // The section bounds are computed on the other threads while this one writes the blocks
    // before them (writing is the kernel copying to the page cache, on one core).
    let sortedKeyed = keyed
    let bounds = Pending { try sectionBounds(sortedKeyed, builder) }
    let termCount = keyed.count
    let fieldCount = Field.allCases.count
    var totals = [Double](repeating: 0, count: fieldCount)
    for doc in builder.docs { for field in 0..<fieldCount { totals[field] += Double(doc.fieldLengths[field]) } }
    let docCount = max(1, builder.docs.count)
    let meta = Meta(
      formatVersion: Int(SegmentFormat.formatVersion), reportCount: builder.reports.count,
      sectionCount: builder.docs.count, termCount: termCount, averageFieldLengths: totals.map { $0 / Double(docCount) },
      totalFieldLengths: totals.map { Int($0) })
    try block(.meta) { emit in
      let encoder = JSONEncoder()
      encoder.outputFormatting = .sortedKeys  // the same corpus gives the same bytes
      try emit(Array(try encoder.encode(meta)))
    }
    try block(.docs) { emit in try emit(DocColumns.encode(builder.docs)) }
    try block(.reports) { emit in try records(builder.reports.map { compressor.compress(RecordCoding.encode($0)) }, emit) }
    try block(.sections) { emit in try records(builder.sectionRecords, emit) }
    try block(.termOffsets) { emit in
      var offsets = ByteWriter()
      var total: UInt32 = 0
      for (term, _) in keyed {
        offsets.u32(total)
        total += UInt32(term.count)
      }
      offsets.u32(total)
      try emit(offsets.bytes)
    }
    try block(.termBytes) { emit in try emit(keyed.flatMap(\.0)) }
    try block(.termInfos) { emit in
      var infos = ByteWriter()
      var offset: UInt64 = 0
      for (_, list) in keyed {
        infos.u64(offset)
        infos.u32(UInt32(list.bytes.count))
        infos.u32(list.docCount)
        infos.u32(CRC32.of(list.bytes))
        infos.u32(0)
        offset += UInt64(list.bytes.count)
      }
      try emit(infos.bytes)
    }
    try block(.postings) { emit in
      for (_, list) in keyed { try emit(list.bytes) }
    }
    try block(.dictionary) { emit in try emit(compressor.dictionary) }
    try block(.reportOrder) { emit in
      let byPath = builder.reports.indices.sorted {
        (builder.reports[$0].paths.first ?? "").utf8.lexicographicallyPrecedes((builder.reports[$1].paths.first ?? "").utf8)
      }
      var places = [UInt32](repeating: 0, count: byPath.count)
      for (place, report) in byPath.enumerated() { places[report] = UInt32(place) }
      var order = ByteWriter()
      for place in places { order.u32(place) }
      try emit(order.bytes)
    }
    try block(.reportFilters) { emit in
      // Agencies and regions repeat from report to report: each name is written once.
      let normalizer = Normalizer()
      var names: [String] = []
      var numbers: [String: Int] = [:]
      func number(_ name: String?) -> Int {
        let folded = normalizer.normalize(name ?? "")
        if let known = numbers[folded] { return known }
        names.append(folded)
        numbers[folded] = names.count - 1
        return names.count - 1
      }
      let entries = builder.reports.map { (year: $0.year ?? 0, agency: number($0.agency), region: number($0.region)) }
      var filters = RecordWriter()
      filters.strings(names)
      for entry in entries {
        filters.varint(UInt64(entry.year))
        filters.varint(UInt64(entry.agency))
        filters.varint(UInt64(entry.region))
      }
      try emit(filters.bytes)
    }

    try block(.sectionBounds) { emit in try emit(bounds.value()) }

    var directoryBytes = ByteWriter()
    directoryBytes.u32(UInt32(directory.count))
    for entry in directory {
      directoryBytes.u32(entry.block.rawValue)
      directoryBytes.u64(entry.offset)
      directoryBytes.u64(entry.length)
      directoryBytes.u32(entry.crc)
    }
    let directoryOffset = file.offset
    var footer = ByteWriter()
    footer.u64(directoryOffset)
    footer.u32(UInt32(directoryBytes.bytes.count))
    footer.u32(CRC32.of(directoryBytes.bytes))
    footer.u16(SegmentFormat.formatVersion)
    footer.u16(0)
    footer.u32(SegmentFormat.magic)
    try file.write(directoryBytes.bytes + footer.bytes)
    try file.commit()
  }

  /// SectionBounds := rangeShift u8, reserved u8, reserved u16, gramCount u32,
  ///   (keyOffset u32, keyLength u32, tableOffset u32, tableLength u32, crc32 u32)^gramCount
  ///   in the order of the grams' UTF-8, then the keys, then the tables (offsets from the
  ///   block's start; each CRC of its table). `keyed` is sorted by term key.
  private static func sectionBounds(_ keyed: [([UInt8], PostingsWriter)], _ builder: IndexBuilder) throws -> [UInt8] {
    let docCount = builder.docs.count
    let wanted = max(SectionBounds.minimumDocs, (docCount + SectionBounds.minimumShare - 1) / SectionBounds.minimumShare)
    // A gram's lists over all fields reach `wanted` only if one of them reaches a quarter of
    // it; the table covers every list of the gram, however short.
    var candidates = Set<ArraySlice<UInt8>>()
    for (key, list) in keyed where key.first.map({ $0 & 0xF0 == TermKey.gramPrefix }) == true && Int(list.docCount) * 4 >= wanted {
      candidates.insert(key.dropFirst())
    }
    func place(of key: [UInt8]) -> Int? {
      var (low, high) = (0, keyed.count)
      while low < high {
        let middle = (low + high) / 2
        if keyed[middle].0.lexicographicallyPrecedes(key) { low = middle + 1 } else { high = middle }
      }
      return low < keyed.count && keyed[low].0 == key ? low : nil
    }
    let chosen = candidates.map { gram in
      (key: gram, value: Field.allCases.compactMap { place(of: [TermKey.gramPrefix + UInt8($0.rawValue)] + gram) })
    }.filter { $0.value.reduce(0) { $0 + Int(keyed[$1].1.docCount) } >= wanted }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    let fieldLengths = builder.docs.flatMap(\.fieldLengths)
    let groups = builder.docs.map { SectionBounds.group(ofSection: Int($0.section)) }
    // Each gram on its own, on every core.
    let tables = ResultSlots<Result<[UInt8], Error>>(count: chosen.count)
    DispatchQueue.concurrentPerform(iterations: chosen.count) { number in
      tables.set(
        number,
        Result {
          let lists = try chosen[number].value.map { number in
            let (key, list) = keyed[number]
            var (docs, counts) = ([UInt32](), [UInt32]())
            docs.reserveCapacity(Int(list.docCount))
            counts.reserveCapacity(Int(list.docCount))
            try list.bytes.withUnsafeBytes { bytes in
              try PostingsCursor.reading(bytes, hasPositions: true) { cursor throws(BadPostings) in
                while try cursor.next() {
                  docs.append(cursor.doc)
                  counts.append(cursor.count)
                }
              }
            }
            return (field: Int(key[0] & 0x0F), docs: docs, counts: counts)
          }
          return SectionBounds.encode(lists: lists, fieldLengths: fieldLengths, groups: groups)
        })
    }
    let grams = try zip(chosen, tables.values).map { (gram: Array($0.key), table: try $1.get()) }
    var bytes = ByteWriter()
    bytes.u8(UInt8(SectionBounds.rangeShift))
    bytes.u8(0)
    bytes.u16(0)
    bytes.u32(UInt32(grams.count))
    var keyOffset = 8 + grams.count * 20
    var tableOffset = keyOffset + grams.reduce(0) { $0 + $1.gram.count }
    for (gram, table) in grams {
      bytes.u32(UInt32(keyOffset))
      bytes.u32(UInt32(gram.count))
      bytes.u32(UInt32(tableOffset))
      bytes.u32(UInt32(table.count))
      bytes.u32(CRC32.of(table))
      keyOffset += gram.count
      tableOffset += table.count
    }
    for (gram, _) in grams { bytes.append(gram) }
    for (_, table) in grams { bytes.append(table) }
    return bytes.bytes
  }

  /// Records := count u32, offset u64^(count+1) (relative to the first record), then each
  /// record as crc32 u32 + payload.
  private static func records(_ payloads: [[UInt8]], _ emit: ([UInt8]) throws -> Void) throws {
    var header = ByteWriter()
    header.u32(UInt32(payloads.count))
    var offset: UInt64 = 0
    for payload in payloads {
      header.u64(offset)
      offset += 4 + UInt64(payload.count)
    }
    header.u64(offset)
    try emit(header.bytes)
    for payload in payloads {
      var crc = ByteWriter()
      crc.u32(CRC32.of(payload))
      try emit(crc.bytes)
      try emit(payload)
    }
  }
}

/// A value computed on another thread from its creation on; `value` waits for it.
private final class Pending<Value: Sendable>: @unchecked Sendable {  // `result` is set once, before `done` signals
  private var result: Result<Value, Error>?
  private let done = DispatchSemaphore(value: 0)

  init(_ work: @escaping @Sendable () throws -> Value) {
    DispatchQueue.global().async {
      self.result = Result(catching: work)
      self.done.signal()
    }
  }

  func value() throws -> Value {
    done.wait()
    done.signal()
    return try result!.get()
  }
}

/// Writes a file that appears under its final name only complete and synced: the bytes go
/// to a temporary file beside it (buffered), which `commit` syncs and renames. Dropped
/// without `commit`, the temporary file is removed.
final class DurableFileWriter {
  let url: URL
  private let temporary: URL
  private let handle: FileHandle
  private var buffer: [UInt8] = []
  private var committed = false
  /// Bytes written so far.
  private(set) var offset: UInt64 = 0

  init(_ url: URL) throws {
    self.url = url
    temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
      throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path])
    }
    handle = try FileHandle(forWritingTo: temporary)
  }

  deinit {
    guard !committed else { return }
    try? handle.close()
    try? FileManager.default.removeItem(at: temporary)
  }

  func write(_ bytes: [UInt8]) throws {
    buffer.append(contentsOf: bytes)
    offset += UInt64(bytes.count)
    if buffer.count >= 1 << 20 { try flush() }
  }

  private func flush() throws {
    guard !buffer.isEmpty else { return }
    try handle.write(contentsOf: buffer)
    buffer.removeAll(keepingCapacity: true)
  }

  func commit() throws {
    try flush()
    try handle.synchronize()
    try handle.close()
    if rename(temporary.path, url.path) != 0 {
      let code = errno
      throw CocoaError(
        .fileWriteUnknown,
        userInfo: [NSFilePathErrorKey: url.path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)])
    }
    committed = true
    DurableFile.syncDirectory(url.deletingLastPathComponent())
  }
}

enum DurableFile {
  static func write(_ bytes: [UInt8], to url: URL) throws {
    let file = try DurableFileWriter(url)
    try file.write(bytes)
    try file.commit()
  }

  static func syncDirectory(_ url: URL) {
    let descriptor = open(url.path, O_RDONLY)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
  }
}
