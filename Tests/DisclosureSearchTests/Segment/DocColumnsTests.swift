import XCTest

@testable import DisclosureSearch

/// The docs block as columns: what the writer encodes reads back doc by doc, and the
/// blocks of several segments join with their report IDs shifted.
final class DocColumnsTests: XCTestCase {
  func docs(count: Int, seed: UInt32) -> [DocEntry] {
    (0..<count).map { doc in
      let lengths: [UInt32] = (0..<4).map { field in UInt32(doc * 10 + field) &* seed }
      return DocEntry(report: UInt32(doc / 3), section: UInt8(doc % 7), fieldLengths: lengths)
    }
  }

  func assertColumns(_ columns: DocColumns, equal docs: [DocEntry], reportBase: UInt32 = 0, from first: Int = 0) {
    for (offset, doc) in docs.enumerated() {
      XCTAssertEqual(columns.report(first + offset), doc.report + reportBase)
      XCTAssertEqual(columns.section(first + offset), doc.section)
      for field in Field.allCases {
        XCTAssertEqual(columns.length(first + offset, field), doc.fieldLengths[field.rawValue], "doc \(offset), \(field)")
      }
    }
  }

  func testEncodedBlockReadsBackAtAnyOffset() {
    let docs = docs(count: 37, seed: 2_654_435_761)
    let block = DocColumns.encode(docs)
    XCTAssertEqual(block.count, DocColumns.size(docCount: docs.count))
    // The block lies anywhere in a segment file: read it at an odd offset.
    let file = [0xAB] + block
    file.withUnsafeBytes { bytes in
      assertColumns(DocColumns(bytes.baseAddress! + 1, count: docs.count), equal: docs)
    }
  }

  func testJoinedSegmentsShiftTheirReports() {
    let (first, second) = (docs(count: 20, seed: 7), docs(count: 13, seed: 11))
    let (firstBlock, secondBlock) = (DocColumns.encode(first), DocColumns.encode(second))
    firstBlock.withUnsafeBytes { firstBytes in
      secondBlock.withUnsafeBytes { secondBytes in
        let (joined, storage) = DocColumns.join([
          (DocColumns(firstBytes.baseAddress!, count: first.count), 0),
          (DocColumns(secondBytes.baseAddress!, count: second.count), 7),
        ])
        withExtendedLifetime(storage) {
          XCTAssertEqual(joined.count, 33)
          assertColumns(joined, equal: first)
          assertColumns(joined, equal: second, reportBase: 7, from: first.count)
        }
      }
    }
  }
}
