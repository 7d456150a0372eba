/// The fields of a section document. Each is analyzed and scored on its own (BM25F).
public enum Field: Int, CaseIterable, Sendable, Codable {
  /// The report title (the same for every section of a report).
  case title = 0
  /// The section heading ("二、主动公开政府信息情况").
  case heading = 1
  /// Table row labels and column headers ("行政处罚", "处理决定数量").
  case label = 2
  /// The section text after its heading, table cells included.
  case body = 3

  /// Scoring weight: a table label outweighs a mention in passing.
  var weight: Double {
    switch self {
    case .title: 0.3
    case .heading: 1.5
    case .label: 3.0
    case .body: 1.0
    }
  }

  var name: String {
    switch self {
    case .title: "title"
    case .heading: "heading"
    case .label: "label"
    case .body: "body"
    }
  }
}
