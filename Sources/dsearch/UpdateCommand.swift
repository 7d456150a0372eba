import ArgumentParser
import DisclosureSearch

struct UpdateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "update",
    abstract: "Re-index only the reports added, changed or removed since the last index or update.",
    discussion: """
      Changed reports go into a new segment and their old versions are marked deleted; with \
      more than 8 segments the index is rebuilt into one. Searches running meanwhile see the \
      old index or the new one, never a mix.
      """)

  @OptionGroup var locations: Locations

  func run() throws {
    guard DisclosureIndex.exists(at: locations.indexURL) else {
      throw fail("there is no index in \(locations.index) to update; build one with: dsearch index --corpus \(locations.corpus)")
    }
    guard locations.corpusExists else {
      throw fail("the corpus folder \(locations.corpus) does not exist; pass --corpus DIR with the folder of reports")
    }
    let summary: IndexSummary
    do { summary = try DisclosureIndex.update(corpus: locations.corpusURL, index: locations.indexURL) } catch {
      throw fail(error.description)
    }
    note(
      String(
        format: "updated in %.2f s: %d files re-indexed, %d removed; the index holds %d reports (%d sections) in %d segment(s)",
        summary.seconds, summary.changedFileCount, summary.removedFileCount, summary.reportCount, summary.sectionCount,
        summary.segmentCount))
  }
}
