import Foundation

/// Writes an `IndexBuilder`'s content as one segment file (see Index/FORMAT.md):
///
///     Segment  := Header Block{9} Directory Footer
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

  static func write(_ builder: IndexBuilder, to url: URL) throws {
    var builder = builder
    let compressor = builder.sealRecords()
    var file = ByteWriter()
    file.u32(SegmentFormat.magic)
    file.u16(SegmentFormat.formatVersion)
    file.u16(0)
    file.u64(0)
    var directory: [(SegmentFormat.Block, UInt64, UInt64, UInt32)] = []
    func add(_ block: SegmentFormat.Block, _ bytes: [UInt8]) {
      directory.append((block, UInt64(file.bytes.count), UInt64(bytes.count), CRC32.of(bytes)))
      file.append(bytes)
    }

    var keyed: [([UInt8], IndexBuilder.PostingsBuilder)] = []
    keyed.reserveCapacity(builder.termCount)
    for (term, list) in builder.wordPostings { keyed.append((term, list)) }
    for (code, list) in builder.gramPostings {
      guard let field = Field(rawValue: Int(code >> 42)) else { continue }
      keyed.append((GramCode.key(code & ((1 << 42) - 1), field: field), list))
    }
    keyed.sort { $0.0.lexicographicallyPrecedes($1.0) }
    let termCount = keyed.count
    let fieldCount = Field.allCases.count
    var totals = [Double](repeating: 0, count: fieldCount)
    for doc in builder.docs { for field in 0..<fieldCount { totals[field] += Double(doc.fieldLengths[field]) } }
    let docCount = max(1, builder.docs.count)
    let meta = Meta(
      formatVersion: Int(SegmentFormat.formatVersion), reportCount: builder.reports.count,
      sectionCount: builder.docs.count, termCount: termCount, averageFieldLengths: totals.map { $0 / Double(docCount) },
      totalFieldLengths: totals.map { Int($0) })
    let encoder = JSONEncoder()
    add(.meta, Array(try encoder.encode(meta)))

    var docs = ByteWriter()
    for doc in builder.docs {
      docs.u32(doc.report)
      docs.u8(doc.section)
      docs.u8(0)
      docs.u16(0)
      for length in doc.fieldLengths { docs.u32(length) }
    }
    add(.docs, docs.bytes)
    add(.reports, records(builder.reports.map { compressor.compress(RecordCoding.encode($0)) }))
    add(.sections, records(builder.sectionRecords))

    var offsets = ByteWriter()
    var termBytes: [UInt8] = []
    var infos = ByteWriter()
    var postings: [UInt8] = []
    for (term, list) in keyed {
      offsets.u32(UInt32(termBytes.count))
      termBytes.append(contentsOf: term)
      infos.u64(UInt64(postings.count))
      infos.u32(UInt32(list.bytes.count))
      infos.u32(list.docCount)
      infos.u32(CRC32.of(list.bytes))
      infos.u32(0)
      postings.append(contentsOf: list.bytes)
    }
    offsets.u32(UInt32(termBytes.count))
    add(.termOffsets, offsets.bytes)
    add(.termBytes, termBytes)
    add(.termInfos, infos.bytes)
    add(.postings, postings)
    add(.dictionary, compressor.dictionary)

    var directoryBytes = ByteWriter()
    directoryBytes.u32(UInt32(directory.count))
    for (block, offset, length, crc) in directory {
      directoryBytes.u32(block.rawValue)
      directoryBytes.u64(offset)
      directoryBytes.u64(length)
      directoryBytes.u32(crc)
    }
    let directoryOffset = UInt64(file.bytes.count)
    file.append(directoryBytes.bytes)
    file.u64(directoryOffset)
    file.u32(UInt32(directoryBytes.bytes.count))
    file.u32(CRC32.of(directoryBytes.bytes))
    file.u16(SegmentFormat.formatVersion)
    file.u16(0)
    file.u32(SegmentFormat.magic)
    try DurableFile.write(file.bytes, to: url)
  }

  /// Records := count u32, offset u64^(count+1) (relative to the first record), then each
  /// record as crc32 u32 + payload.
  private static func records(_ payloads: [[UInt8]]) -> [UInt8] {
    var header = ByteWriter()
    var body: [UInt8] = []
    header.u32(UInt32(payloads.count))
    for payload in payloads {
      header.u64(UInt64(body.count))
      var crc = ByteWriter()
      crc.u32(CRC32.of(payload))
      body.append(contentsOf: crc.bytes)
      body.append(contentsOf: payload)
    }
    header.u64(UInt64(body.count))
    return header.bytes + body
  }
}

/// Writes files so that they survive a crash: write to the final name only via a rename
/// of a fully written and synced temporary file.
enum DurableFile {
  static func write(_ bytes: [UInt8], to url: URL) throws {
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
      throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path])
    }
    let handle = try FileHandle(forWritingTo: temporary)
    do {
      try handle.write(contentsOf: bytes)
      try handle.synchronize()
      try handle.close()
    } catch {
      try? handle.close()
      try? FileManager.default.removeItem(at: temporary)
      throw error
    }
    if rename(temporary.path, url.path) != 0 {
      let code = errno
      try? FileManager.default.removeItem(at: temporary)
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)])
    }
    syncDirectory(url.deletingLastPathComponent())
  }

  static func syncDirectory(_ url: URL) {
    let descriptor = open(url.path, O_RDONLY)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
  }
}
