import XCTest

@testable import DisclosureSearch

final class AnalyzerTests: XCTestCase {
  func testWordsAreICUSegmentsOfTheNormalizedText() throws {
    let analyzer = try Analyzer()
    let field = analyzer.analyze("２０２０年，本局共作出行政处罚550件。行政处罚")
    let counts = Dictionary(
      uniqueKeysWithValues: (0..<field.wordCounts.count).map { (String(decoding: field.wordCounts[$0].word, as: UTF8.self), field.wordCounts[$0].count) })
    XCTAssertEqual(counts.count, field.wordCounts.count, "each word once")
    XCTAssertEqual(counts["2020"], 1)
    XCTAssertEqual(counts["550"], 1)
    XCTAssertEqual(counts["处罚"], 2)
    XCTAssertNil(counts["，"], "punctuation is dropped")
    XCTAssertNil(counts["。"])
    XCTAssertEqual(field.length, counts.values.reduce(0, +))
    // The next field counts afresh.
    XCTAssertEqual(analyzer.analyze("处罚").wordCounts[0].count, 1)
  }

  /// A remembered field is the field of its own text: texts that differ by one character,
  /// repeat, come after the memory was forgotten, or are too long to remember all come out
  /// as a fresh analyzer makes them.
  func testRememberedFieldsAreThoseOfTheirText() throws {
    let remembering = try Analyzer(rememberBudget: 4_096)
    let fresh = try Analyzer()
    let long = String(repeating: "行政复议", count: 100)  // 1,200 bytes: more than 4,096 / 16
    let texts = ["行政处罚\n行政许可", "行政处罚\n行政许诺", "行政处罚", "", "行政处罚\n行政许可", long, long]
      + (0..<300).map { "第\($0)项 行政复议" }  // about 6 KB: the memory is forgotten on the way
    for text in texts + texts.reversed() {
      XCTAssertEqual(summary(remembering.analyze(text, remember: true)), summary(fresh.analyze(text)), text)
    }
  }

  /// After a field too large for the grouper to keep its scratch, the next fields come out
  /// as a fresh analyzer makes them.
  func testFieldsAfterAVeryLargeOne() throws {
    let analyzer = try Analyzer()
    let fresh = try Analyzer()
    let large = String(repeating: "行政处罚决定书，", count: GramGrouper.largestKept / 7 + 1)
    XCTAssertGreaterThan(analyzer.analyze(large).grams.gramCount, GramGrouper.largestKept)
    for text in ["行政处罚", "政府信息公开。", "", large] {
      XCTAssertEqual(summary(analyzer.analyze(text)), summary(fresh.analyze(text)), String(text.prefix(20)))
    }
  }

  private func summary(_ field: Analyzer.AnalyzedField) -> [String] {
    (0..<field.wordCounts.count).map { "\(String(decoding: field.wordCounts[$0].word, as: UTF8.self))×\(field.wordCounts[$0].count)" }
      + field.grams.groups.indices.map { "\(field.grams.groups[$0].code)@\(field.grams.positions(ofGroup: $0))" } + ["\(field.length)"]
  }

  func testEachSearchableCharacterStartsOneGram() throws {
    let field = try Analyzer().analyze("行政，处罚")
    func code(_ text: String) -> UInt64 {
      let scalars = Array(text.unicodeScalars)
      return GramCode.make(scalars[0].value, scalars.count > 1 ? scalars[1].value : 0)
    }
    func positions(_ text: String) -> [UInt32] {
      field.grams.groups.firstIndex { $0.code == code(text) }.map { field.grams.positions(ofGroup: $0) } ?? []
    }
    XCTAssertEqual(positions("行政"), [0])
    XCTAssertEqual(positions("政,"), [1], "a bigram with the comma (NFKC folds the full-width one)")
    XCTAssertEqual(positions("处罚"), [3])
    XCTAssertEqual(positions("罚"), [4], "an end gram at the end of the field")
    XCTAssertEqual(positions("政处"), [], "no bigram across the comma")
    XCTAssertEqual(positions(",处"), [], "punctuation starts no gram")
    XCTAssertEqual(field.grams.gramCount, 4)
  }

