import Foundation
import XCTest

@testable import DisclosureSearch

final class TextDecoderTests: XCTestCase {
  let sample = "二、主动公开政府信息情况\n行政处罚 176 +374 550\n"

  func testUTF8WithAndWithoutBOM() {
    let plain = TextDecoder.decode(Array(sample.utf8))
    XCTAssertEqual(plain.encoding, "utf-8")
    XCTAssertEqual(plain.text, sample)
    let bom = TextDecoder.decode([0xEF, 0xBB, 0xBF] + Array(sample.utf8))
    XCTAssertEqual(bom.encoding, "utf-8-bom")
    XCTAssertEqual(bom.text, sample)
    XCTAssertTrue(bom.warnings.isEmpty)
  }

  func testGB18030IsRecognisedFromTheBytes() {
    let bytes = Self.gbSample
    XCTAssertNotEqual(bytes, Array(sample.utf8))
    let decoded = TextDecoder.decode(bytes)
    XCTAssertEqual(decoded.encoding, "gb18030")
    XCTAssertEqual(decoded.text, sample)
    XCTAssertTrue(decoded.warnings.isEmpty)
  }

  func testUTF16WithBOM() {
    let bytes: [UInt8] = [0xFF, 0xFE] + sample.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let decoded = TextDecoder.decode(bytes)
    XCTAssertEqual(decoded.encoding, "utf-16le")
    XCTAssertEqual(decoded.text, sample)
  }

  func testLineEndingsFoldToLF() {
    XCTAssertEqual(TextDecoder.decode(Array("a\r\nb\rc\n".utf8)).text, "a\nb\nc\n")
  }

  func testInvalidBytesWarnWithTheirOffsetAndTheRestIsKept() {
    let bytes = Array("行政处罚".utf8) + [0xFF] + Array("行政许可".utf8)
    let decoded = TextDecoder.decode(bytes)
    XCTAssertEqual(decoded.encoding, "utf-8")
    XCTAssertEqual(decoded.text, "行政处罚\u{FFFD}行政许可")
    XCTAssertEqual(decoded.warnings.count, 1)
    XCTAssertTrue(decoded.warnings[0].contains("byte 12"), decoded.warnings[0])
  }

  func testEveryCorpusTextFileDecodesWithoutWarnings() throws {
    for truth in try TruthFile.load() where truth.layout != "html" {
      let bytes = try [UInt8](Data(contentsOf: Fixtures.corpus.appendingPathComponent(truth.file)))
      let decoded = TextDecoder.decode(bytes)
      XCTAssertTrue(decoded.warnings.isEmpty, "\(truth.file): \(decoded.warnings)")
      XCTAssertEqual(decoded.encoding, truth.encoding, truth.file)
    }
  }

  /// GB18030 bytes of `sample`, produced with `iconv -t GB18030`.
  static let gbSample: [UInt8] = [
      0xB6, 0xFE, 0xA1, 0xA2, 0xD6, 0xF7, 0xB6, 0xAF, 0xB9, 0xAB, 0xBF, 0xAA, 0xD5, 0xFE, 0xB8, 0xAE, 0xD0, 0xC5, 0xCF, 0xA2,
      0xC7, 0xE9, 0xBF, 0xF6, 0x0A, 0xD0, 0xD0, 0xD5, 0xFE, 0xB4, 0xA6, 0xB7, 0xA3, 0x20, 0x31, 0x37, 0x36, 0x20, 0x2B,
      0x33, 0x37, 0x34, 0x20, 0x35, 0x35, 0x30, 0x0A,
  ]
}

final class UTF16StringTests: XCTestCase {
  /// The hand-written transcoding equals the standard library's on random UTF-16: every
  /// range of scalars, surrogate pairs, and unpaired surrogates (U+FFFD).
  func testEqualsTheStandardLibrary() {
    var generator = SystemRandomNumberGenerator()
    let pieces: [ClosedRange<UInt16>] = [0...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xD800...0xDBFF, 0xDC00...0xDFFF, 0xE000...0xFFFF]
    for _ in 0..<500 {
      let units = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
        UInt16.random(in: pieces.randomElement(using: &generator)!, using: &generator)
      }
      let expected = String(decoding: units, as: UTF16.self)
      let decoded = units.withUnsafeBufferPointer { TextDecoder.string(utf16: $0) }
      XCTAssertEqual(Array(decoded.utf8), Array(expected.utf8), "\(units)")
    }
  }
}
