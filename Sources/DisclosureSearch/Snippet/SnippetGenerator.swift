import CICU

/// Builds the snippet of a hit from its stored section text: the text around the first
/// match (preferring a match in the section's table or body over its heading), whitespace
/// collapsed, with every match inside highlighted. Matching uses the same normalization as
/// the index, and `NormalizedText.sourceOffset` maps matches back to the text as written.
///
/// It works on the text's UTF-8 bytes: matches, the window and the line are found by byte
/// offsets, and only the window's scalars are decoded (ten hits' sections are a fifth of a
/// small query's time, and most of a section lies outside its snippet). A match never
/// crosses a line (folding keeps line breaks, and a part holds none), so the text is folded
/// and searched a few lines at a time, only as far as the snippet reaches.
struct SnippetGenerator {
  /// Scalars shown before the first match, and in all.
  static let contextBefore = 24
  static let maxSnippetScalars = 90

  struct Snippet {
    var text: String
    var highlights: [[Int]]
    var line: Int
  }

  let normalizer: Normalizer

  func snippet(for section: StoredSection, parts: [String]) -> Snippet {
    var source = section.text
    return source.withUTF8 { bytes in snippet(for: section, bytes: bytes, parts: parts) }
  }

  func snippet(for hit: RecordCoding.SectionHit, parts: [String]) -> Snippet {
    hit.record.withUnsafeBufferPointer { record in
      snippet(for: hit.section, bytes: UnsafeBufferPointer(rebasing: record[hit.text]), parts: parts)
    }
  }

  private func snippet(for section: StoredSection, bytes: UnsafeBufferPointer<UInt8>, parts: [String]) -> Snippet {
    var matches = Matches(bytes: bytes, needles: parts.map { Array($0.utf8) }.filter { !$0.isEmpty }, normalizer: normalizer)
    let newline = UInt8(ascii: "\n")
    let headingEnd = section.number == 0 ? 0 : (bytes.firstIndex(of: newline) ?? bytes.count)
    // The first match after the heading, or the first of all when there is none.
    while (matches.merged.last?.lowerBound ?? -1) < headingEnd && matches.readMore() {}
    let anchor = matches.merged.first { $0.lowerBound >= headingEnd } ?? matches.merged.first
    // Back `contextBefore` scalars from the anchor, or to the start of its line when nearer,
    // so that `line` is exact and the text reads well.
    var windowStart = anchor?.lowerBound ?? headingEnd
    var scalarsBefore = 0
    while windowStart > 0 && scalarsBefore < Self.contextBefore && (anchor == nil || bytes[windowStart - 1] != newline) {
      windowStart -= 1
      if bytes[windowStart] & 0xC0 != 0x80 { scalarsBefore += 1 }
    }
    var text: [UInt8] = []
    var length = 0
    var highlights: [[Int]] = []
    var next = matches.merged.firstIndex { $0.upperBound > windowStart } ?? matches.merged.endIndex
    var open: (start: Int, end: Int)?
    var lastWasSpace = true
    var offset = windowStart
    while offset < bytes.count && length < Self.maxSnippetScalars {
      if open == nil {
        matches.read(through: offset)
        if next < matches.merged.count, matches.merged[next].lowerBound <= offset {
          open = (length, matches.merged[next].upperBound)
          next += 1
        }
      }
      let width = min(UTF8.width(startingWith: bytes[offset]), bytes.count - offset)
      let scalar = Unicode.Scalar(UTF8.value(in: bytes, at: offset, width: width)) ?? "\u{FFFD}"
      if Layout.isSpace(scalar) {
        if !lastWasSpace {
          text.append(UInt8(ascii: " "))
          length += 1
          lastWasSpace = true
        }
      } else {
        text.append(contentsOf: bytes[offset..<(offset + width)])
        length += 1
        lastWasSpace = false
      }
      offset += width
      if let current = open, offset >= current.end {
        highlights.append([current.start, length])
        open = nil
      }
    }
    if let current = open { highlights.append([current.start, length]) }
    while text.last == UInt8(ascii: " ") { text.removeLast() }
    let lineInSection = Self.newlines(in: UnsafeBufferPointer(rebasing: bytes[0..<windowStart]))
    let line = section.sourceLines[safe: lineInSection] ?? section.startLine + lineInSection
    return Snippet(text: String(decoding: text, as: UTF8.self), highlights: highlights, line: line)
  }
}

