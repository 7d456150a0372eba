import ArgumentParser
import DisclosureSearch

struct IndexCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "index", abstract: "Rebuild the index from the corpus folder.")

  @OptionGroup var locations: Locations

  @Option(help: "Skip files larger than this many bytes.")
  var maxFileSize: Int = 64 << 20

  @Option(help: "Worker threads (default: one per core).")
  var threads: Int?

  func validate() throws {
    guard maxFileSize > 0 else { throw ValidationError("--max-file-size must be positive") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    _ = try buildIndex(locations, options: IndexOptions(maxFileSize: maxFileSize, threads: threads))
  }
}
