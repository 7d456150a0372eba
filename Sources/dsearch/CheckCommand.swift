import ArgumentParser
import DisclosureSearch

struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check", abstract: "Verify every checksum and record of the index.")

  @OptionGroup var locations: Locations

  func run() throws {
    let problems = DisclosureIndex.check(index: locations.indexURL)
    if problems.isEmpty {
      print("\(locations.index): every checksum and record is sound")
      return
    }
    for problem in problems { print(problem) }
    throw fail("the index in \(locations.index) is damaged (\(problems.count) problem(s)); rebuild it with: dsearch index")
  }
}
