import Foundation
import Synchronization

/// Reads a segment file written by `SegmentWriter` from a memory map (Index/FORMAT.md).
///
/// Opening checks the footer, the directory and the small fixed blocks (meta, docs, term
/// dictionary). Postings lists and stored records carry their own CRC-32 and are checked
/// the first time they are read, so a search never computes results from damaged bytes and
/// opening stays fast.
/// Immutable after init, so it is safe to share between threads.
final class SegmentReader: Sendable {
  let name: String
  let url: URL
  /// The mapped file, and its bytes as `Data` (not copied).
  private let file: MappedFile
  private let data: Data
  let meta: SegmentWriter.Meta
  private let blocks: [SegmentFormat.Block: Range<Int>]
  private let checksums: [SegmentFormat.Block: UInt32]
  let termCount: Int
  let docCount: Int
  /// The docs block, read in place.
  let docColumns: DocColumns
  // Block ranges, read on every term or section-bounds lookup.
  private let termOffsetsStart: Int
  private let termBytesRange: Range<Int>
  private let termInfosStart: Int
  private let postingsRange: Range<Int>
  private let dictionaryRange: Range<Int>
  private let sectionBoundsRange: Range<Int>
  /// Terms whose postings passed their CRC check.
  private let verifiedTerms: Mutex<Bitset>
  /// Records (by the offset of their payload) and tables of section bounds (by their
  /// offset) that passed their CRC check.
  private let verifiedRecords = Mutex<Set<Int>>([])
  /// Record decompressors not in use (made on demand: one per thread reading at once).
  private let decompressors = Mutex<[RecordDecompressor]>([])
  /// The skip points of lists that a search started reading far in (found once per reader).
  private let skipPoints = Mutex<[Int: PostingsSkips]>([:])
  /// Per-doc count arrays lent by `withDocCounts`.
  private let docCounts: ZeroedArrays<UInt32>

