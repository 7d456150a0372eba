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
    let decoded = decode(bytes, isHTML: isHTML)
    var report = ReportParser().parse(decoded.text)
    report.warnings = decoded.warnings + report.warnings
    return report
  }

  static func decode(_ bytes: [UInt8], isHTML: Bool) -> DecodedText {
    isHTML ? HTMLReader.decode(bytes) : TextDecoder.decode(bytes)
  }
}
