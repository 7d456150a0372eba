import Foundation
import XCTest

@testable import DisclosureSearch

/// A mapped file, and the same file read where it cannot be mapped, hold the file's bytes.
final class MappedFileTests: XCTestCase {
  func testMappedAndReadFilesHoldTheFilesBytes() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-mapped-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var generator = SystemRandomNumberGenerator()
    for size in [0, 1, 4_095, 4_096, 200_003] {
      let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let url = folder.appendingPathComponent("file-\(size)")
      try Data(bytes).write(to: url)
      for mapping in [true, false] {
        let file = try MappedFile(path: url.path, mapping: mapping)
        XCTAssertEqual(Array(file.bytes), bytes, "size \(size), mapping \(mapping)")
        XCTAssertEqual(Array(file.data), bytes, "size \(size), mapping \(mapping)")
      }
    }
    XCTAssertThrowsError(try MappedFile(path: folder.appendingPathComponent("missing").path))
  }
}
