import CICU

/// ICU's dictionary word segmentation (`UBRK_WORD`, locale `zh`) over UTF-8 text.
/// Spaces and punctuation are dropped; digits and Latin words come out as words.
///
/// Reports repeat their template's wording, so the text is cut into stretches wherever ICU
/// always breaks and no rule looks across — between a Han character and ASCII or common
/// punctuation — and each stretch's words are remembered: on the generated corpus nine Han
/// characters in ten are in a stretch seen before. The words are exactly ICU's on the whole
/// text (a test compares them over the sample corpus). Each distinct word gets a number, so
/// that analysis counts words without hashing each occurrence.
/// Not thread-safe: one per thread.
final class WordBreaker: @unchecked Sendable {  // each instance is used by one thread at a time
  private let handle: OpaquePointer
  private var starts = [Int32](repeating: 0, count: 4096)
  private var ends = [Int32](repeating: 0, count: 4096)
  /// The stretches seen before, and where the words of each lie in `knownWords`: start and
  /// end offsets in the stretch and the word's number in `vocabulary`, three numbers per word
  /// (all stretches' words in one array: an array per stretch cost a retain and a release
  /// per lookup). Their accesses are not checked at run time for exclusivity (one thread
  /// uses the instance; the checks were 1.4 % of a build's instructions).
  @exclusivity(unchecked) private var stretches = ByteStringMap<Range<Int>>()
  @exclusivity(unchecked) private var knownWords: [Int32] = []
  /// Every word of the known stretches, once, numbered (so that a caller counts words by number).
  @exclusivity(unchecked) private(set) var vocabulary = ByteStringTable()
  /// Past this many stretches or words, the memory starts afresh (so numbers are valid only
  /// until the next call).
  let knownLimit: Int
  let vocabularyLimit: Int

  init(knownLimit: Int = 200_000, vocabularyLimit: Int = 500_000) throws(AnalysisError) {
    guard let handle = cicu_wordbreaker_open() else { throw .icuUnavailable("word break iterator for zh") }
    self.handle = handle
    self.knownLimit = knownLimit
    self.vocabularyLimit = vocabularyLimit
  }

  deinit { cicu_wordbreaker_close(handle) }

  /// The words of `utf8` (valid UTF-8) as byte ranges, each with its number in `vocabulary`
  /// (valid until the next call; −1 for a word longer than `longestWord`).
  func words(_ utf8: [UInt8]) -> [(range: Range<Int>, word: Int32)] {
    if stretches.count > knownLimit || vocabulary.count > vocabularyLimit {
      stretches.removeAll()
      knownWords.removeAll()
      vocabulary.removeAll()
    }
    // The stretches are found first, so that each one's slot in the memory is fetched into
    // the cache a few stretches ahead of its lookup (two thirds of a lookup's time was that
    // cache miss).
    var pending: [(range: Range<Int>, hash: UInt64)] = []
    swap(&pending, &scratch)
    pending.removeAll(keepingCapacity: true)
    var stretchStart = 0
    var previous = Kind.other
    // Whether the stretch so far holds more than `isWordless` scalars: one that does not is
    // not looked up (a third of the stretches are punctuation and spaces alone).
    var hasWords = false
    utf8.withUnsafeBufferPointer { bytes in
      var index = 0
      while index < bytes.count {
        let width = UTF8.width(startingWith: bytes[index])
        let value = index + width <= bytes.count ? UTF8.value(in: bytes, at: index, width: width) : 0xFFFD
        let kind = Self.kind(of: value)
        if (previous == .han && kind == .plain) || (previous == .plain && kind == .han) {
          if hasWords { pending.append(Self.stretch(bytes, stretchStart..<index)) }
          stretchStart = index
          hasWords = false
        }
        if !hasWords { hasWords = !Self.isWordless(value, kind) }
        previous = kind
        index += width
      }
      if hasWords { pending.append(Self.stretch(bytes, stretchStart..<bytes.count)) }
    }
    var result: [(range: Range<Int>, word: Int32)] = []
    for (index, stretch) in pending.enumerated() {
      if index + Self.prefetchDistance < pending.count { stretches.prefetch(hash: pending[index + Self.prefetchDistance].hash) }
      appendWords(of: utf8[stretch.range], hash: stretch.hash, to: &result)
    }
    scratch = pending
    return result
  }

  /// The stretches of the text last segmented, each with the hash of its bytes (kept for
  /// its capacity).
  private var scratch: [(range: Range<Int>, hash: UInt64)] = []

  /// How many stretches ahead of its lookup a stretch's slot is fetched.
  static let prefetchDistance = 4

