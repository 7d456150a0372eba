import Foundation
import XCTest

@testable import DisclosureSearch

/// Exact recall: for random substrings of the indexed, normalized text, the matching
/// sections are exactly those a brute-force scan of the same text finds. No miss, no false hit.
final class RecallOracleTests: XCTestCase {
  func testRandomSubstringsMatchABruteForceScan() throws {
    try checkRandomSubstrings(seed: 20_261_125) { $0.allSatisfy(CharacterClass.isSearchable) }
  }

  /// Substrings with punctuation or spaces where no gram checks them (`（一）予以公开`) are
  /// checked in the stored text of each section whose grams line up.
  func testPunctuatedSubstringsMatchABruteForceScan() throws {
    try checkRandomSubstrings(seed: 20_261_127) { window in
      PhraseMatcher.needsTextCheck(String(String.UnicodeScalarView(window)))
        && window.contains(where: CharacterClass.isSearchable) && !window.contains("\n")
    }
  }

  /// Searches random substrings of 1–8 scalars of the fields' normalized texts that `accepts`
  /// takes, and compares the sections found with a scan of the texts.
  private func checkRandomSubstrings(seed: UInt64, accepts: (ArraySlice<Unicode.Scalar>) -> Bool) throws {
    let searcher = SampleIndex.searcher
    let index = searcher.index
    let normalizer = Normalizer()
    // The normalized text of every field of every section.
    var texts: [[String]] = []
    for doc in 0..<UInt32(index.docCount) {
      let fields = try index.fieldTexts(of: doc)
      texts.append(Field.allCases.map { normalizer.normalize(fields[$0] ?? "") })
    }
    let long = ProcessInfo.processInfo.environment["DSEARCH_LONG_TESTS"] == "1"
    let queryCount = long ? 5_000 : 400
    var generator = SeededGenerator(seed: seed)
    let analyzer = try Analyzer()
    var checked = 0
    while checked < queryCount {
      let doc = Int.random(in: 0..<texts.count, using: &generator)
      let field = Int.random(in: 0..<Field.allCases.count, using: &generator)
      let scalars = Array(texts[doc][field].unicodeScalars)
      guard !scalars.isEmpty else { continue }
      let length = Int.random(in: 1...8, using: &generator)
      let start = Int.random(in: 0..<scalars.count, using: &generator)
      let window = scalars[start..<min(scalars.count, start + length)]
      guard accepts(window) else { continue }
      let needle = String(String.UnicodeScalarView(window))
      let expected = Set((0..<texts.count).filter { candidate in texts[candidate].contains { $0.contains(needle) } }.map(UInt32.init))
      let query = Query(part: Query.Part(text: needle, normalized: needle, field: nil))
      let found = Set(try searcher.rank(query, analyzer: analyzer, explain: false, limit: .max).top.map(\.doc))
      XCTAssertEqual(found, expected, "seed \(seed), query \(needle): missed \(expected.subtracting(found).sorted()), false hits \(found.subtracting(expected).sorted())")
      if found != expected { return }
      checked += 1
    }
  }
}

/// A small deterministic random number generator (SplitMix64), so failures repeat.
struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
