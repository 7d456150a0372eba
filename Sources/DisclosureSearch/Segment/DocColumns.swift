/// The docs block (since format 12): per section its report, its field lengths and its section
/// number, as columns —
///
///     Docs := report u32^N, (length u32^N)^fieldCount, section u8^N
///
/// with the lengths field by field (title, heading, label, body). A search reads them in
/// place from the mapped segment (an open that copied them into arrays made a search
/// process at 50,000 reports 1.3–1.55 times as long). A ranker bounding the docs of one
/// field's list reads consecutive lengths of that field, a quarter of the cache lines of an
/// entry per doc.
///
/// Safe to share between threads: the bytes are read-only and outlive every copy of this
/// value (a segment's mapped file, or the joined columns an `IndexView` owns).
struct DocColumns: @unchecked Sendable {
  private let reports: UnsafeRawPointer
  private let lengths: UnsafeRawPointer
  private let sections: UnsafeRawPointer
  let count: Int

  static let fieldCount = Field.allCases.count

  /// The block's size for `docCount` sections.
  static func size(docCount: Int) -> Int { docCount * (4 + 4 * fieldCount + 1) }

  /// Columns of `count` sections starting at `base` (a block of `size(docCount: count)` bytes).
  init(_ base: UnsafeRawPointer, count: Int) {
    self.count = count
    reports = base
    lengths = base + 4 * count
    sections = base + 4 * (1 + Self.fieldCount) * count
  }

  @inline(__always)
  func report(_ doc: Int) -> UInt32 {
    precondition(UInt(bitPattern: doc) < UInt(bitPattern: count))
    return UInt32(littleEndian: reports.loadUnaligned(fromByteOffset: 4 * doc, as: UInt32.self))
  }

  @inline(__always)
  func length(_ doc: Int, _ field: Field) -> UInt32 {
    precondition(UInt(bitPattern: doc) < UInt(bitPattern: count))
    return UInt32(littleEndian: lengths.loadUnaligned(fromByteOffset: 4 * (field.rawValue * count + doc), as: UInt32.self))
  }

  @inline(__always)
  func section(_ doc: Int) -> UInt8 {
    precondition(UInt(bitPattern: doc) < UInt(bitPattern: count))
    return sections.load(fromByteOffset: doc, as: UInt8.self)
  }

  /// The block of `docs`.
  static func encode(_ docs: [DocEntry]) -> [UInt8] {
    var bytes = ByteWriter()
    for doc in docs { bytes.u32(doc.report) }
    for field in Field.allCases {
      for doc in docs { bytes.u32(doc.fieldLengths[field.rawValue]) }
    }
    for doc in docs { bytes.u8(doc.section) }
    return bytes.bytes
  }

  /// The columns of several segments' blocks joined (each `reportBase` added to its
  /// reports), in memory that lives as long as the storage returned with them.
  static func join(_ parts: [(columns: DocColumns, reportBase: UInt32)]) -> (columns: DocColumns, storage: Storage) {
    let total = parts.reduce(0) { $0 + $1.columns.count }
    let storage = Storage(byteCount: max(1, size(docCount: total)))
    let output = storage.bytes
    var first = 0
    for (columns, reportBase) in parts {
      for doc in 0..<columns.count {
        output.storeBytes(of: (columns.report(doc) &+ reportBase).littleEndian, toByteOffset: 4 * (first + doc), as: UInt32.self)
        for field in Field.allCases {
          output.storeBytes(
            of: columns.length(doc, field).littleEndian, toByteOffset: 4 * ((1 + field.rawValue) * total + first + doc),
            as: UInt32.self)
        }
        output.storeBytes(of: columns.section(doc), toByteOffset: 4 * (1 + fieldCount) * total + first + doc, as: UInt8.self)
      }
      first += columns.count
    }
    return (DocColumns(UnsafeRawPointer(output.baseAddress!), count: total), storage)
  }

  /// Memory of joined columns, freed with its last reference.
  final class Storage: @unchecked Sendable {  // written once, in `join`, before any reader sees it
    let bytes: UnsafeMutableRawBufferPointer

    init(byteCount: Int) { bytes = .allocate(byteCount: byteCount, alignment: 8) }

    deinit { bytes.deallocate() }
  }
}