  /// Grams come grouped by code, positions ascending in each group: what a brute-force
  /// scan of the field's scalars gives, over every section text of the sample corpus.
  func testGramsAreGroupedByCodeWithAscendingPositions() throws {
    let analyzer = try Analyzer()
    var fields = 0
    for entry in try CorpusScanner.scan(Fixtures.corpus).prefix(40) {
      let decoded = ReportFile.decode([UInt8](try Data(contentsOf: entry.url)), isHTML: entry.url.pathExtension == "html")
      for section in ReportFile.parse(decoded, with: ReportParser(normalizer: analyzer.normalizer)).sections {
        let grams = analyzer.analyze(section.text).grams
        var expected: [UInt64: [UInt32]] = [:]
        let scalars = Array(analyzer.normalizer.normalize(section.text).unicodeScalars)
        for (position, scalar) in scalars.enumerated() where CharacterClass.isSearchable(scalar) {
          let next = position + 1 < scalars.count ? scalars[position + 1].value : 0
          expected[GramCode.make(scalar.value, next), default: []].append(UInt32(position))
        }
        var seen = Set<UInt64>()
        for (index, group) in grams.groups.enumerated() {
          XCTAssertTrue(seen.insert(group.code).inserted, "one group per code")
          XCTAssertEqual(grams.positions(ofGroup: index), expected[group.code], "positions of a gram")
          XCTAssertEqual(Int(group.count), expected[group.code]?.count, "its count")
        }
        XCTAssertEqual(seen.count, expected.count)
        fields += 1
      }
    }
    XCTAssertGreaterThan(fields, 100)
  }

  func testPhraseGramsCoverEveryCharacter() {
    let grams = PhraseMatcher.grams(of: "行政处罚决定").map { "\($0.text)@\($0.offset)" }
    XCTAssertEqual(PhraseMatcher.grams(of: "罚").map { "\($0.text)@\($0.offset)" }, ["罚@0"])
    XCTAssertEqual(grams, ["行政@0", "处罚@2", "决定@4"])
    XCTAssertEqual(PhraseMatcher.grams(of: "行政处罚").map { "\($0.text)@\($0.offset)" }, ["行政@0", "处罚@2"])
    XCTAssertEqual(PhraseMatcher.grams(of: "行政处").map { "\($0.text)@\($0.offset)" }, ["行政@0", "政处@1"])
    XCTAssertEqual(PhraseMatcher.grams(of: "第(六)项").map { "\($0.text)@\($0.offset)" }, ["第(@0", "六)@2", "项@4"])
    XCTAssertEqual(PhraseMatcher.grams(of: "公开。").map { "\($0.text)@\($0.offset)" }, ["公开@0", "开。@1"])
    XCTAssertFalse(PhraseMatcher.needsTextCheck("1.属于国家秘密"), "the gram 1. checks the point")
    XCTAssertTrue(PhraseMatcher.needsTextCheck("(一)予以公开"), "nothing before the parenthesis")
    XCTAssertTrue(PhraseMatcher.needsTextCheck("秘密):"), "a colon after punctuation")
  }
}

final class WordBreakerTests: XCTestCase {
  /// Cutting text into stretches and remembering their words gives exactly ICU's words on
  /// the whole text — as ICU finds them over the UTF-8 itself, so that converting to UTF-16
  /// and back is checked too: over every line and every whole text of the sample corpus
  /// (twice, so that remembered stretches are used), and over mixed scripts.
  func testRememberedStretchesGiveICUsWords() throws {
    let breaker = try WordBreaker()
    let normalizer = Normalizer()
    var texts = [
      "第3.5条规定，A.B公司的e-mail:x@y.cn；2021年12月31日",
      "カタカナ漢字ひらがな混在テキスト_abc行政处罚", "〇〇七号 々 〆 行政·处罚“不予公开”……——（一）",
      "abc汉字123汉字。。。   汉", "🙂行政😀处罚", "x\u{0301}汉字\u{0301}b", "",
      "𠮷野家𠀀行政处罚𪚥abc🙂𠮷", "é行政ü處罰ß２０２１年",
      // Stretches too long to remember (over `WordBreaker.longestRemembered` bytes).
      String(repeating: "本机关依法公开政府信息", count: 200), "2021" + String(repeating: "行政处罚决定", count: 300) + "abc",
    ]
    for entry in try CorpusScanner.scan(Fixtures.corpus) {
      let isHTML = HTMLReader.extensions.contains(entry.url.pathExtension.lowercased())
      let text = ReportFile.decode([UInt8](try Data(contentsOf: entry.url)), isHTML: isHTML).text
      texts.append(text)
      texts += text.split(separator: "\n").map(String.init)
    }
    XCTAssertGreaterThan(texts.count, 10_000)
    // The same with a memory small enough to start afresh many times: the words are still
    // ICU's, and the memory stays within its limits (plus one text's worth).
    let forgetful = try WordBreaker(knownLimit: 50, vocabularyLimit: 200)
    var resets = 0
    for (breaker, rounds) in [(breaker, 2), (forgetful, 1)] {
      for _ in 0..<rounds {
        for text in texts {
          let utf8 = normalizer.foldedUTF8(text)
          let before = breaker.vocabulary.count
          let words = breaker.words(utf8)
          if breaker.vocabulary.count < before { resets += 1 }
          let whole = breaker.icuWordsOverUTF8(utf8[...])
          // A word is numbered as itself, or −1 when it is too long to keep.
          let numbered = words.map { $0.word < 0 ? [] : Array(breaker.vocabulary[Int($0.word)]) }
          let expected = whole.map { $0.count > WordBreaker.longestWord ? [] : Array(utf8[$0]) }
          if words.map(\.range) != whole || numbered != expected || breaker.icuWords(utf8[...]) != whole {
            XCTFail("words differ from ICU's in \(text.prefix(80))")
            return
          }
          XCTAssertLessThanOrEqual(breaker.vocabulary.count, breaker.vocabularyLimit + 1 + whole.count)
        }
      }
    }
    XCTAssertGreaterThan(resets, 100, "the small memory started afresh")
  }

