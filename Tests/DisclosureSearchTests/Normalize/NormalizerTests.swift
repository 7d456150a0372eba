import CICU
import Foundation
import XCTest

@testable import DisclosureSearch

final class NormalizerTests: XCTestCase {
  func testFoldsWidthCaseSpacesAndTraditional() {
    let normalizer = Normalizer()
    XCTAssertEqual(normalizer.normalize("２０２０年ＡＢＣ"), "2020年abc")
    XCTAssertEqual(normalizer.normalize("行政處罰\u{3000}依申請公開\u{00A0}x"), "行政处罚 依申请公开 x")
    XCTAssertEqual(normalizer.normalize("（一）予以公开"), "(一)予以公开")
  }

  /// `foldedUTF8` and `normalize` (which hand over runs of unchanged scalars at once) give
  /// what folding scalar by scalar gives, with each output byte's source offset, for scalars
  /// met the first time and again, and for every sample report.
  func testFoldingInRunsAgreesWithFoldingEachScalar() throws {
    var texts = ["Ａb行政處罚\u{3000}ＡＢ\u{00AD}𠀀ﬁ１２C\u{FE0F}é", "行政處罚 ABC ＡＢ\u{00AD}𠀀ﬁ"]
    for file in try FileManager.default.contentsOfDirectory(atPath: Fixtures.corpus.path).sorted() {
      let bytes = try Data(contentsOf: Fixtures.corpus.appendingPathComponent(file))
      texts.append(String(decoding: bytes, as: UTF8.self))
    }
    let normalizer = Normalizer()
    for text in texts + texts {
      var (expectedUTF8, expectedOffsets): ([UInt8], [Int]) = ([], [])
      var offset = 0
      for scalar in text.unicodeScalars {
        normalizer.foldEach(scalar) { folded in
          UTF8.encode(folded) {
            expectedUTF8.append($0)
            expectedOffsets.append(offset)
          }
        }
        offset += UTF8.width(scalar)
      }
      expectedOffsets.append(offset)
      let label = String(text.prefix(40))
      XCTAssertEqual(normalizer.foldedUTF8(text), expectedUTF8, label)
      let normalized = normalizer.normalize(text[...])
      XCTAssertEqual(normalized.utf8, expectedUTF8, label)
      XCTAssertEqual(normalized.sourceOffsets, expectedOffsets, label)
    }
  }

  func testSourceOffsetsPointIntoTheOriginalText() {
    let text = "ａ政\u{3000}府"
    let normalized = Normalizer().normalize(text[...])
    XCTAssertEqual(normalized.string, "a政 府")
    // "a" from byte 0 (3 bytes wide), 政 from byte 3, the space from byte 6, 府 from byte 9.
    XCTAssertEqual(normalized.sourceOffsets, [0, 3, 3, 3, 6, 9, 9, 9, 12])
  }

  /// The embedded 繁→简 table gives what ICU's "Traditional-Simplified" transliterator gives,
  /// character by character, for every BMP code point; DSEARCH_RECORD=1 rewrites the table.
  func testTableMatchesICUTransliterator() throws {
    guard let transliterator = cicu_transliterator_open_traditional_simplified() else {
      return XCTFail("ICU's Traditional-Simplified transliterator is unavailable")
    }
    defer { cicu_transliterator_close(transliterator) }
    var pairs: [(UInt32, UInt32)] = []
    var mismatches: [String] = []
    for value in UInt32(0x80)..<0x10000 {
      guard let scalar = Unicode.Scalar(value) else { continue }
      var buffer = Array(String(scalar).utf16) + [UInt16](repeating: 0, count: 8)
      let length = cicu_transliterate(transliterator, &buffer, 1, Int32(buffer.count))
      guard length == 1, let mapped = Unicode.Scalar(UInt32(buffer[0])), !UTF16.isLeadSurrogate(buffer[0]) else { continue }
      if mapped != scalar { pairs.append((value, mapped.value)) }
      let folded = TraditionalSimplified.map(scalar)
      // Where ICU's mapping is a chain or cycle (苎 → 苧 → 苎), the table folds to the chain's
      // smallest member so that folding is idempotent; everywhere else it is ICU's result.
      if folded != mapped && TraditionalSimplified.map(mapped) != folded {
        mismatches.append(String(format: "U+%04X", value))
      }
      if TraditionalSimplified.map(folded) != folded { mismatches.append(String(format: "U+%04X not idempotent", value)) }
    }
    if ProcessInfo.processInfo.environment["DSEARCH_RECORD"] == "1" {
      try recordTable(pairs)
      XCTFail("recorded \(pairs.count) pairs; review the diff and run the tests again")
    }
    XCTAssertEqual(pairs.count, traditionalSimplifiedPairs.unicodeScalars.filter { $0 != "\n" }.count / 2)
    XCTAssertTrue(mismatches.isEmpty, "table differs from ICU at \(mismatches.prefix(20))")
  }

