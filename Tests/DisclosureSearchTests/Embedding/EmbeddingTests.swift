import Foundation
import XCTest

@testable import DisclosureSearch

final class EmbeddingTests: XCTestCase {
  static let example = Fixtures.packageRoot.appendingPathComponent("Tests/ExampleClient")

  /// README's Embedding section shows the example client's program and dependency line verbatim.
  func testReadmeShowsTheExampleVerbatim() throws {
    let readme = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let program = try String(contentsOf: Self.example.appendingPathComponent("Sources/ExampleClient/main.swift"), encoding: .utf8)
    XCTAssertTrue(readme.contains(program), "README.md's Embedding example differs from Tests/ExampleClient/Sources/ExampleClient/main.swift")
    XCTAssertTrue(readme.contains(#".package(path: "../DisclosureSearch")"#))
    XCTAssertTrue(readme.contains(#".product(name: "DisclosureSearch", package: "DisclosureSearch")"#))
  }

  /// Builds the example client as a separate package that depends on this one by path, and runs it.
  func testExampleClientBuildsAndPrintsHits() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-embedding-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer {
      try? FileManager.default.removeItem(at: folder)
      // SwiftPM leaves lock files named after the scratch path beside it in the temporary folder.
      let temporary = FileManager.default.temporaryDirectory
      let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
      for name in names where name.contains(folder.lastPathComponent) {
        try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
      }
    }
    try FileManager.default.createSymbolicLink(
      at: folder.appendingPathComponent("DisclosureSearch"), withDestinationURL: Fixtures.packageRoot)
    let client = folder.appendingPathComponent("ExampleClient")
    try FileManager.default.copyItem(at: Self.example, to: client)
    let scratch = folder.appendingPathComponent(".build")
    let build = try run("/usr/bin/env", ["swift", "build", "--package-path", client.path, "--scratch-path", scratch.path])
    XCTAssertEqual(build.status, 0, build.output)
    let executable = scratch.appendingPathComponent("debug/ExampleClient")
    let output = try run(executable.path, [SampleIndex.folder.path])
    XCTAssertEqual(output.status, 0, output.output)
    XCTAssertTrue(output.output.contains("sections match 行政处罚"), output.output)
    XCTAssertTrue(output.output.contains("二、主动公开政府信息情况"), output.output)
  }

  /// One searcher serves 8 concurrent searches with the same results as sequential ones.
  func testConcurrentSearchesMatchSequentialOnes() throws {
    let searcher = SampleIndex.searcher
    let queries = ["行政处罚", "行政许可 year:2021", "依申请公开 NOT 信息处理费", "诉讼", "label:政府集中采购", "罚", "行政复议 OR 行政诉讼", "政府 信息 公开"]
    let sequential = try queries.map { try searcher.search($0, options: SearchOptions(limit: 20)).hits }
    let results = ConcurrentResults(count: queries.count)
    DispatchQueue.concurrentPerform(iterations: queries.count) { index in
      results.set(index, try? searcher.search(queries[index], options: SearchOptions(limit: 20)).hits)
    }
    for (index, query) in queries.enumerated() {
      XCTAssertEqual(results.get(index), sequential[index], query)
    }
  }

  func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}

final class ConcurrentResults: @unchecked Sendable {
  private var values: [[Hit]?]
  private let lock = NSLock()

  init(count: Int) { values = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: [Hit]?) {
    lock.lock()
    values[index] = value
    lock.unlock()
  }

  func get(_ index: Int) -> [Hit]? {
    lock.lock()
    defer { lock.unlock() }
    return values[index]
  }
}
