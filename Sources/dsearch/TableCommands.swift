import ArgumentParser
import DisclosureSearch
import Foundation

/// The rows labelled `arguments[0]` in the reports the rest of `arguments` selects.
func tableRows(_ searcher: Searcher, _ arguments: [String]) throws -> [ReportRow] {
  do { return try searcher.rows(label: arguments[0], filter: arguments.dropFirst().joined(separator: " ")) } catch {
    throw fail(error.description)
  }
}

/// A CSV field, quoted when needed.
func csvField(_ field: String) -> String {
  field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
}

func number(_ value: Double) -> String {
  value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}

struct RowsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rows",
    abstract: "List a table row (行政处罚, 予以公开 …) of every matching report, with its values by column.",
    discussion: "Filters are those of search: dsearch rows 行政处罚 year:2021 agency:财政局 --sort year:desc,处理决定数量")

  @Argument(help: "The row label, then optional filters or words (year:2021 agency:… region:… 行政复议).")
  var arguments: [String]

  @OptionGroup var locations: Locations

  @Option(
    help: ArgumentHelp(
      "Sort keys, comma-separated: path, year, agency (ascending) or a column header (largest first); add :asc or :desc to choose, e.g. year:desc,处理决定数量.",
      valueName: "keys"))
  var sort: String = "path"

  @Flag(help: "Print JSON.") var json = false
  @Flag(help: "Print CSV.") var csv = false

  func validate() throws {
    guard !arguments.isEmpty else { throw ValidationError("give a row label, e.g. dsearch rows 行政处罚") }
    guard !(json && csv) else { throw ValidationError("choose --json or --csv, not both") }
  }

  struct Output: Encodable {
    var label: String
    var rows: [ReportRow]
  }

  /// Sorts by each key of `keys` in turn ("year:desc,处理决定数量"), then by path. A column
  /// key matches a header exactly or as part of it (处理决定数量 in 本年处理决定数量, the 2021
  /// wording). Rows without a value for a key come last in either direction.
  static func sort(_ rows: inout [ReportRow], by keys: String) throws {
    var comparisons: [(ReportRow, ReportRow) -> ComparisonResult] = []
    for rawKey in keys.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !rawKey.isEmpty {
      var key = rawKey
      var direction: Bool?  // true: ascending
      for (suffix, ascending) in [(":asc", true), (":desc", false)] where key.hasSuffix(suffix) {
        key = String(key.dropLast(suffix.count))
        direction = ascending
      }
      func ordered<T: Comparable>(_ a: T?, _ b: T?, ascending: Bool) -> ComparisonResult {
        switch (a, b) {
        case let (a?, b?) where a != b: return (a < b) == (direction ?? ascending) ? .orderedAscending : .orderedDescending
        case (nil, _?): return .orderedDescending
        case (_?, nil): return .orderedAscending
        default: return .orderedSame
        }
      }
      switch key {
      case "path": comparisons.append { ordered($0.path, $1.path, ascending: true) }
      case "year": comparisons.append { ordered($0.year, $1.year, ascending: true) }
      case "agency": comparisons.append { ordered($0.agency, $1.agency, ascending: true) }
      default:
        guard rows.isEmpty || rows.contains(where: { $0.cells.pairs.contains { $0.header.contains(key) } }) else {
          let headers = Set(rows.flatMap { $0.cells.pairs.map(\.header) }).sorted().joined(separator: ", ")
          throw fail("no column \(key) in these rows; sort by path, year, agency or one of: \(headers)")
        }
        func value(_ row: ReportRow) -> Double? {
          (row.values.first { $0.header == key } ?? row.values.first { $0.header.contains(key) })?.value
        }
        comparisons.append { ordered(value($0), value($1), ascending: false) }
      }
    }
    comparisons.append { $0.path == $1.path ? .orderedSame : ($0.path < $1.path ? .orderedAscending : .orderedDescending) }
    rows.sort { a, b in
      for compare in comparisons {
        let order = compare(a, b)
        if order != .orderedSame { return order == .orderedAscending }
      }
      return false
    }
  }

  func run() throws {
    let label = arguments[0]
    var rows = try tableRows(try openSearcher(locations), arguments)
    try Self.sort(&rows, by: sort)
    if json { return try printJSON(Output(label: label, rows: rows)) }
    let headers = rows.reduce(into: [String]()) { headers, row in
      for pair in row.cells.pairs where !headers.contains(pair.header) { headers.append(pair.header) }
    }
    if csv {
      print((["path", "agency", "year", "label"] + headers).map(csvField).joined(separator: ","))
      for row in rows {
        let cells = headers.map { header in row.cells.pairs.first { $0.header == header }?.text ?? "" }
        print(([row.path, row.agency ?? "", row.year.map(String.init) ?? "", row.label] + cells).map(csvField).joined(separator: ","))
      }
      return
    }
    print("\(rows.count) rows labelled \(label)")
    for row in rows {
      let cells = row.cells.pairs.map { "\($0.header) \($0.text)" }.joined(separator: " · ")
      print("\(row.year.map(String.init) ?? "----")  \(row.agency ?? "(agency unknown)")  \(row.label): \(cells)  [\(row.path)]")
    }
  }
}

