import CICU

/// Turns an HTML report page into text the report parser reads: the charset comes from the
/// BOM or the `<meta>` tag (gb2312 and gbk labels are read as GB18030, since pages that
/// declare them use GBK characters), the page is parsed as libxml2's HTML parser does (never by
/// regular expressions), character references are decoded, chrome (script, style, navigation,
/// header, footer) is dropped, and each table row becomes one line of `|`-joined cells.
enum HTMLReader {
  static let extensions: Set<String> = ["html", "htm", "shtml", "xhtml"]

  /// Who reads a page: libxml2; a scanner that makes libxml2's events for regular pages at a
  /// fraction of the cost, and libxml2 the others; or (for tests) the scanner only, which
  /// fails on a page it leaves to libxml2.
  enum Parser: Int32 {
    case libxml2 = 0, scannerFirst, scannerOnly
  }

  static func decode(_ bytes: [UInt8], parser: Parser = .scannerFirst) -> DecodedText {
    var decoded: DecodedText
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
      decoded = TextDecoder.decode(bytes)
    } else if let charset = declaredCharset(bytes) {
      decoded = TextDecoder.decode(bytes, charset: charset)
    } else {
      decoded = TextDecoder.decode(bytes)
    }
    let utf8 = Array(decoded.text.utf8)
    var length: Int32 = 0
    var lines: UnsafeMutablePointer<Int32>?
    var lineCount: Int32 = 0
    let text = utf8.withUnsafeBufferPointer { cicu_html_text($0.baseAddress, Int32($0.count), &length, &lines, &lineCount, parser.rawValue) }
    defer {
      cicu_free(text)
      cicu_free(lines)
    }
    guard let text else {
      decoded.warnings.append("the HTML parser could not read the page")
      decoded.text = ""
      return decoded
    }
    decoded.text = text.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
      String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self)
    }
    decoded.sourceLines = lines.map { Array(UnsafeBufferPointer(start: $0, count: Int(lineCount))) } ?? []
    return decoded
  }

  /// The charset a page declares in its first 4 KB (`<meta charset=…>` or `content="…; charset=…"`),
  /// as an ICU converter name.
  static func declaredCharset(_ bytes: [UInt8]) -> String? {
    // Read in ASCII, capitals as small letters (other bytes are no part of a name).
    let head = bytes.prefix(4096).map { $0 >= 0x80 ? 0x20 : (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
    let key = Array("charset=".utf8)
    guard let start = head.indices(of: key).first else { return nil }
    let name = head[(start + key.count)...].drop { [0x22, 0x27, 0x20].contains($0) }.prefix {
      (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F
    }
    let label = String(decoding: name, as: UTF8.self)
    switch label {
    case "gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "gb_2312-80": return "GB18030"
    case "big5", "big5-hkscs", "cp950", "x-big5": return "Big5"
    case "utf-8", "utf8": return "UTF-8"
    case "": return nil
    default: return String(label)
    }
  }
}