  init(url: URL) throws {
    name = url.lastPathComponent
    self.url = url
    do {
      file = try MappedFile(path: url.path)
      data = file.data
    } catch {
      throw IndexFormatError.corrupt(file: url.lastPathComponent, offset: 0, reason: "cannot be read")
    }
    let name = self.name
    func corrupt(_ offset: Int, _ reason: String) -> IndexFormatError {
      .corrupt(file: name, offset: offset, reason: reason)
    }
    let size = data.count
    guard size >= SegmentFormat.headerSize + SegmentFormat.footerSize else { throw corrupt(size, "file too short") }
    guard Self.u32(data, 0) == SegmentFormat.magic else { throw corrupt(0, "not a segment file") }
    let footer = size - SegmentFormat.footerSize
    guard Self.u32(data, footer + 20) == SegmentFormat.magic else { throw corrupt(footer + 20, "footer magic missing (truncated file?)") }
    let version = Int(Self.u16(data, footer + 16))
    let supported = Int(SegmentFormat.oldestReadableFormatVersion)...Int(SegmentFormat.formatVersion)
    guard supported.contains(version), Int(Self.u16(data, 4)) == version else {
      throw IndexFormatError.unsupportedVersion(file: name, found: version, supported: supported)
    }
    guard Self.u16(data, 6) == 0, Self.u64(data, 8) == 0, Self.u16(data, footer + 18) == 0 else {
      throw corrupt(6, "reserved header or footer bytes are not zero")
    }
    let directoryOffset = Int(clamping: Self.u64(data, footer))
    let directoryLength = Int(Self.u32(data, footer + 8))
    guard directoryOffset >= SegmentFormat.headerSize, directoryLength >= 4, directoryOffset <= footer - directoryLength,
      directoryOffset + directoryLength == footer
    else { throw corrupt(footer, "bad directory position") }
    guard Self.crc(data, directoryOffset..<footer) == Self.u32(data, footer + 12) else {
      throw corrupt(directoryOffset, "directory checksum mismatch")
    }
    let blockCount = Int(Self.u32(data, directoryOffset))
    guard blockCount == SegmentFormat.Block.allCases.count,
      directoryLength == 4 + blockCount * SegmentFormat.directoryEntrySize
    else { throw corrupt(directoryOffset, "bad block count") }
    var blocks: [SegmentFormat.Block: Range<Int>] = [:]
    var checksums: [SegmentFormat.Block: UInt32] = [:]
    for index in 0..<blockCount {
      let entry = directoryOffset + 4 + index * SegmentFormat.directoryEntrySize
      let offset = Self.u64(data, entry + 4)
      let length = Self.u64(data, entry + 12)
      guard let block = SegmentFormat.Block(rawValue: Self.u32(data, entry)), offset >= UInt64(SegmentFormat.headerSize),
        length <= UInt64(directoryOffset), offset <= UInt64(directoryOffset) - length
      else { throw corrupt(entry, "bad directory entry") }
      blocks[block] = Int(offset)..<Int(offset + length)
      checksums[block] = Self.u32(data, entry + 20)
    }
    guard blocks.count == blockCount else { throw corrupt(directoryOffset, "duplicate blocks") }
    for block in [SegmentFormat.Block.meta, .docs, .termOffsets, .termBytes, .termInfos, .dictionary, .reportOrder] {
      guard let range = blocks[block], Self.crc(data, range) == checksums[block] else {
        throw corrupt(blocks[block]?.lowerBound ?? 0, "checksum mismatch in block \(block)")
      }
    }
    self.blocks = blocks
    self.checksums = checksums
    guard let metaRange = blocks[.meta], let meta = try? JSONDecoder().decode(SegmentWriter.Meta.self, from: data[metaRange]) else {
      throw corrupt(blocks[.meta]?.lowerBound ?? 0, "unreadable meta block")
    }
    self.meta = meta
    termCount = meta.termCount
    docCount = meta.sectionCount
    docCounts = ZeroedArrays(count: docCount)
    guard let docs = blocks[.docs], docs.count == DocColumns.size(docCount: docCount),
      let offsets = blocks[.termOffsets], offsets.count == (termCount + 1) * 4,
      let infos = blocks[.termInfos], infos.count == termCount * SegmentFormat.termInfoSize,
      let termBytes = blocks[.termBytes], Int(Self.u32(data, offsets.upperBound - 4)) == termBytes.count,
      meta.averageFieldLengths.count == Field.allCases.count, meta.totalFieldLengths.count == Field.allCases.count,
      let order = blocks[.reportOrder], order.count == meta.reportCount * 4
    else { throw corrupt(0, "block sizes disagree with the meta block") }
    docColumns = DocColumns(file.bytes.baseAddress! + docs.lowerBound, count: docCount)  // the file is not empty
    termOffsetsStart = offsets.lowerBound
    termBytesRange = termBytes
    termInfosStart = infos.lowerBound
    postingsRange = blocks[.postings, default: 0..<0]
    dictionaryRange = blocks[.dictionary, default: 0..<0]
    sectionBoundsRange = blocks[.sectionBounds, default: 0..<0]
    verifiedTerms = Mutex(Bitset(capacity: termCount))
    var places = Bitset(capacity: meta.reportCount)
    for report in 0..<meta.reportCount {
      let place = Self.u32(data, order.lowerBound + 4 * report)
      guard Int(place) < meta.reportCount, !places.contains(place) else { throw corrupt(order.lowerBound, "the report order is not a permutation") }
      places.insert(place)
    }
  }

  // MARK: Docs

  func reportID(of doc: UInt32) -> UInt32 { docColumns.report(Int(doc)) }

  // MARK: Terms

  /// The term's index in the sorted dictionary (binary search, reading only the probed terms).
  func termIndex(_ key: [UInt8]) -> Int? {
    withDictionary { dictionary in
      var low = 0
      var high = termCount
      while low < high {
        let middle = (low + high) / 2
        let order = dictionary.compare(term: middle, with: key)
        if order == 0 { return middle }
        if order < 0 { low = middle + 1 } else { high = middle }
      }
      return nil
    }
  }

