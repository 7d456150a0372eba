/// Builds the snippet of a hit from its stored section text: the text around the first
/// match (preferring a match in the section's table or body over its heading), whitespace
/// collapsed, with every match inside highlighted. Matching uses the same normalization as
/// the index, and `NormalizedText.sourceOffsets` maps matches back to the text as written.
///
/// It works on the text's UTF-8 bytes: matches, the window and the line are found by byte
/// offsets, and only the window's scalars are decoded (ten hits' sections are a fifth of a
/// small query's time, and most of a section lies outside its snippet).
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

  private func snippet(for section: StoredSection, bytes: UnsafeBufferPointer<UInt8>, parts: [String]) -> Snippet {
    let normalized = normalizer.normalize(section.text[...])
    var matches: [Range<Int>] = []  // source UTF-8 offsets
    for part in parts {
      let needle = Array(part.utf8)
      guard !needle.isEmpty else { continue }
      for start in normalized.utf8.indices(of: needle) {
        let from = Int(normalized.sourceOffsets[start])
        // The end maps to the scalar after the match (sourceOffsets ends with the text length).
        let to = Int(normalized.sourceOffsets[start + needle.count])
        // A match inside one scalar's folding (㈱ → (株)) highlights that scalar.
        matches.append(from..<max(to, from + min(UTF8.width(startingWith: bytes[from]), bytes.count - from)))
      }
    }
    matches.sort { $0.lowerBound < $1.lowerBound }
    // Overlapping matches (of different query parts) become one highlight.
    var merged: [Range<Int>] = []
    for match in matches {
      if let last = merged.last, match.lowerBound <= last.upperBound {
        merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, match.upperBound)
      } else {
        merged.append(match)
      }
    }
    let newline = UInt8(ascii: "\n")
    let headingEnd = section.number == 0 ? 0 : (bytes.firstIndex(of: newline) ?? bytes.count)
    let anchor = merged.first { $0.lowerBound >= headingEnd } ?? merged.first
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
    var next = merged.firstIndex { $0.upperBound > windowStart } ?? merged.endIndex
    var open: (start: Int, end: Int)?
    var lastWasSpace = true
    var offset = windowStart
    while offset < bytes.count && length < Self.maxSnippetScalars {
      if open == nil, next < merged.count, merged[next].lowerBound <= offset {
        open = (length, merged[next].upperBound)
        next += 1
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
    var lineInSection = 0
    for byte in bytes[0..<windowStart] where byte == newline { lineInSection += 1 }
    let line = section.sourceLines[safe: lineInSection] ?? section.startLine + lineInSection
    return Snippet(text: String(decoding: text, as: UTF8.self), highlights: highlights, line: line)
  }
}

extension Array where Element == UInt8 {
  /// Start indexes of every occurrence of `needle`.
  func indices(of needle: [UInt8]) -> [Int] {
    guard !needle.isEmpty, needle.count <= count else { return [] }
    var result: [Int] = []
    let first = needle[0]
    var index = 0
    while index <= count - needle.count {
      if self[index] == first {
        var matched = true
        for offset in 1..<needle.count where self[index + offset] != needle[offset] {
          matched = false
          break
        }
        if matched { result.append(index) }
      }
      index += 1
    }
    return result
  }
}
