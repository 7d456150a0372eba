import CICU
import Foundation

/// Text decoded from a report file, with line endings folded to `\n`.
struct DecodedText: Sendable {
  /// The text; CRLF and lone CR are folded to LF, so line numbers match the source file.
  var text: String
  /// The encoding found: `utf-8`, `utf-8-bom`, `utf-16le`, `utf-16be`, `gb18030` or `big5`.
  var encoding: String
  /// Problems found while decoding (invalid bytes, with their offset).
  var warnings: [String]
  /// For text drawn from a page (HTML): the 1-based source line of each line of `text`.
  /// Empty when line i of `text` is line i of the file.
  var sourceLines: [Int32] = []
}

/// Decodes report bytes: UTF-8 with or without BOM, UTF-16 with BOM, and GB18030 or Big5
/// recognised from the bytes themselves (never from the file name).
enum TextDecoder {
  static func decode(_ bytes: [UInt8]) -> DecodedText {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
      return utf8(Array(bytes.dropFirst(3)), encoding: "utf-8-bom", offsetBase: 3)
    }
    if bytes.starts(with: [0xFF, 0xFE]) {
      return converted(Array(bytes.dropFirst(2)), charset: "UTF-16LE", encoding: "utf-16le", offsetBase: 2)
    }
    if bytes.starts(with: [0xFE, 0xFF]) {
      return converted(Array(bytes.dropFirst(2)), charset: "UTF-16BE", encoding: "utf-16be", offsetBase: 2)
    }
    if let text = validUTF8(bytes, encoding: "utf-8") { return text }
    // Not valid UTF-8: GB18030 (the usual encoding of Chinese text that is not UTF-8, a
    // superset of GB2312 and GBK) or Big5 (繁體 text), whichever reads as more common Chinese.
    // Big5 bytes read as GB18030 give no common character at all, real GB18030 text one in
    // six or more (the sample corpus): text as clean as that needs no second decoding.
    let gb = converted(bytes, charset: "GB18030", encoding: "gb18030", offsetBase: 0)
    let gbCount = commonCharacterCount(gb.text)
    if gb.warnings.isEmpty && gbCount.common * 20 >= gbCount.scanned { return gb }
    let big5 = converted(bytes, charset: "Big5", encoding: "big5", offsetBase: 0)
    let best = commonCharacterCount(big5.text).common > gbCount.common ? big5 : gb
    let utf8Check = UTF8Validation(bytes)
    if best.warnings.isEmpty || utf8Check.invalidCount > 8 {
      return best
    }
    return utf8(bytes, encoding: "utf-8", offsetBase: 0, check: utf8Check)
  }

  /// Characters frequent in these reports, simplified and traditional: decoding with the
  /// wrong legacy charset turns them into rare ones. A bit per BMP scalar (every one of them
  /// is there): a `Set` hashed each scalar, 1 % of a build's samples.
  private static let commonCharacters = Bitset(
    capacity: 0x10000,
    members: ("的政府信息公开年度报告工作情况本机关申请处理行政主动依法规定一二三四五六和了在是有为不" + "報資開處機關請導與為會華們數據").unicodeScalars.map(\.value))

  /// How many of the first 20,000 scalars of `text` (`scanned`) are common characters.
  static func commonCharacterCount(_ text: String) -> (common: Int, scanned: Int) {
    var common = 0
    var scanned = 0
    for scalar in text.unicodeScalars.prefix(20_000) {
      scanned += 1
      if commonCharacters.contains(scalar.value) { common += 1 }
    }
    return (common, scanned)
  }

  /// `bytes` as text when they are valid UTF-8 (nearly every file), validated once, by the
  /// standard library.
  private static func validUTF8(_ bytes: [UInt8], encoding: String) -> DecodedText? {
    String(validating: bytes, as: UTF8.self).map { DecodedText(text: foldLineEndings($0), encoding: encoding, warnings: []) }
  }

  /// UTF-8 text, invalid sequences replaced and counted in a warning; `check` when the bytes
  /// are already known to be invalid.
  private static func utf8(_ bytes: [UInt8], encoding: String, offsetBase: Int, check: UTF8Validation? = nil) -> DecodedText {
    if check == nil, let text = validUTF8(bytes, encoding: encoding) { return text }
    let check = check ?? UTF8Validation(bytes)
    var warnings: [String] = []
    if let first = check.firstInvalidOffset {
      warnings.append(
        "invalid UTF-8 at byte \(first + offsetBase) (\(check.invalidCount) invalid sequence(s) replaced by U+FFFD)")
    }
    return DecodedText(text: foldLineEndings(String(decoding: bytes, as: UTF8.self)), encoding: encoding, warnings: warnings)
  }

  /// Decodes bytes in a named charset with ICU's converters (BOM already removed).
  static func decode(_ bytes: [UInt8], charset: String) -> DecodedText {
    let lowered = charset.lowercased()
    if ["utf-8", "utf8"].contains(lowered) { return utf8(bytes, encoding: "utf-8", offsetBase: 0) }
    return converted(bytes, charset: charset, encoding: lowered, offsetBase: 0)
  }

  private static func converted(_ bytes: [UInt8], charset: String, encoding: String, offsetBase: Int) -> DecodedText {
    var output = [UInt16](repeating: 0, count: bytes.count + 1)
    var firstInvalid: Int32 = -1
    let length = bytes.withUnsafeBufferPointer { input in
      output.withUnsafeMutableBufferPointer { out in
        cicu_convert_to_utf16(charset, input.baseAddress, Int32(input.count), out.baseAddress, Int32(out.count), &firstInvalid)
      }
    }
    guard length >= 0 else {
      return DecodedText(text: "", encoding: encoding, warnings: ["cannot decode as \(charset)"])
    }
    var warnings: [String] = []
    if firstInvalid >= 0 {
      warnings.append("invalid \(charset) at byte \(Int(firstInvalid) + offsetBase) (replaced by U+FFFD)")
    }
    let text = output.withUnsafeBufferPointer { string(utf16: UnsafeBufferPointer(rebasing: $0[0..<Int(length)])) }
    return DecodedText(text: foldLineEndings(text), encoding: encoding, warnings: warnings)
  }

  /// UTF-16 as a String, an unpaired surrogate as U+FFFD (as `String(decoding:as:)` does,
  /// whose generic transcoding took as long as ICU's conversion).
  static func string(utf16 units: UnsafeBufferPointer<UInt16>) -> String {
    String(unsafeUninitializedCapacity: 3 * units.count) { utf8 in
      var count = 0
      var index = 0
      while index < units.count {
        var value = UInt32(units[index])
        index += 1
        if value & 0xF800 == 0xD800 {
          if value < 0xDC00, index < units.count, units[index] & 0xFC00 == 0xDC00 {
            value = 0x10000 + (value - 0xD800) << 10 + (UInt32(units[index]) - 0xDC00)
            index += 1
          } else {
            value = 0xFFFD
          }
        }
        switch value {
        case ..<0x80:
          utf8[count] = UInt8(value)
          count += 1
        case ..<0x800:
          utf8[count] = UInt8(0xC0 | value >> 6)
          utf8[count + 1] = UInt8(0x80 | value & 0x3F)
          count += 2
        case ..<0x10000:
          utf8[count] = UInt8(0xE0 | value >> 12)
          utf8[count + 1] = UInt8(0x80 | value >> 6 & 0x3F)
          utf8[count + 2] = UInt8(0x80 | value & 0x3F)
          count += 3
        default:  // a surrogate pair: two units in, four bytes out
          utf8[count] = UInt8(0xF0 | value >> 18)
          utf8[count + 1] = UInt8(0x80 | value >> 12 & 0x3F)
          utf8[count + 2] = UInt8(0x80 | value >> 6 & 0x3F)
          utf8[count + 3] = UInt8(0x80 | value & 0x3F)
          count += 4
        }
      }
      return count
    }
  }

  /// CRLF → LF and lone CR → LF; one line break stays one line break.
  static func foldLineEndings(_ text: String) -> String {
    let hasCR =
      text.utf8.withContiguousStorageIfAvailable { bytes in bytes.baseAddress.map { memchr($0, 0x0D, bytes.count) != nil } ?? false }
      ?? text.utf8.contains(0x0D)
    guard hasCR else { return text }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    var previousWasCR = false
    for byte in text.utf8 {
      if byte == 0x0D {
        bytes.append(0x0A)
        previousWasCR = true
        continue
      }
      if byte == 0x0A && previousWasCR {
        previousWasCR = false
        continue
      }
      previousWasCR = false
      bytes.append(byte)
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// Counts invalid UTF-8 sequences (as `String(decoding:)` would replace them) and finds the first.
struct UTF8Validation {
  var invalidCount = 0
  var firstInvalidOffset: Int?

  init(_ bytes: [UInt8]) {
    var index = 0
    let count = bytes.count
    while index < count {
      let lead = bytes[index]
      if lead < 0x80 {
        index += 1
        continue
      }
      var length = 0
      var lower: UInt8 = 0x80
      var upper: UInt8 = 0xBF
      switch lead {
      case 0xC2...0xDF: length = 2
      case 0xE0: length = 3; lower = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED: length = 3; upper = 0x9F
      case 0xF0: length = 4; lower = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4: length = 4; upper = 0x8F
      default: length = 0
      }
      var valid = length > 0 && index + length <= count
      if valid {
        for next in 1..<length {
          let byte = bytes[index + next]
          let (low, high) = next == 1 ? (lower, upper) : (UInt8(0x80), UInt8(0xBF))
          if byte < low || byte > high {
            valid = false
            break
          }
        }
      }
      if valid {
        index += length
      } else {
        if firstInvalidOffset == nil { firstInvalidOffset = index }
        invalidCount += 1
        index += 1
      }
    }
  }
}