extension SnippetGenerator {
  /// The number of line feeds in `bytes`, eight bytes at a time: a byte-by-byte count up to
  /// the snippet was a quarter of the snippet's own time.
  static func newlines(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
    let (ones, highs): (UInt64, UInt64) = (0x0101_0101_0101_0101, 0x8080_8080_8080_8080)
    var count = 0
    var offset = 0
    let raw = UnsafeRawBufferPointer(bytes)
    while offset + 8 <= raw.count {
      let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ (ones &* 0x0A)
      // The high bit of each byte that is zero, and of no other (no carry crosses a byte).
      let zeros = ~((((word & ~highs) &+ ~highs) | word) | ~highs)
      count += zeros.nonzeroBitCount
      offset += 8
    }
    for byte in raw[offset...] where byte == UInt8(ascii: "\n") { count += 1 }
    return count
  }
}

/// The matches of a section's text, as source UTF-8 ranges in order (overlapping ones merged),
/// found a few lines at a time.
private struct Matches {
  let bytes: UnsafeBufferPointer<UInt8>
  let needles: [[UInt8]]
  let normalizer: Normalizer
  /// Where the text not yet searched starts (a line start), and how much is searched at once
  /// (whole lines of at least this many bytes; all at once when a part holds a line break).
  private(set) var searchedTo = 0
  private let chunk: Int
  private(set) var merged: [Range<Int>] = []

  init(bytes: UnsafeBufferPointer<UInt8>, needles: [[UInt8]], normalizer: Normalizer) {
    (self.bytes, self.needles, self.normalizer) = (bytes, needles, normalizer)
    chunk = needles.contains { $0.contains(UInt8(ascii: "\n")) } ? bytes.count : 1024
  }

  /// Searches up to the line holding `offset` (and beyond, a chunk at a time).
  mutating func read(through offset: Int) {
    while searchedTo <= offset && readMore() {}
  }

  /// Searches the next chunk of lines; false when the whole text is searched.
  mutating func readMore() -> Bool {
    guard searchedTo < bytes.count else { return false }
    var end = min(bytes.count, searchedTo + chunk)
    while end < bytes.count && bytes[end - 1] != UInt8(ascii: "\n") { end += 1 }
    let start = searchedTo
    let normalized = normalizer.normalize(UnsafeBufferPointer(rebasing: bytes[start..<end]))
    var found: [Range<Int>] = []
    for needle in needles {
      for first in normalized.utf8.indices(of: needle) {
        let from = start + normalized.sourceOffset(of: first)
        // The end maps to the scalar after the match (or to the end of the text).
        let to = start + normalized.sourceOffset(of: first + needle.count)
        // A match inside one scalar's folding (㈱ → (株)) highlights that scalar.
        found.append(from..<max(to, from + min(UTF8.width(startingWith: bytes[from]), bytes.count - from)))
      }
    }
    found.sort { $0.lowerBound < $1.lowerBound }
    // Overlapping matches (of different query parts) become one highlight.
    for match in found {
      if let last = merged.last, match.lowerBound <= last.upperBound {
        merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, match.upperBound)
      } else {
        merged.append(match)
      }
    }
    searchedTo = end
    return true
  }
}

extension Array where Element == UInt8 {
  /// Whether `needle` occurs (an empty one always does).
  func containsBytes(_ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty else { return true }
    return withUnsafeBufferPointer { text in
      needle.withUnsafeBufferPointer { needle in
        needle.count <= text.count && cicu_find(text.baseAddress!, UInt64(text.count), needle.baseAddress!, UInt64(needle.count)) >= 0
      }
    }
  }

  /// Start indexes of every occurrence of `needle` (overlapping ones too).
  func indices(of needle: [UInt8]) -> [Int] {
    guard !needle.isEmpty, needle.count <= count else { return [] }
    var result: [Int] = []
    withUnsafeBufferPointer { text in
      needle.withUnsafeBufferPointer { needle in
        var start = 0
        while start + needle.count <= text.count {
          let found = cicu_find(text.baseAddress! + start, UInt64(text.count - start), needle.baseAddress!, UInt64(needle.count))
          guard found >= 0 else { break }
          result.append(start + Int(found))
          start += Int(found) + 1
        }
      }
    }
    return result
  }
}
