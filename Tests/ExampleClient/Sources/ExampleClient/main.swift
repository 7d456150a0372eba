import DisclosureSearch
import Foundation

// Open an index built by `dsearch index` (or DisclosureIndex.build) and print the top hits.
let folder = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "Index")
do {
  let searcher = try Searcher(indexFolder: folder)
  let result = try searcher.search("行政处罚", options: SearchOptions(limit: 3))
  print("\(result.total_exact ? "" : "at least ")\(result.total) sections match 行政处罚")
  for hit in result.hits {
    print("\(hit.title) — \(hit.section) (\(hit.path):\(hit.line))")
    for row in hit.rows {
      print("  " + row.cells.pairs.map { "\($0.header) \($0.text)" }.joined(separator: " · "))
    }
  }
} catch {
  print("cannot search: \(error)")
}