struct StatsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats", abstract: "Sum a table row over the matching reports, grouped by year, agency or region.",
    discussion: "dsearch stats 行政处罚 --by year; filters as in search: dsearch stats 行政许可 --by agency year:2021")

  @Argument(help: "The row label, then optional filters.")
  var arguments: [String]

  @OptionGroup var locations: Locations

  @Option(help: "Group by year, agency or region.")
  var by: String = "year"

  @Flag(help: "Print JSON.") var json = false
  @Flag(help: "Print CSV.") var csv = false

  func validate() throws {
    guard !arguments.isEmpty else { throw ValidationError("give a row label, e.g. dsearch stats 行政处罚 --by year") }
    guard ["year", "agency", "region"].contains(by) else { throw ValidationError("--by takes year, agency or region") }
    guard !(json && csv) else { throw ValidationError("choose --json or --csv, not both") }
  }

  func run() throws {
    let rows = try tableRows(try openSearcher(locations), arguments)
    let statistics = RowStatistics(label: arguments[0], by: by, rows: rows)
    if json { return try printJSON(statistics) }
    let headers = statistics.groups.reduce(into: [String]()) { headers, group in
      for pair in group.sums.pairs where !headers.contains(pair.header) { headers.append(pair.header) }
    }
    func sum(_ group: RowStatistics.Group, _ header: String) -> String {
      group.sums.pairs.first { $0.header == header }?.value.map(number) ?? ""
    }
    if csv {
      print(([by, "reports"] + headers).map(csvField).joined(separator: ","))
      for group in statistics.groups {
        print(([group.key, String(group.reports)] + headers.map { sum(group, $0) }).map(csvField).joined(separator: ","))
      }
      return
    }
    var table: [[String]] = [[by, "reports"] + headers]
    for group in statistics.groups {
      let key = group.key.isEmpty ? "(unknown)" : group.key
      table.append([key, String(group.reports)] + headers.map { sum(group, $0) })
    }
    printTable(table)
  }
}

/// Prints rows of cells as aligned columns (CJK characters count as two columns wide).
func printTable(_ rows: [[String]]) {
  func width(_ text: String) -> Int { text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) } }
  var widths: [Int] = []
  for row in rows {
    for (index, cell) in row.enumerated() {
      if index >= widths.count { widths.append(0) }
      widths[index] = max(widths[index], width(cell))
    }
  }
  for row in rows {
    print(row.enumerated().map { index, cell in
      let pad = String(repeating: " ", count: widths[index] - width(cell))
      return index == 0 ? cell + pad : pad + cell
    }.joined(separator: "  "))
  }
}

struct AuditCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit", abstract: "List the reports whose tables break the templates' own consistency rules.",
    discussion: """
      Rules (table 三, every column): 一 + 二 = 三（七）总计 + 四; （七）总计 = the sum of the \
      outcome rows; each row's 总计 = the sum of its applicant columns. Table 四: each 总计 = \
      结果维持 + 结果纠正 + 其他结果 + 尚未审结. Habits that are not rules (上一年项目数量 + \
      本年增/减 = 处理决定数量) are not reported. Filters as in search: dsearch audit year:2021
      """)

  @Argument(help: "Optional filters (year:2021 agency:… region:…).")
  var filters: [String] = []

  @OptionGroup var locations: Locations

  @Flag(help: "Print JSON.") var json = false

  func run() throws {
    let searcher = try openSearcher(locations)
    let result: AuditResult
    do { result = try searcher.audit(filter: filters.joined(separator: " ")) } catch { throw fail(error.description) }
    if json { return try printJSON(result) }
    print("checked \(result.checked) reports: \(result.problems.count) problems")
    for problem in result.problems { print("\(problem.path)  [\(problem.rule)]  \(problem.detail)") }
  }
}
