import XCTest

@testable import DisclosureSearch

/// Boolean logic and filters return exactly the sets a brute-force scan of the indexed text
/// and the truth file's metadata give.
final class BooleanQueryTests: XCTestCase {
  struct Corpus {
    /// Normalized text of each doc's fields, joined by a line break.
    var texts: [String] = []
    var reportOf: [UInt32] = []
    var paths: [[String]] = []
  }

  static let corpus: Corpus = {
    let searcher = SampleIndex.searcher
    let normalizer = Normalizer()
    var corpus = Corpus()
    do {
      for doc in 0..<UInt32(searcher.index.docCount) {
        let fields = try searcher.index.fieldTexts(of: doc)
        corpus.texts.append(Field.allCases.map { normalizer.normalize(fields[$0] ?? "") }.joined(separator: "\n"))
        corpus.reportOf.append(searcher.index.reportID(of: doc))
      }
      for id in 0..<UInt32(searcher.index.reportCount) { corpus.paths.append(try searcher.index.report(id).paths) }
    } catch {
      fatalError("cannot read the sample index: \(error)")
    }
    return corpus
  }()

  func hits(_ query: String, perSection: Bool = false) throws -> Set<UInt32> {
    let parsed = try QueryParser.parse(query)
    return Set(try SampleIndex.searcher.rank(parsed, analyzer: try Analyzer(), explain: false, perSection: perSection, limit: .max).top.map(\.doc))
  }

  func docs(where predicate: (Int) -> Bool) -> Set<UInt32> {
    Set((0..<Self.corpus.texts.count).filter(predicate).map(UInt32.init))
  }

  func reportHas(_ doc: Int, _ text: String) -> Bool {
    let report = Self.corpus.reportOf[doc]
    return Self.corpus.texts.indices.contains { Self.corpus.reportOf[$0] == report && Self.corpus.texts[$0].contains(text) }
  }

  func testReportLevelAndOrNot() throws {
    let corpus = Self.corpus
    for (a, b) in [("行政复议", "信息处理费"), ("依申请公开", "信息处理费"), ("行政处罚", "政府集中采购")] {
      XCTAssertEqual(
        try hits("\(a) \(b)"),
        docs { self.reportHas($0, a) && self.reportHas($0, b) && (corpus.texts[$0].contains(a) || corpus.texts[$0].contains(b)) },
        "\(a) AND \(b)")
      XCTAssertEqual(
        try hits("\(a) NOT \(b)"), docs { self.reportHas($0, a) && !self.reportHas($0, b) && corpus.texts[$0].contains(a) },
        "\(a) NOT \(b)")
      XCTAssertEqual(
        try hits("\(a) OR \(b)"), docs { corpus.texts[$0].contains(a) || corpus.texts[$0].contains(b) }, "\(a) OR \(b)")
      XCTAssertEqual(
        try hits("\(a) \(b)", perSection: true), docs { corpus.texts[$0].contains(a) && corpus.texts[$0].contains(b) },
        "\(a) AND \(b) per section")
    }
    XCTAssertFalse(try hits("依申请公开 NOT 信息处理费").isEmpty)
  }

  func testFiltersMatchTheTruthFile() throws {
    let truths = try TruthFile.load()
    let truthByPath = Dictionary(truths.map { ($0.file, $0) }, uniquingKeysWith: { first, _ in first })
    func truth(ofDoc doc: Int) -> TruthReport? {
      Self.corpus.paths[Int(Self.corpus.reportOf[doc])].lazy.compactMap { truthByPath[$0] }.first
    }
    XCTAssertEqual(
      try hits("行政处罚 year:2021"), docs { truth(ofDoc: $0)?.year == 2021 && Self.corpus.texts[$0].contains("行政处罚") })
    XCTAssertEqual(
      try hits("行政处罚 year:2019..2020"),
      docs { (2019...2020).contains(truth(ofDoc: $0)?.year ?? 0) && Self.corpus.texts[$0].contains("行政处罚") })
    XCTAssertEqual(
      try hits("公开 agency:交通运输局"),
      docs { truth(ofDoc: $0)?.agency.contains("交通运输局") == true && Self.corpus.texts[$0].contains("公开") })
    let zhangdian = try SampleIndex.searcher.search("行政处罚 region:张店区", options: SearchOptions(limit: 50))
    XCTAssertTrue(zhangdian.hits.contains { $0.path == "张店区交通运输局_2020.txt" })
    for hit in zhangdian.hits {
      XCTAssertEqual(truthByPath[hit.path]?.region["county"] ?? nil, "张店区", hit.path)
    }
    let sectionTwo = try hits("行政处罚 section:二")
    XCTAssertFalse(sectionTwo.isEmpty)
    XCTAssertTrue(sectionTwo.allSatisfy { SampleIndex.searcher.index.sectionNumber(of: $0) == 2 })
    XCTAssertEqual(sectionTwo, docs { SampleIndex.searcher.index.sectionNumber(of: UInt32($0)) == 2 && Self.corpus.texts[$0].contains("行政处罚") })
  }
}
