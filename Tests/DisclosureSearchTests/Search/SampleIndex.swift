import Foundation
import XCTest

@testable import DisclosureSearch

/// An index of the committed sample corpus, built once per test process.
enum SampleIndex {
  static let folder: URL = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-sample-\(getpid())")
    try? FileManager.default.removeItem(at: folder)
    do {
      _ = try DisclosureIndex.build(corpus: Fixtures.corpus, index: folder)
    } catch {
      fatalError("cannot build the sample index: \(error)")
    }
    // Removed when the test process exits (the name is derived again: atexit takes no context).
    atexit {
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-sample-\(getpid())")
      try? FileManager.default.removeItem(at: folder)
    }
    return folder
  }()

  static let searcher: Searcher = {
    do { return try Searcher(indexFolder: folder) } catch { fatalError("cannot open the sample index: \(error)") }
  }()
}

extension IndexView {
  /// The text of each field of a stored section, as the index analyzed them.
  func fieldTexts(of doc: UInt32) throws -> [Field: String] {
    var texts = FieldTexts(index: self, doc: doc)
    return Dictionary(uniqueKeysWithValues: try Field.allCases.map { ($0, try texts.text($0)) })
  }
}