  /// The stretches `words` does not look up are those ICU finds no word in: every scalar
  /// `isWordless` calls so, alone, in pairs and in longer random runs. Letters and digits are
  /// not wordless.
  func testWordlessScalarsMakeNoICUWords() throws {
    let breaker = try WordBreaker()
    let candidates = (UInt32(0)...0xFFFF).filter { WordBreaker.isWordless($0, WordBreaker.kind(of: $0)) }
    let wordless = candidates.compactMap(Unicode.Scalar.init)
    XCTAssertEqual(wordless.count, candidates.count)
    XCTAssertTrue(wordless.contains("、") && wordless.contains("—") && wordless.contains("\n") && wordless.contains("%"))
    XCTAssertFalse(["a", "7", "_", "@", "行"].contains(where: wordless.contains))
    func words(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
      var text = String.UnicodeScalarView()
      text.append(contentsOf: scalars)
      return breaker.icuWords(Array(String(text).utf8)[...])
    }
    var generator = SystemRandomNumberGenerator()
    var runs = wordless.map { [$0] }
    for first in wordless { runs += wordless.map { [first, $0] } }
    for _ in 0..<2_000 { runs.append((0..<Int.random(in: 3...16, using: &generator)).map { _ in wordless.randomElement(using: &generator)! }) }
    for run in runs where !words(run).isEmpty {
      XCTFail("ICU finds a word in \(run.map { String($0.value, radix: 16) })")
      return
    }
    XCTAssertFalse(words(["a", "7"]).isEmpty, "the check sees words where there are some")
  }
}

final class ByteStringTableTests: XCTestCase {
  /// Numbers as a Dictionary would give them, through growth, for keys of every length
  /// (empty, shorter and longer than the eight bytes hashed at a time, sharing prefixes).
  func testNumbersKeysInOrderOfFirstInsertion() {
    var table = ByteStringTable()
    var reference: [[UInt8]: Int] = [:]
    var generator = SystemRandomNumberGenerator()
    var keys: [[UInt8]] = [[]]
    for _ in 0..<3000 {
      let length = Int.random(in: 0...24, using: &generator)
      keys.append((0..<length).map { _ in UInt8.random(in: 0...3, using: &generator) })
    }
    for key in keys + keys.shuffled() {
      let hash = key.withUnsafeBytes(ByteStringTable.hash)
      let found = key.withUnsafeBytes { table.number(of: $0, hash: hash) }
      XCTAssertEqual(found, reference[key])
      let (number, inserted) = key.withUnsafeBytes { table.insert($0, hash: hash) }
      XCTAssertEqual(inserted, reference[key] == nil)
      if inserted { reference[key] = reference.count }
      XCTAssertEqual(number, reference[key])
      XCTAssertEqual(Array(table[number]), key)
      XCTAssertEqual(table.hash(of: number), hash)
    }
    XCTAssertEqual(table.count, reference.count)
    table.removeAll()
    XCTAssertEqual(table.count, 0)
    XCTAssertNil(keys[1].withUnsafeBytes { table.number(of: $0, hash: keys[1].withUnsafeBytes(ByteStringTable.hash)) })
  }
}
