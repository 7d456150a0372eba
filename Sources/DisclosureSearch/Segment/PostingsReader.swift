import Foundation

// Readers of the postings lists (Index/FORMAT.md, "Postings"):
//
//     WordPostings := (docDelta varint, tf varint)^docCount
//     GramPostings := (docDelta varint, positionCount varint, positionDelta varint^positionCount)^docCount
//
// docDelta is DocID + 1 for the first entry, then the gap to the previous DocID (always > 0).

/// Reads gram postings (Index/FORMAT.md, "Postings").
enum GramPostings {
  /// Calls `body` with each doc, its position count and the decoder positioned at its
  /// positions, which `body` must read or skip; `body` returns false on bad bytes.
  static func walk(
    _ bytes: Data, segmentName: String, _ body: (UInt32, UInt32, inout PostingsDecoder) -> Bool
  ) throws {
    let decoded = bytes.withUnsafeBytes { raw -> Bool in
      var decoder = PostingsDecoder(raw)
      var doc: UInt32 = 0
      var first = true
      while !decoder.isAtEnd {
        guard let delta = decoder.varint(), let count = decoder.varint(), delta > 0, count <= raw.count else { return false }
        doc = first ? delta - 1 : doc &+ delta
        first = false
        guard body(doc, count, &decoder) else { return false }
      }
      return true
    }
    guard decoded else { throw IndexFormatError.corrupt(file: segmentName, offset: bytes.startIndex, reason: "bad postings list") }
  }
}

/// A decoded word postings list: docs ascending with term frequencies.
struct FrequencyPostings {
  private(set) var docs: [UInt32] = []
  private(set) var frequencies: [UInt32] = []

  init(_ bytes: Data, segmentName: String) throws {
    let decoded = bytes.withUnsafeBytes { raw -> Bool in
      var decoder = PostingsDecoder(raw)
      var doc: UInt32 = 0
      var first = true
      while !decoder.isAtEnd {
        guard let delta = decoder.varint(), let tf = decoder.varint(), delta > 0 else { return false }
        doc = first ? delta - 1 : doc &+ delta
        first = false
        docs.append(doc)
        frequencies.append(tf)
      }
      return true
    }
    guard decoded else { throw IndexFormatError.corrupt(file: segmentName, offset: bytes.startIndex, reason: "bad postings list") }
  }
}

/// Reads varints from postings bytes (see Index/FORMAT.md, "Postings"), bounds-checked.
struct PostingsDecoder {
  private let bytes: UnsafeRawBufferPointer
  private var index = 0

  init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  var isAtEnd: Bool { index >= bytes.count }

  @inline(__always)
  mutating func varint() -> UInt32? {
    var value: UInt32 = 0
    var shift: UInt32 = 0
    while index < bytes.count, shift < 35 {
      let byte = bytes[index]
      index += 1
      value |= UInt32(byte & 0x7F) << shift
      if byte < 0x80 { return value }
      shift += 7
    }
    return nil
  }
}