  private static func stretch(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (range: Range<Int>, hash: UInt64) {
    (range, ByteStringTable.hash(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[range]))))
  }

  /// Whether ICU finds no word in any text made of such scalars alone: plain scalars other
  /// than ASCII letters, digits, `_` and `@` (which ICU 72 makes a word of, even alone):
  /// spaces, punctuation and the common CJK punctuation. A test asks ICU about each of them,
  /// alone, in pairs and in random runs.
  @inline(__always)
  static func isWordless(_ value: UInt32, _ kind: Kind) -> Bool {
    guard kind == .plain else { return false }
    guard value < 0x80 else { return true }
    switch UInt8(value) {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
      UInt8(ascii: "_"), UInt8(ascii: "@"):
      return false
    default: return true
    }
  }

  /// Stretches longer than this are segmented each time, not remembered: template wording
  /// comes in short stretches, and a long run of Han text without punctuation would hold
  /// its size in memory for nothing.
  static let longestRemembered = 4_096

  private func appendWords(of stretch: ArraySlice<UInt8>, hash: UInt64, to result: inout [(range: Range<Int>, word: Int32)]) {
    guard !stretch.isEmpty else { return }
    let base = stretch.startIndex
    guard stretch.count <= Self.longestRemembered else {
      for (range, word) in numberedWords(stretch) { result.append(((base + range.lowerBound)..<(base + range.upperBound), word)) }
      return
    }
    let words = stretch.withUnsafeBytes { key in
      stretches.value(for: key, hash: hash) {
        let start = knownWords.count
        for (range, word) in numberedWords(stretch) { knownWords += [Int32(range.lowerBound), Int32(range.upperBound), word] }
        return start..<knownWords.count
      }
    }
    for index in stride(from: words.lowerBound, to: words.upperBound, by: 3) {
      result.append(((base + Int(knownWords[index]))..<(base + Int(knownWords[index + 1])), knownWords[index + 2]))
    }
  }

  /// Words of more bytes than this are not numbered (their number is −1): a run of letters
  /// and digits such as a pasted hash or an encoded image is one ICU word, which would be one
  /// dictionary term of its whole size. The index keeps words for ranking only, and such a
  /// run is still found by its characters.
  static let longestWord = 64

  /// ICU's words of `stretch`, each as its byte range from the stretch's start and its number
  /// in `vocabulary` (−1 past `longestWord`).
  private func numberedWords(_ stretch: ArraySlice<UInt8>) -> [(range: Range<Int>, word: Int32)] {
    stretch.withUnsafeBytes { bytes in
      icuWords(stretch).map { range in
        guard range.count <= Self.longestWord else { return (range, -1) }
        let word = UnsafeRawBufferPointer(rebasing: bytes[range])
        return (range, Int32(vocabulary.insert(word, hash: ByteStringTable.hash(word)).number))
      }
    }
  }

  /// What a scalar is for cutting text into stretches: Han (segmented with ICU's dictionary),
  /// plain (ASCII and common punctuation, never joined with Han by ICU's rules), or other
  /// (kana, other scripts and symbols: never cut beside).
  enum Kind { case han, plain, other }

  static func kind(of value: UInt32) -> Kind {
    switch value {
    case 0..<0x80: return .plain
    case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3FFFF: return .han
    case 0x2010...0x2027, 0x3001...0x3003, 0x3008...0x3011, 0x3014...0x301F, 0xFF01...0xFF0F, 0xFF1A...0xFF20: return .plain
    default: return .other
    }
  }

  /// ICU's words of `utf8` as byte ranges from the slice's start (the whole text at once, no
  /// memory). ICU runs over the text converted to UTF-16.
  func icuWords(_ utf8: ArraySlice<UInt8>) -> [Range<Int>] { icuWords(utf8, by: cicu_wordbreaker_words) }

  /// The same words, found by ICU over the UTF-8 text itself (a UText): the reference for tests.
  func icuWordsOverUTF8(_ utf8: ArraySlice<UInt8>) -> [Range<Int>] { icuWords(utf8, by: cicu_wordbreaker_words_utext) }

  private typealias Segmenter = (
    OpaquePointer?, UnsafePointer<UInt8>?, Int32, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, Int32
  ) -> Int32

  private func icuWords(_ utf8: ArraySlice<UInt8>, by segment: Segmenter) -> [Range<Int>] {
    guard !utf8.isEmpty else { return [] }
    while true {
      let capacity = starts.count
      let count = utf8.withUnsafeBufferPointer { text in
        starts.withUnsafeMutableBufferPointer { starts in
          ends.withUnsafeMutableBufferPointer { ends in
            segment(handle, text.baseAddress, Int32(text.count), starts.baseAddress, ends.baseAddress, Int32(capacity))
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

  /// The number of ICU words in UTF-16 text: ICU alone, for the segmentation ceiling.
  func icuWordCount(utf16: [UInt16]) -> Int {
    utf16.withUnsafeBufferPointer { Int(max(0, cicu_wordbreaker_count_utf16(handle, $0.baseAddress, Int32($0.count)))) }
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
