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

  /// What reading a file gave.
  enum Contents {
    case bytes([UInt8])
    /// Larger than the limit (the file is not read).
    case tooLarge
    case unreadable
  }

  /// Reads the file at `path` into an array with `read(2)`, unless it is larger than `limit`
  /// bytes. (Foundation's `attributesOfItem` and `Data(contentsOf:)`, then a copy into an
  /// array, cost as much as reading a report.)
  static func read(_ path: String, limit: Int = .max) -> Contents {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return .unreadable }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { return .unreadable }
    let size = Int(status.st_size)
    guard size <= limit else { return .tooLarge }
    var failed = false
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
      count = 0
      while count < size {
        let got = Foundation.read(descriptor, buffer.baseAddress! + count, size - count)
        if got > 0 {
          count += got
        } else if got == 0 || errno != EINTR {
          failed = got < 0
          return  // at the end (a file that shrank meanwhile) or an error
        }
      }
    }
    return failed ? .unreadable : .bytes(bytes)
  }

  static func decode(_ bytes: [UInt8], isHTML: Bool) -> DecodedText {
    isHTML ? HTMLReader.decode(bytes) : TextDecoder.decode(bytes)
  }
}
