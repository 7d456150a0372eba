/// Report metadata as stored in the index (one per distinct report text).
public struct StoredReport: Codable, Sendable, Equatable {
  /// Paths relative to the corpus root, with `/`; more than one when duplicates were found.
  public var paths: [String]
  public var title: String
  public var agency: String?
  public var region: String?
  public var year: Int?
  public var template: String?
}

/// A section as stored for snippets and table rows.
struct StoredSection: Codable, Sendable {
  var number: Int
  var heading: String
  var text: String
  var startLine: Int
  var rows: [TableRow]
}
