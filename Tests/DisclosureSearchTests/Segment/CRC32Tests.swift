import CICU
import XCTest

@testable import DisclosureSearch

/// The folded CRC-32 is zlib's, at every length and alignment, and continues like it.
final class CRC32Tests: XCTestCase {
  func testFoldedCRCIsZlibs() {
    #if arch(x86_64)
      XCTAssertEqual(cicu_crc32_folds(), 1, "this CPU has carry-less multiplication: the folded path is the one tested")
    #endif
    XCTAssertEqual(CRC32.of(Array("123456789".utf8)), 0xCBF4_3926)
    var generator = SeededGenerator(seed: 32)
    let bytes = (0..<(1 << 20) + 77).map { _ in UInt8.random(in: 0...255, using: &generator) }
    bytes.withUnsafeBufferPointer { buffer in
      func both(_ start: Int, _ length: Int, _ crc: UInt32) -> (UInt32, UInt32) {
        let base = buffer.baseAddress! + start
        return (cicu_crc32(crc, base, UInt64(length)), cicu_crc32_zlib(crc, base, UInt64(length)))
      }
      for length in 0..<700 {
        for start in [0, 1, 3, 8, 15] {
          let crc = UInt32.random(in: 0...UInt32.max, using: &generator)
          let (folded, zlib) = both(start, length, crc)
          if folded != zlib { return XCTFail("length \(length) from \(start): \(folded) != \(zlib)") }
        }
      }
      let (folded, zlib) = both(5, bytes.count - 5, 0)
      XCTAssertEqual(folded, zlib, "a megabyte")
      // In two calls, split anywhere: as in one.
      for split in [0, 1, 63, 64, 65, 1000, 4099] {
        let first = cicu_crc32(0, buffer.baseAddress!, UInt64(split))
        XCTAssertEqual(cicu_crc32(first, buffer.baseAddress! + split, UInt64(9000 - split)), both(0, 9000, 0).1, "split at \(split)")
      }
    }
  }
}
