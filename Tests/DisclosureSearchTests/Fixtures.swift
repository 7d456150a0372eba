import Foundation

@testable import DisclosureSearch

enum Fixtures {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  /// The committed sample corpus.
  static let corpus = packageRoot.appendingPathComponent("Corpus")
  static let truthFile = packageRoot.appendingPathComponent("Tests/DisclosureSearchTests/Fixtures/corpus-truth.jsonl")
}

/// One line of corpus-truth.jsonl (see ../shared/tools/README.md for the schema).
struct TruthReport: Decodable {
  struct TruthSection: Decodable {
    let number: Int
    let title: String
    let heading: String
    let has_table: Bool
  }
  struct TruthRow: Decodable {
    let section: Int
    let table: String
    let label: String
    let group: [String]
    let columns: [String: Double?]
  }
  let file: String
  let layout: String
  let encoding: String
  let script: String
  let title: String
  let agency: String
  let year: Int
  let template: String
  let duplicate_of: String?
  let published: String?
  let region: [String: String?]
  let sections: [TruthSection]
  let rows: [TruthRow]

  /// What the parsed report gets wrong, one line per difference.
  func differences(from report: Report) -> [String] {
    var out: [String] = []
    if report.title != title { out.append("title \(report.title) ≠ \(title)") }
    if report.agency != agency { out.append("agency \(report.agency ?? "nil") ≠ \(agency)") }
    if report.year != year { out.append("year \(report.year.map(String.init) ?? "nil") ≠ \(year)") }
    if report.template != template { out.append("template \(report.template ?? "nil") ≠ \(template)") }
    // The region is the place names opening the agency: a run of the truth's region names.
    if let found = report.region {
      var rest = Substring(found)
      for key in ["province", "city", "county", "town"] {
        if let name = region[key] ?? nil, rest.hasPrefix(name) { rest = rest.dropFirst(name.count) }
      }
      if !rest.isEmpty { out.append("region \(found) is not made of \(region)") }
    }
    if let date = report.published, date != published { out.append("published \(date) ≠ \(published ?? "nil")") }
    let numbered = report.sections.filter { $0.number > 0 }
    let got = numbered.map { "\($0.number) \($0.heading)" }
    let want = sections.map { "\($0.number) \($0.heading)" }
    if got != want { out.append("sections \(got) ≠ \(want)") }
    let parsedRows = numbered.flatMap { section in section.rows.map { (section.number, $0) } }
    if parsedRows.count != rows.count { out.append("row count \(parsedRows.count) ≠ \(rows.count)") }
    for (index, want) in rows.enumerated() {
      guard index < parsedRows.count else { break }
      let (number, row) = parsedRows[index]
      var values: [String: Double?] = [:]
      for cell in row.cells { values[cell.header] = cell.value }
      if number != want.section || row.table != want.table || row.label != want.label || row.group != want.group
        || values != want.columns
      {
        out.append(
          "row \(index): got \(number) \(row.table) \(row.label) \(row.group) \(row.cells.map { "\($0.header)=\($0.text)" }) want \(want.section) \(want.table) \(want.label) \(want.group) \(want.columns)"
        )
        break
      }
    }
    return out
  }
}

enum TruthFile {
  static func load() throws -> [TruthReport] {
    let text = try String(contentsOf: Fixtures.truthFile, encoding: .utf8)
    let decoder = JSONDecoder()
    return try text.split(separator: "\n").map { try decoder.decode(TruthReport.self, from: Data($0.utf8)) }
  }
}