  /// The indexes of the terms that start with `prefix` (contiguous, as terms are sorted).
  func termRange(withPrefix prefix: [UInt8]) -> Range<Int> {
    withDictionary { dictionary in
      func firstIndex(where isAfter: (Int) -> Bool) -> Int {
        var low = 0
        var high = termCount
        while low < high {
          let middle = (low + high) / 2
          if isAfter(middle) { high = middle } else { low = middle + 1 }
        }
        return low
      }
      let start = firstIndex { dictionary.compare(term: $0, with: prefix) >= 0 }
      let end = firstIndex { dictionary.compare(term: $0, with: prefix) > 0 && !dictionary.term($0).starts(with: prefix) }
      return start..<max(start, end)
    }
  }

  /// The term dictionary's offsets and bytes, read through one pointer: a lookup probes
  /// about twenty terms, and each access to `Data` costs more than the comparison.
  private struct Dictionary {
    let offsets: UnsafeRawBufferPointer
    let bytes: UnsafeRawBufferPointer

    /// A term's bytes (empty when its offsets are out of order or out of the block).
    func term(_ index: Int) -> UnsafeRawBufferPointer {
      let start = Int(UInt32(littleEndian: offsets.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
      let end = Int(UInt32(littleEndian: offsets.loadUnaligned(fromByteOffset: index * 4 + 4, as: UInt32.self)))
      guard start <= end, end <= bytes.count else { return UnsafeRawBufferPointer(rebasing: bytes[0..<0]) }
      return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    func compare(term index: Int, with key: [UInt8]) -> Int {
      key.withUnsafeBytes { SegmentReader.compare(term(index), $0) }
    }
  }

  private func withDictionary<T>(_ body: (Dictionary) -> T) -> T {
    data.withUnsafeBytes { raw in
      body(
        Dictionary(
          offsets: UnsafeRawBufferPointer(rebasing: raw[termOffsetsStart..<(termOffsetsStart + (termCount + 1) * 4)]),
          bytes: UnsafeRawBufferPointer(rebasing: raw[termBytesRange])))
    }
  }

  /// Where a term's postings lie in the file, checked against their CRC-32 (once per reader
  /// unless `recheck`).
  func postingsRange(_ term: Int, recheck: Bool = false) throws -> Range<Int> {
    let info = termInfosStart + term * SegmentFormat.termInfoSize
    let offset = Self.u64(data, info)
    let length = UInt64(Self.u32(data, info + 8))
    let postings = postingsRange
    guard offset <= UInt64(postings.count), length <= UInt64(postings.count) - offset else {
      throw IndexFormatError.corrupt(file: name, offset: info, reason: "postings pointer out of range")
    }
    let range = (postings.lowerBound + Int(offset))..<(postings.lowerBound + Int(offset + length))
    // A list is checked the first time it is read: the file never changes once written, so
    // like a block cache (RocksDB's), the searcher trusts what it has verified.
    if !recheck, verifiedTerms.withLock({ $0.contains(UInt32(term)) }) { return range }
    guard Self.crc(data, range) == Self.u32(data, info + 16) else {
      throw IndexFormatError.corrupt(file: name, offset: range.lowerBound, reason: "postings checksum mismatch")
    }
    verifiedTerms.withLock { $0.insert(UInt32(term)) }
    return range
  }

  /// The skip points of a term's postings (`bytes`, from `postingsRange`), found the first
  /// time they are asked for.
  func skips(_ term: Int, in bytes: UnsafeRawBufferPointer, hasPositions: Bool) throws(BadPostings) -> PostingsSkips {
    if let known = skipPoints.withLock({ $0[term] }) { return known }
    let skips = try PostingsSkips(bytes, hasPositions: hasPositions)
    skipPoints.withLock { $0[term] = skips }
    return skips
  }

  /// Runs `body` with an array of a count per doc, all zero, which `body` leaves all zero
  /// (`ZeroedArrays`).
  func withDocCounts<T, Failure: Error>(_ body: (UnsafeMutableBufferPointer<UInt32>) throws(Failure) -> T) throws(Failure) -> T {
    var counts = docCounts.take()
    let result = try counts.withUnsafeMutableBufferPointer { (counts) throws(Failure) -> T in try body(counts) }
    docCounts.giveBack(counts)
    return result
  }

  /// A term's key: its kind-and-field byte, then the term's UTF-8.
  func termKey(_ term: Int) -> [UInt8] {
    withDictionary { Array($0.term(term)) }
  }

  /// How many docs a term's postings list (from its term info, for ordering lists).
  func documentFrequency(_ term: Int) -> Int {
    Int(Self.u32(data, termInfosStart + term * SegmentFormat.termInfoSize + 12))
  }

  /// Runs `body` with the file's bytes, which are valid only inside `body`.
  func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
    try data.withUnsafeBytes(body)
  }

  /// Appends each report's place in the order of first paths (`reportOrder` block, checked
  /// at open to be a permutation).
  func appendReportOrder(_ places: inout [UInt32]) {
    let start = blocks[.reportOrder, default: 0..<0].lowerBound
    for report in 0..<meta.reportCount { places.append(Self.u32(data, start + 4 * report)) }
  }

  /// Each report's year, agency and region as filters compare them (`reportFilters` block,
  /// checked against its CRC on this read).
  func reportFilters() throws -> ReportFilters {
    let range = blocks[.reportFilters, default: 0..<0]
    func corrupt(_ reason: String) -> IndexFormatError { .corrupt(file: name, offset: range.lowerBound, reason: reason) }
    guard Self.crc(data, range) == checksums[.reportFilters] else { throw corrupt("checksum mismatch in block reportFilters") }
    var reader = RecordReader([UInt8](data[range]))
    var filters = ReportFilters()
    do {
      for _ in 0..<(try reader.count()) {
        filters.names += try reader.slice()
        filters.nameEnds.append(filters.names.count)
      }
      func name() throws(RecordReader.Failure) -> UInt32 {
        let number = try reader.varint()
        guard number < filters.nameEnds.count else { throw .truncated }
        return UInt32(number)
      }
      for _ in 0..<meta.reportCount {
        let year = Int(clamping: try reader.varint())
        filters.years.append(year == 0 ? nil : year)
        filters.agencies.append(try name())
        filters.regions.append(try name())
      }
    } catch {
      throw corrupt("report filters do not decode")
    }
    guard reader.isAtEnd else { throw corrupt("report filters do not decode") }
    return filters
  }

  /// The grams the `sectionBounds` block keeps a table for, in order.
  var sectionBoundsGrams: [[UInt8]] {
    (0..<(sectionBoundsHeader() ?? 0)).compactMap { sectionBoundsEntry($0).map { [UInt8](data[$0.gram]) } }
  }

  /// The section bounds of the `number`-th gram of the `sectionBounds` block: its UTF-8 (no
  /// field byte) and its table, where they lie; nil when the entry points out of the block.
  private func sectionBoundsEntry(_ number: Int) -> (gram: Range<Int>, table: Range<Int>, crc: UInt32)? {
    let range = sectionBoundsRange
    let entry = range.lowerBound + 8 + 20 * number
    let (keyOffset, keyLength) = (Int(Self.u32(data, entry)), Int(Self.u32(data, entry + 4)))
    let (tableOffset, tableLength) = (Int(Self.u32(data, entry + 8)), Int(Self.u32(data, entry + 12)))
    guard keyOffset + keyLength <= range.count, tableOffset + tableLength <= range.count else { return nil }
    let gram = (range.lowerBound + keyOffset)..<(range.lowerBound + keyOffset + keyLength)
    return (gram, (range.lowerBound + tableOffset)..<(range.lowerBound + tableOffset + tableLength), Self.u32(data, entry + 16))
  }

  /// The gram count of the `sectionBounds` block, nil when its header is damaged.
  private func sectionBoundsHeader() -> Int? {
    let range = sectionBoundsRange
    let count = Int(Self.u32(data, range.lowerBound + 4))
    guard range.count >= 8, data[range.lowerBound] == UInt8(SectionBounds.rangeShift), Self.u32(data, range.lowerBound) >> 8 == 0,
      8 + 20 * count <= range.count
    else { return nil }
    return count
  }

  /// Where the section bounds of `gram` (its UTF-8, no field byte; `SectionBounds`) lie in
  /// the file, checked against their CRC (once per reader); nil when the segment keeps none.
  func sectionBounds(ofGram gram: [UInt8]) throws -> Range<Int>? {
    let range = sectionBoundsRange
    guard let count = sectionBoundsHeader() else { throw undecodableSectionBounds(at: range.lowerBound) }
    var (low, high) = (0, count)
    while low < high {
      let middle = (low + high) / 2
      guard let entry = sectionBoundsEntry(middle) else { throw undecodableSectionBounds(at: range.lowerBound) }
      let order = data.withUnsafeBytes { file in
        gram.withUnsafeBytes { Self.compare(UnsafeRawBufferPointer(rebasing: file[entry.gram]), $0) }
      }
      if order == 0 {
        try checkSectionBounds(entry)
        return entry.table
      }
      if order < 0 { low = middle + 1 } else { high = middle }
    }
    return nil
  }

  /// The byte order of two keys (terms, grams): −1, 0 or 1, a key before the longer keys it
  /// starts. Byte by byte: keys are a few bytes, and a probe's time is its cache misses.
  static func compare(_ key: UnsafeRawBufferPointer, _ other: UnsafeRawBufferPointer) -> Int {
    for offset in 0..<min(key.count, other.count) where key[offset] != other[offset] {
      return key[offset] < other[offset] ? -1 : 1
    }
    return key.count == other.count ? 0 : (key.count < other.count ? -1 : 1)
  }

  private func undecodableSectionBounds(at offset: Int) -> IndexFormatError {
    .corrupt(file: name, offset: offset, reason: "section bounds do not decode")
  }

  private func checkSectionBounds(_ entry: (gram: Range<Int>, table: Range<Int>, crc: UInt32)) throws {
    guard !verifiedRecords.withLock({ $0.contains(entry.table.lowerBound) }) else { return }
    guard Self.crc(data, entry.table) == entry.crc else {
      let start = sectionBoundsRange.lowerBound
      throw IndexFormatError.corrupt(
        file: name, offset: entry.table.lowerBound, reason: "checksum mismatch in the section bounds at \(entry.table.lowerBound - start)")
    }
    verifiedRecords.withLock { _ = $0.insert(entry.table.lowerBound) }
  }

  /// Decodes every table of the `sectionBounds` block (for `dsearch check`); the first problem.
  private func verifySectionBounds() -> IndexFormatError? {
    let range = sectionBoundsRange
    guard let count = sectionBoundsHeader() else { return undecodableSectionBounds(at: range.lowerBound) }
    var previous: Range<Int>?
    for number in 0..<count {
      // In the order `sectionBounds(ofGram:)` searches them, each after the one before.
      guard let entry = sectionBoundsEntry(number),
        previous.map({ previous in
          data.withUnsafeBytes { Self.compare(UnsafeRawBufferPointer(rebasing: $0[previous]), UnsafeRawBufferPointer(rebasing: $0[entry.gram])) < 0 }
        }) ?? true
      else {
        return undecodableSectionBounds(at: range.lowerBound)
      }
      do { try checkSectionBounds(entry) } catch let error as IndexFormatError { return error } catch {}
      let decodes = data.withUnsafeBytes { raw in
        var cursor = SectionBounds.Cursor(UnsafeRawBufferPointer(rebasing: raw[entry.table]), docCount: docCount)
        return (try? cursor.verify()) != nil
      }
      guard decodes else { return undecodableSectionBounds(at: entry.table.lowerBound) }
      previous = entry.gram
    }
    return nil
  }

  // MARK: Records

  func report(_ id: UInt32) throws -> StoredReport {
    let bytes = try record(.reports, Int(id))
    do { return try RecordCoding.decodeReport(bytes) } catch { throw unreadable(.reports, Int(id)) }
  }

  /// Section `doc`'s record, with the table rows `rows` selects (the others left unmade).
  func section(_ doc: UInt32, rows: RecordCoding.Rows = .all) throws -> StoredSection {
    let bytes = try record(.sections, Int(doc))
    do { return try RecordCoding.decodeSection(bytes, rows: rows) } catch { throw unreadable(.sections, Int(doc)) }
  }

  /// Section `doc` as a hit shows it (`RecordCoding.SectionHit`).
  func sectionHit(_ doc: UInt32, rows: RecordCoding.Rows) throws -> RecordCoding.SectionHit {
    let bytes = try record(.sections, Int(doc))
    do { return try RecordCoding.decodeSectionHit(bytes, rows: rows) } catch { throw unreadable(.sections, Int(doc)) }
  }

  /// Section `doc`'s record, read for its field texts without making its strings.
  func sectionFields(_ doc: UInt32) throws -> RecordCoding.SectionFields {
    let bytes = try record(.sections, Int(doc))
    do { return try RecordCoding.SectionFields(bytes) } catch { throw unreadable(.sections, Int(doc)) }
  }

  /// Reads on in a record of section `doc` read by `sectionFields`.
  func readingSection<T>(_ doc: UInt32, _ body: () throws(RecordReader.Failure) -> T) throws -> T {
    do { return try body() } catch { throw unreadable(.sections, Int(doc)) }
  }

  private func unreadable(_ block: SegmentFormat.Block, _ index: Int) -> IndexFormatError {
    .corrupt(file: name, offset: blocks[block, default: 0..<0].lowerBound, reason: "unreadable record \(index) in block \(block)")
  }

  /// The decompressed payload of one record, after checking its CRC-32.
  private func record(_ block: SegmentFormat.Block, _ index: Int) throws -> [UInt8] {
    let range = blocks[block, default: 0..<0]
    func corrupt(_ reason: String) -> IndexFormatError { .corrupt(file: name, offset: range.lowerBound, reason: reason) }
    guard range.count >= 4 else { throw corrupt("record block too short") }
    let count = Int(Self.u32(data, range.lowerBound))
    let headerSize = 4 + (count + 1) * 8
    guard index < count, headerSize <= range.count else { throw corrupt("record index out of range") }
    let bodyStart = range.lowerBound + headerSize
    let start = Self.u64(data, range.lowerBound + 4 + index * 8)
    let end = Self.u64(data, range.lowerBound + 4 + (index + 1) * 8)
    guard start + 4 <= end, end <= UInt64(range.upperBound - bodyStart) else { throw corrupt("record offsets out of range") }
    let payload = (bodyStart + Int(start) + 4)..<(bodyStart + Int(end))
    // Checked the first time it is read, as postings are (a hit reads two records).
    if !verifiedRecords.withLock({ $0.contains(payload.lowerBound) }) {
      guard Self.crc(data, payload) == Self.u32(data, bodyStart + Int(start)) else {
        throw IndexFormatError.corrupt(file: name, offset: payload.lowerBound, reason: "record checksum mismatch")
      }
      verifiedRecords.withLock { _ = $0.insert(payload.lowerBound) }
    }
    do {
      return try data.withUnsafeBytes { raw throws(RecordReader.Failure) in
        let decompressor =
          decompressors.withLock { $0.popLast() }
          ?? RecordDecompressor(dictionary: UnsafeRawBufferPointer(rebasing: raw[dictionaryRange]))
        defer { decompressors.withLock { $0.append(decompressor) } }
        return try decompressor.decompress(UnsafeRawBufferPointer(rebasing: raw[payload]))
      }
    } catch {
      throw IndexFormatError.corrupt(file: name, offset: payload.lowerBound, reason: "record does not decompress")
    }
  }

  /// Whether a whole postings list decodes: docs ascending below the doc count, positions
  /// readable, as many docs as its term info says.
  private func postingsDecode(_ term: Int, _ range: Range<Int>) -> Bool {
    guard let kind = withDictionary({ $0.term(term).first }) else { return false }
    let hasPositions = kind >= TermKey.gramPrefix
    let decoded = try? data.withUnsafeBytes { file throws -> Bool in
      var positions = PositionBuffer()
      defer { positions.free() }
      return try PostingsCursor.reading(UnsafeRawBufferPointer(rebasing: file[range]), hasPositions: hasPositions) { cursor in
        var docs = 0
        while try cursor.next() {
          guard Int(cursor.doc) < docCount else { return false }
          if hasPositions { try cursor.positions(into: &positions) }
          docs += 1
        }
        return docs == documentFrequency(term)
      }
    }
    return decoded ?? false
  }

  /// Checks every checksum and record (for `dsearch check`); returns the problems found.
  func verifyAll() -> [IndexFormatError] {
    var problems: [IndexFormatError] = []
    for block in SegmentFormat.Block.allCases {
      guard let range = blocks[block] else { continue }
      if Self.crc(data, range) != checksums[block] {
        problems.append(.corrupt(file: name, offset: range.lowerBound, reason: "checksum mismatch in block \(block)"))
      }
    }
    for term in 0..<termCount {
      do {
        let range = try postingsRange(term, recheck: true)
        if !postingsDecode(term, range) {
          problems.append(.corrupt(file: name, offset: range.lowerBound, reason: "postings list of term \(term) does not decode"))
        }
      } catch let error as IndexFormatError { problems.append(error) } catch {}
      if problems.count > 20 { return problems }
    }
    for doc in 0..<UInt32(docCount) {
      do { _ = try section(doc) } catch let error as IndexFormatError { problems.append(error) } catch {}
      if problems.count > 20 { return problems }
    }
    for id in 0..<UInt32(meta.reportCount) {
      do { _ = try report(id) } catch let error as IndexFormatError { problems.append(error) } catch {}
      if problems.count > 20 { return problems }
    }
    do { _ = try reportFilters() } catch let error as IndexFormatError { problems.append(error) } catch {}
    if let problem = verifySectionBounds() { problems.append(problem) }
    for doc in 0..<UInt32(docCount) where reportID(of: doc) >= UInt32(meta.reportCount) {
      problems.append(.corrupt(file: name, offset: blockStart(.docs), reason: "section \(doc) names a missing report"))
      break
    }
    return problems
  }

  // MARK: Bytes

  private func blockStart(_ block: SegmentFormat.Block) -> Int { blocks[block, default: 0..<0].lowerBound }

  static func u16(_ data: Data, _ offset: Int) -> UInt16 {
    guard offset >= 0, offset + 2 <= data.count else { return 0 }
    return data.withUnsafeBytes { UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
  }

  static func u32(_ data: Data, _ offset: Int) -> UInt32 {
    guard offset >= 0, offset + 4 <= data.count else { return 0 }
    return data.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
  }

  static func u64(_ data: Data, _ offset: Int) -> UInt64 {
    guard offset >= 0, offset + 8 <= data.count else { return 0 }
    return data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
  }

  static func crc(_ data: Data, _ range: Range<Int>) -> UInt32 {
    data.withUnsafeBytes { CRC32.of(UnsafeRawBufferPointer(rebasing: $0[range])) }
  }
}

/// Every report's year, agency and region as the filters `year:`, `agency:` and `region:`
/// compare them: agency and region are numbers of names, folded by `Normalizer` ("" when
/// unknown), each name once. The names' UTF-8 lies end to end in `names` (no string is made
/// of them: a filtered search process made 37,000 at 50,000 reports), name n ending at
/// `nameEnds[n]`.
struct ReportFilters: Sendable {
  var years: [Int?] = []
  var agencies: [UInt32] = []
  var regions: [UInt32] = []
  var names: [UInt8] = []
  var nameEnds: [Int] = []

  /// Appends the reports of `other` (the next segment's).
  mutating func append(_ other: ReportFilters) {
    let (base, offset) = (UInt32(nameEnds.count), names.count)
    years += other.years
    agencies += other.agencies.map { $0 + base }
    regions += other.regions.map { $0 + base }
    names += other.names
    nameEnds += other.nameEnds.map { $0 + offset }
  }

  /// Whether each name holds `text` (by UTF-8 bytes): one search through all the names, each
  /// occurrence credited to the name it starts in if it ends there too.
  func namesHolding(_ text: String) -> [Bool] {
    let needle = Array(text.utf8)
    var holds = [Bool](repeating: needle.isEmpty, count: nameEnds.count)
    // Occurrences come in ascending order, so the name each starts in only moves forward
    // (the last name ends at the end of `names`, past every start).
    var name = 0
    for start in names.indices(of: needle) {
      while nameEnds[name] <= start { name += 1 }
      if start + needle.count <= nameEnds[name] { holds[name] = true }
    }
    return holds
  }
}
