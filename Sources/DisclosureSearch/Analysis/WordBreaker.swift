import CICU

/// ICU's dictionary word segmentation (`UBRK_WORD`, locale `zh`) over UTF-8 text.
/// Spaces and punctuation are dropped; digits and Latin words come out as words.
/// Not thread-safe: one per thread.
final class WordBreaker: @unchecked Sendable {  // each instance is used by one thread at a time
  private let handle: OpaquePointer
  private var starts = [Int32](repeating: 0, count: 4096)
  private var ends = [Int32](repeating: 0, count: 4096)

  init() throws(AnalysisError) {
    guard let handle = cicu_wordbreaker_open() else { throw .icuUnavailable("word break iterator for zh") }
    self.handle = handle
  }

  deinit { cicu_wordbreaker_close(handle) }

  /// The words of `utf8` as byte ranges.
  func words(_ utf8: [UInt8]) -> [Range<Int>] {
    guard !utf8.isEmpty else { return [] }
    while true {
      let capacity = starts.count
      let count = utf8.withUnsafeBufferPointer { text in
        starts.withUnsafeMutableBufferPointer { starts in
          ends.withUnsafeMutableBufferPointer { ends in
            cicu_wordbreaker_words(handle, text.baseAddress, Int32(text.count), starts.baseAddress, ends.baseAddress, Int32(capacity))
          }
        }
      }
      if count == Int32.min { return [] }
      if count < 0 {
        let needed = Int(-count - 1)
        starts = [Int32](repeating: 0, count: needed)
        ends = [Int32](repeating: 0, count: needed)
        continue
      }
      return (0..<Int(count)).map { Int(starts[$0])..<Int(ends[$0]) }
    }
  }
}

/// Problems with the text analysis libraries.
enum AnalysisError: Error, Sendable {
  /// An ICU service could not be opened (ICU's data is missing or broken).
  case icuUnavailable(String)
}

/// The ICU version this process runs with ("72.1").
var icuVersion: String {
  var buffer = [CChar](repeating: 0, count: 32)
  let length = cicu_version(&buffer, 32)
  guard length > 0 else { return "unknown" }
  return String(decoding: buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
