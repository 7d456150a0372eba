import ArgumentParser
import DisclosureSearch
import Foundation

@main
struct DSearch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dsearch",
    abstract: "Full-text search over 政府信息公开工作年度报告 (annual reports on government information disclosure).",
    discussion: """
      A bare `dsearch QUERY` searches. Exit codes: 0 success, 1 error (missing corpus or \
      index, damaged index, bad query), 64 bad command-line usage.
      """,
    subcommands: [
      SearchCommand.self, IndexCommand.self, UpdateCommand.self, ShowCommand.self, CheckCommand.self, RowsCommand.self,
      StatsCommand.self,
      AuditCommand.self, BenchCommand.self,
    ],
    defaultSubcommand: SearchCommand.self)
}

/// Options every command that reads an index or a corpus shares.
struct Locations: ParsableArguments {
  @Option(help: "The index folder.")
  var index: String = "Index"

  @Option(help: "The corpus folder (used to build the index when there is none).")
  var corpus: String = "Corpus"

  var indexURL: URL { URL(fileURLWithPath: index) }
  var corpusURL: URL { URL(fileURLWithPath: corpus) }

  var corpusExists: Bool {
    var isFolder: ObjCBool = false
    return FileManager.default.fileExists(atPath: corpusURL.path, isDirectory: &isFolder) && isFolder.boolValue
  }
}

/// Prints one sentence on stderr and exits with status 1.
func fail(_ message: String) -> ExitCode {
  FileHandle.standardError.write(Data("dsearch: \(message)\n".utf8))
  return ExitCode.failure
}

func note(_ message: String) {
  FileHandle.standardError.write(Data("\(message)\n".utf8))
}

let isTerminal = isatty(STDOUT_FILENO) == 1
let isErrorTerminal = isatty(STDERR_FILENO) == 1

/// Opens the index, building it from the corpus first when there is none (and saying so).
func openSearcher(_ locations: Locations) throws -> Searcher {
  if !DisclosureIndex.exists(at: locations.indexURL) {
    guard locations.corpusExists else {
      throw fail(
        "there is no index in \(locations.index) and no corpus folder \(locations.corpus) to build one from; pass --corpus DIR with the folder of reports")
    }
    note("no index in \(locations.index) yet: building it from \(locations.corpus) first")
    _ = try buildIndex(locations)
  }
  do { return try Searcher(indexFolder: locations.indexURL) } catch { throw fail(error.description) }
}

/// Builds the index and prints a summary on stderr (with a progress bar on a terminal).
func buildIndex(_ locations: Locations, options: IndexOptions = IndexOptions()) throws -> IndexSummary {
  var progress: (@Sendable (IndexProgress) -> Void)?
  if isErrorTerminal {
    progress = { progress in
      let width = 30
      let filled = progress.fileCount == 0 ? width : width * progress.filesDone / progress.fileCount
      let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
      FileHandle.standardError.write(Data("\r[\(bar)] \(progress.filesDone)/\(progress.fileCount) files".utf8))
    }
  }
  guard locations.corpusExists else {
    throw fail("the corpus folder \(locations.corpus) does not exist; pass --corpus DIR with the folder of reports")
  }
  let summary: IndexSummary
  do {
    summary = try DisclosureIndex.build(corpus: locations.corpusURL, index: locations.indexURL, options: options, progress: progress)
  } catch {
    if isErrorTerminal { note("") }
    throw fail(error.description)
  }
  if isErrorTerminal { note("") }
  var lines = [
    String(
      format: "indexed %d reports (%d sections, %d terms) from %d files in %.2f s: %.1f MB of text → %.1f MB index",
      summary.reportCount, summary.sectionCount, summary.termCount, summary.fileCount, summary.seconds,
      Double(summary.textBytes) / 1e6, Double(summary.indexBytes) / 1e6)
  ]
  if summary.duplicateCount > 0 { lines.append("  \(summary.duplicateCount) duplicate files indexed once (both paths kept)") }
  if summary.warningCount > 0 { lines.append("  \(summary.warningCount) files indexed with warnings") }
  for skip in summary.skipped { lines.append("  skipped \(skip.count) files: \(skip.reason)") }
  lines.append("  per-file log: \(summary.logPath)")
  note(lines.joined(separator: "\n"))
  return summary
}
