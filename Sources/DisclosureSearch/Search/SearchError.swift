/// Errors of the DisclosureSearch library. Each description says what to do.
public enum SearchError: Error, Sendable, Equatable {
  /// The corpus folder does not exist.
  case corpusMissing(String)
  /// The corpus path is a file, not a folder.
  case corpusNotAFolder(String)
  /// The index is missing, damaged or incompatible.
  case index(IndexFormatError)
  /// The query cannot be searched (empty, only punctuation, malformed).
  case query(String)
  /// An ICU service is unavailable.
  case analysis(String)
  /// Writing the index failed.
  case write(String)
}

extension SearchError: CustomStringConvertible {
  /// One sentence: what went wrong and what to do.
  public var description: String {
    switch self {
    case .corpusMissing(let path): "the corpus folder \(path) does not exist; pass --corpus DIR with the folder of reports"
    case .corpusNotAFolder(let path): "\(path) is a file, not a folder of reports; pass --corpus DIR"
    case .index(let error): error.description
    case .query(let message): message
    case .analysis(let message): "ICU is not usable (\(message)); install libicu (apt-get install libicu-dev)"
    case .write(let message): "cannot write the index: \(message)"
    }
  }
}