  private func recordTable(_ pairs: [(UInt32, UInt32)]) throws {
    var body = String.UnicodeScalarView()
    for (from, to) in pairs {
      if let from = Unicode.Scalar(from), let to = Unicode.Scalar(to) {
        body.append(from)
        body.append(to)
      }
    }
    let text = String(body)
    var lines: [String] = []
    var line = ""
    for character in text {
      line.append(character)
      if line.count == 80 {
        lines.append(line)
        line = ""
      }
    }
    if !line.isEmpty { lines.append(line) }
    let url = Fixtures.packageRoot.appendingPathComponent("Sources/DisclosureSearch/Normalize/TraditionalSimplifiedTable.swift")
    let existing = try String(contentsOf: url, encoding: .utf8)
    guard let start = existing.range(of: "let traditionalSimplifiedPairs = \"\"\"\n") else { return }
    let header = existing[..<start.lowerBound].replacingOccurrences(of: #"// \d+ pairs\."#, with: "// \(pairs.count) pairs.", options: .regularExpression)
    try (header + "let traditionalSimplifiedPairs = \"\"\"\n" + lines.joined(separator: "\n") + "\n\"\"\"\n").write(to: url, atomically: true, encoding: .utf8)
  }
}

final class ByteSearchTests: XCTestCase {
  /// `firstByteRange(of:)` agrees with Foundation's `range(of:)` on strings and substrings.
  func testFirstByteRangeFindsTheFirstOccurrence() {
    let text = "行行政处罚，行政处罚 abc 处罚"
    for needle in ["行政", "处罚", "abc", "罚", " 处罚", "行行", "不予公开", "罚罚", text, text + "x"] {
      XCTAssertEqual(text.firstByteRange(of: needle), text.range(of: needle), needle)
      let tail = text.dropFirst(2)
      XCTAssertEqual(tail.firstByteRange(of: needle), tail.range(of: needle), "substring, \(needle)")
    }
    XCTAssertEqual(text.firstByteRange(of: ""), text.startIndex..<text.startIndex)
    XCTAssertNil("".firstByteRange(of: "行"))
    XCTAssertTrue(("第" + String(repeating: "行", count: 100) + "政").containsBytes("行政"))
  }

  /// `indices(of:)` finds every occurrence, overlapping ones too, as comparing at every
  /// offset does.
  func testIndicesFindEveryOccurrence() {
    let text = Array("行行政处罚，行政处罚 aaa 处罚罚".utf8)
    for needle in ["行政", "处罚", "a", "aa", "罚", "罚罚", "行行", "不予公开", "，", "行行政处罚，行政处罚 aaa 处罚罚", "x"] {
      let bytes = Array(needle.utf8)
      let expected = (0...max(0, text.count - bytes.count)).filter { text.count >= bytes.count && Array(text[$0..<($0 + bytes.count)]) == bytes }
      XCTAssertEqual(text.indices(of: bytes), expected, needle)
    }
    XCTAssertEqual(text.indices(of: []), [])
    XCTAssertEqual([UInt8]().indices(of: [1]), [])
  }
}

final class CharacterClassTests: XCTestCase {
  /// The table for U+2000–U+30FF answers as Unicode's properties do, at its edges too (々 and
  /// 〇 are letters; 、。“” are not).
  func testPunctuationTableAgreesWithProperties() {
    for value in UInt32(0x1F00)..<0x3200 {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let expected = scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
      XCTAssertEqual(CharacterClass.isSearchable(value), expected, String(value, radix: 16))
    }
    XCTAssertEqual("々〇、。“”".unicodeScalars.map(CharacterClass.isSearchable), [true, true, false, false, false, false])
  }
}

extension NormalizedText {
  /// The source offset of every output byte, and the source's length after them.
  var sourceOffsets: [Int] { (0...utf8.count).map(sourceOffset(of:)) }
}
