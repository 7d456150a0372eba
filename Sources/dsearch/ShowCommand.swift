import ArgumentParser
import DisclosureSearch
import Foundation

struct ShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "Print how a report file was parsed: metadata, sections, table rows.")

  @Argument(help: "The report file.")
  var path: String

  @Flag(help: "Print JSON.")
  var json = false

  struct ShownReport: Encodable {
    struct ShownSection: Encodable {
      var number: String
      var heading: String
      var rows: [ShownRow]
    }
    struct ShownRow: Encodable {
      var label: String
      var cells: OrderedCells
      var in_template: Bool
    }
    var path: String
    var title: String
    var agency: String?
    var region: String?
    var year: Int?
    var template: String?
    var publisher: String?
    var published: String?
    var sections: [ShownSection]
    var warnings: [String]
  }

  func run() throws {
    let url = URL(fileURLWithPath: path)
    guard FileManager.default.fileExists(atPath: url.path) else { throw fail("\(path) does not exist") }
    let report: Report
    do { report = try ReportFile.parse(contentsOf: url) } catch { throw fail("cannot read \(path): \(error.localizedDescription)") }
    let shown = ShownReport(
      path: path, title: report.title, agency: report.agency, region: report.region, year: report.year,
      template: report.template, publisher: report.publisher, published: report.published,
      sections: report.sections.map { section in
        ShownReport.ShownSection(
          number: section.numeral, heading: section.heading,
          rows: section.rows.map { ShownReport.ShownRow(
            label: $0.label, cells: OrderedCells($0.cells.map { ($0.header, $0.text) }), in_template: $0.fitsTemplate) })
      }, warnings: report.warnings)
    if json {
      try printJSON(shown)
      return
    }
    print("path:     \(path)")
    print("title:    \(report.title)")
    print("agency:   \(report.agency ?? "—")")
    print("year:     \(report.year.map(String.init) ?? "—")")
    print("region:   \(report.region ?? "—")")
    print("template: \(report.template ?? "—")")
    if let publisher = report.publisher { print("发布机构: \(publisher)") }
    if let published = report.published { print("发文日期: \(published)") }
    for section in report.sections {
      print("")
      print(section.number == 0 ? "(before section 一, line \(section.startLine))" : "\(section.heading)  (line \(section.startLine))")
      var table = ""
      for row in section.rows {
        if row.table != table {
          table = row.table
          print("  [\(table)]")
        }
        let group = row.group.isEmpty ? "" : row.group.joined(separator: " › ") + " › "
        let cells = row.cells.map { "\($0.header) \($0.text)" }.joined(separator: " · ")
        let note = row.fitsTemplate ? "" : "  (not a row of the official templates; kept as written)"
        print("  \(group)\(row.label.isEmpty ? "(row)" : row.label): \(cells)\(note)")
      }
    }
    for warning in report.warnings { print("warning: \(warning)") }
  }
}

func printJSON<T: Encodable>(_ value: T) throws {
  print(try OrderedJSONEncoder().encode(value))
}
