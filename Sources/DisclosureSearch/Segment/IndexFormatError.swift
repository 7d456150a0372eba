/// Problems with the index on disk. Every message says to rebuild.
public enum IndexFormatError: Error, Sendable, Equatable {
  /// There is no index in the folder.
  case missing(folder: String)
  /// A file's bytes are damaged (truncated, flipped, inconsistent).
  case corrupt(file: String, offset: Int, reason: String)
  /// The index was written in a format this dsearch does not read.
  case unsupportedVersion(file: String, found: Int, supported: ClosedRange<Int>)
  /// The index was built with a different ICU or analysis settings.
  case analysisMismatch(indexed: String, current: String)
}

extension IndexFormatError: CustomStringConvertible {
  /// One sentence: what is wrong and that a rebuild fixes it.
  public var description: String {
    switch self {
    case .missing(let folder):
      return "no index in \(folder); build one with: dsearch index --corpus Corpus --index \(folder)"
    case .corrupt(let file, let offset, let reason):
      return "the index file \(file) is damaged at byte \(offset) (\(reason)); rebuild it with: dsearch index"
    case .unsupportedVersion(let file, let found, let supported):
      return
        "\(file) uses index format \(found); this dsearch reads \(supported.count == 1 ? "format \(supported.lowerBound)" : "formats \(supported.lowerBound)–\(supported.upperBound)"). Rebuild it with: dsearch index"
    case .analysisMismatch(let indexed, let current):
      return
        "the index was built with analysis \(indexed) but this dsearch uses \(current) (segmentation differs between ICU versions); rebuild it with: dsearch index"
    }
  }
}
