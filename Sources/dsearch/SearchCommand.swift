import ArgumentParser
import DisclosureSearch
import Foundation

struct SearchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "search", abstract: "Search the index and print the best-matching report sections.",
    discussion: """
      Query syntax:
        行政复议 信息处理费        both must occur in a report (AND may be written)
        行政复议 OR 行政诉讼        either
        依申请公开 NOT 信息处理费   excludes reports that mention 信息处理费 (also -信息处理费)
        "政府信息公开 工作"         a phrase, matched as written
        (A OR B) C                 parentheses; NOT binds tighter than AND, AND than OR
        title: heading: label: body:       limit a part to one field (label: = table rows and headers)
        year:2021 year:2019..2021 agency:交通运输局 region:淄博 section:二      filters
        label:行政处罚 处理决定数量>100   table numbers (header or row label, > >= < <= =)
      Every part matches as an exact string after normalization (全角/半角, 繁/简, case), so       诉讼 finds 行政诉讼. The logic applies to each report as a whole; the hits are that       report's sections holding a part, best first (--per-section applies it to each section).       When the index folder has no index yet, it is built from the corpus first.
      """)

  @Argument(help: "The query.")
  var query: [String] = []

  @OptionGroup var locations: Locations

  @Option(help: "Number of hits to print.")
  var limit: Int = 10

  @Flag(help: "Print JSON (one object).")
  var json = false

  @Flag(help: "Show each hit's score contributions per term and field.")
  var explain = false

  @Flag(help: "Apply AND, OR and NOT to each section on its own instead of to the whole report.")
  var perSection = false

  @Flag(help: "Count every matching section (slower for common words): without it the search skips sections that cannot reach the hits shown, and the count may be a lower bound, printed as \"at least\".")
  var countAll = false

  @Option(help: "Run one query per line of this file; print JSON Lines (a query that cannot be searched gets a line with its error; the exit status is then 1).")
  var queries: String?

  func validate() throws {
    guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
    if queries == nil && query.isEmpty { throw ValidationError("give a query, e.g. dsearch search 行政处罚") }
  }

  func run() throws {
    if ProcessInfo.processInfo.environment["DSEARCH_REPORT_PEAK_RSS"] != nil {
      // For `dsearch bench`: the peak memory of this search process, printed at exit. (VmHWM,
      // not getrusage: a spawned child's ru_maxrss includes its parent's memory before exec.)
      atexit { FileHandle.standardError.write(Data("peak_rss_bytes \(BenchCommand.peakResidentBytes())\n".utf8)) }
    }
    if queries == nil {
      // A query that cannot be searched fails before any index is built.
      do { _ = try QueryParser.parse(query.joined(separator: " ")) } catch { throw fail(error.description) }
    }
    let searcher = try openSearcher(locations)
    let options = SearchOptions(limit: limit, explain: explain, perSection: perSection, countAll: countAll)
    if let queries {
      guard let text = try? String(contentsOfFile: queries, encoding: .utf8) else { throw fail("cannot read the query file \(queries)") }
      // A query that cannot be searched gets its error in its place, and the others still run.
      var failed = 0
      let lines = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
      for line in lines {
        do { try printJSON(try searcher.search(String(line), options: options)) } catch let error as SearchError {
          failed += 1
          try printJSON(QueryFailure(query: String(line), error: error.description))
        }
      }
      if failed > 0 { throw fail("\(failed) of \(lines.count) queries could not be searched (see their \"error\" lines)") }
      return
    }
    let result: SearchResult
    do { result = try searcher.search(query.joined(separator: " "), options: options) } catch { throw fail(error.description) }
    if json {
      try printJSON(result)
      return
    }
    printHuman(result)
  }

  /// The JSON line of a query that cannot be searched.
  struct QueryFailure: Encodable {
    var schema_version = SearchResult.schemaVersion
    let query: String
    let error: String
  }

  private func printHuman(_ result: SearchResult) {
    let (open, close) = isTerminal ? ("\u{1B}[1m", "\u{1B}[0m") : ("【", "】")
    let took = String(format: "%.1f ms", Double(result.took_us) / 1000)
    let sections = "\(result.total) matching section\(result.total == 1 ? "" : "s") for \(result.query)"
    if result.total_exact {
      print("\(sections) (\(took))")
    } else {
      print("at least \(sections) (\(took); --count-all counts every one)")
    }
    for (rank, hit) in result.hits.enumerated() {
      print("")
      let section = hit.section.isEmpty ? "(before section 一)" : hit.section
      print("\(rank + 1). \(String(format: "%.3f", hit.score))  \(hit.title.isEmpty ? "(untitled)" : hit.title) — \(section)")
      print("   \(hit.path):\(hit.line)" + (hit.other_paths.isEmpty ? "" : "  (also \(hit.other_paths.joined(separator: ", ")))"))
      print("   " + highlight(hit.snippet, hit.highlights, open, close))
      for row in hit.rows {
        print("   ▸ \(row.label): " + row.cells.pairs.map { "\($0.header) \($0.text)" }.joined(separator: " · "))
      }
      for contribution in hit.explanation ?? [] {
        print(
          String(
            format: "     %@ %@ in %@: tf %.0f, df %d, idf %.4f, length %d / avg %.1f, weight %.2f → %.4f",
            contribution.kind, contribution.term, contribution.field, contribution.tf, contribution.df, contribution.idf,
            contribution.field_length, contribution.average_field_length, contribution.weight, contribution.score))
      }
    }
  }

  private func highlight(_ text: String, _ ranges: [[Int]], _ open: String, _ close: String) -> String {
    let scalars = Array(text.unicodeScalars)
    var output = ""
    var index = 0
    for range in ranges where range.count == 2 && range[0] >= index && range[1] <= scalars.count && range[0] < range[1] {
      output += String(String.UnicodeScalarView(scalars[index..<range[0]]))
      output += open + String(String.UnicodeScalarView(scalars[range[0]..<range[1]])) + close
      index = range[1]
    }
    output += String(String.UnicodeScalarView(scalars[index...]))
    return output
  }
}
