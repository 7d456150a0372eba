import Foundation

/// Reads and parses one report file: bytes → `DecodedText` → `Report`.
public enum ReportFile {
  /// Parses the report at `url` without indexing it. Warnings name what went wrong in the
  /// file (decoding, missing sections); the report is parsed as far as it goes.
  public static func parse(contentsOf url: URL) throws -> Report {
    let bytes = try [UInt8](Data(contentsOf: url))
    return parse(bytes: bytes, isHTML: HTMLReader.extensions.contains(url.pathExtension.lowercased()))
  }

  /// Parses report bytes (any supported encoding); `isHTML` for web pages.
  public static func parse(bytes: [UInt8], isHTML: Bool = false) -> Report {
    parse(decode(bytes, isHTML: isHTML), with: ReportParser())
  }

  /// Parses decoded text; for text drawn from a page, section lines become page lines.
  static func parse(_ decoded: DecodedText, with parser: ReportParser) -> Report {
    var report = parser.parse(decoded.text)
    report.warnings = decoded.warnings + report.warnings
    guard !decoded.sourceLines.isEmpty else { return report }
    for index in report.sections.indices {
      let first = report.sections[index].startLine - 1
      let count = report.sections[index].text.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } + 1
      let lines = (first..<(first + count)).map { line in
        Int(decoded.sourceLines[safe: line] ?? decoded.sourceLines.last ?? 1)
      }
      report.sections[index].sourceLines = lines
      report.sections[index].startLine = lines.first ?? 1
    }
    return report
  }

  static func decode(_ bytes: [UInt8], isHTML: Bool) -> DecodedText {
    isHTML ? HTMLReader.decode(bytes) : TextDecoder.decode(bytes)
  }
}
