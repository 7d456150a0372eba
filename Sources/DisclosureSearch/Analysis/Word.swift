import Foundation

/// UTF-8 bytes as a dictionary key (a query word, a label): a slice, so that a
/// piece of a longer text is looked up without copying it, hashed in one call rather than
/// one byte at a time as `[UInt8]` hashes.
struct Word: Hashable, Sendable {
  let bytes: ArraySlice<UInt8>

  init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

  init(_ text: String) { bytes = Array(text.utf8)[...] }

  /// A copy that holds only its own bytes, not the text it was cut from (for keys kept long).
  var compacted: Word { Word(Array(bytes)[...]) }

  func hash(into hasher: inout Hasher) {
    bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
  }

  static func == (a: Word, b: Word) -> Bool {
    a.bytes.count == b.bytes.count
      && a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
  }
}
