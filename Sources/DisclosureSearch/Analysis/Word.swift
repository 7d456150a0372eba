import Foundation

/// A label's UTF-8 bytes (a row label, group or column header): a slice, so that a piece of
/// a record is used without copying it, and compared with memcmp.
struct Word: Equatable, Sendable {
  let bytes: ArraySlice<UInt8>

  init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

  init(_ text: String) { bytes = Array(text.utf8)[...] }

  static func == (a: Word, b: Word) -> Bool {
    a.bytes.count == b.bytes.count
      && a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
  }
}
