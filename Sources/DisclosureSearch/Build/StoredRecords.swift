/// Report metadata as stored in the index (one per distinct report text).
struct StoredReport: Codable, Sendable, Equatable {
  /// Paths relative to the corpus root, with `/`; more than one when duplicates were found.
  var paths: [String]
  var title: String
  var agency: String?
  var region: String?
  var year: Int?
  var template: String?
}

/// A section as stored for snippets and table rows.
struct StoredSection: Codable, Sendable {
  var number: Int
  var heading: String
  var text: String
  var startLine: Int
  var rows: [TableRow]
  /// The file line of each line of `text`, for pages; empty when they run from `startLine`.
  var sourceLines: [Int] = []
}
