import CICU
import Foundation

/// Which scalars of normalized text take part in exact-substring recall: CJK ideographs and
/// other letters, and digits. Everything else (spaces, punctuation, symbols) separates runs.
enum CharacterClass {
  static func isSearchable(_ scalar: Unicode.Scalar) -> Bool { isSearchable(scalar.value) }

  /// The same for a scalar value (not a surrogate).
  static func isSearchable(_ value: UInt32) -> Bool {
    if value < 0x80 {
      return (value >= 0x30 && value <= 0x39) || (value >= 0x61 && value <= 0x7A) || (value >= 0x41 && value <= 0x5A)
    }
    if value >= 0x4E00 && value <= 0x9FFF { return true }
    if value >= punctuationBlocks.lowerBound && value < punctuationBlocks.upperBound {
      return punctuationTable[Int(value - punctuationBlocks.lowerBound)]
    }
    return fromProperties(value)
  }

  private static func fromProperties(_ value: UInt32) -> Bool {
    guard let properties = Unicode.Scalar(value)?.properties else { return false }
    return properties.isAlphabetic || properties.numericType == .decimal
  }

  /// General Punctuation through Katakana (U+2000–U+30FF): the punctuation of Chinese text
  /// (、。《》【】“”…) is here, and its answers come from a table, not from Unicode's
  /// properties (which were 2 % of a build).
  private static let punctuationBlocks: Range<UInt32> = 0x2000..<0x3100
  private static let punctuationTable: [Bool] = punctuationBlocks.map(fromProperties)
}

extension StringProtocol {
  /// The first occurrence of `needle`, found by comparing UTF-8 bytes (a match of valid
  /// UTF-8 always starts and ends on scalar boundaries). The parser calls this on every line:
  /// Foundation's `range(of:)` and `contains(_:)` go through NSString and cost far more.
  func firstByteRange(of needle: String) -> Range<String.Index>? {
    var needle = needle
    // Native strings hand out their bytes, searched with memmem (`cicu_find`).
    let found = utf8.withContiguousStorageIfAvailable { haystack in
      needle.withUTF8 { target -> Int? in
        guard let needleBase = target.baseAddress, !target.isEmpty else { return 0 }
        guard let base = haystack.baseAddress, target.count <= haystack.count else { return nil }
        let offset = cicu_find(base, UInt64(haystack.count), needleBase, UInt64(target.count))
        return offset < 0 ? nil : Int(offset)
      }
    }
    if let found {
      guard let offset = found else { return nil }
      let start = utf8.index(utf8.startIndex, offsetBy: offset)
      return start..<utf8.index(start, offsetBy: needle.utf8.count)
    }
    let target = Array(needle.utf8)
    guard let first = target.first else { return startIndex..<startIndex }
    let view = utf8
    var from = view.startIndex
    while let start = view[from...].firstIndex(of: first) {
      var index = start
      var matched = 0
      while matched < target.count, index < view.endIndex, view[index] == target[matched] {
        view.formIndex(after: &index)
        matched += 1
      }
      if matched == target.count { return start..<index }
      from = view.index(after: start)
    }
    return nil
  }

  /// Whether `needle` occurs, by UTF-8 bytes (see `firstByteRange(of:)`).
  func containsBytes(_ needle: String) -> Bool { firstByteRange(of: needle) != nil }
}
