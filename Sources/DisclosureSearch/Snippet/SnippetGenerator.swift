/// Builds the snippet of a hit from its stored section text: the text around the first
/// match (preferring a match in the section's table or body over its heading), whitespace
/// collapsed, with every match inside highlighted. Matching uses the same normalization as
/// the index, and `NormalizedText.sourceOffsets` maps matches back to the text as written.
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
    let source = Array(section.text.unicodeScalars)
    let normalized = normalizer.normalize(section.text[...])
    // Source UTF-8 offset → index of the scalar starting there.
    var scalarIndexOfOffset = [Int](repeating: -1, count: section.text.utf8.count + 1)
    var offset = 0
    for (index, scalar) in source.enumerated() {
      scalarIndexOfOffset[offset] = index
      offset += UTF8.width(scalar)
    }
    scalarIndexOfOffset[offset] = source.count
    var matches: [Range<Int>] = []  // in source scalar indexes
    for part in parts {
      let needle = Array(part.utf8)
      guard !needle.isEmpty else { continue }
      for start in normalized.utf8.indices(of: needle) {
        let end = start + needle.count
        let from = scalarIndexOfOffset[Int(normalized.sourceOffsets[start])]
        guard from >= 0 else { continue }
        // The end maps to the scalar after the match (sourceOffsets ends with the text length).
        let next = scalarIndexOfOffset[Int(normalized.sourceOffsets[end])]
        matches.append(from..<(next > from ? next : from + 1))
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
    let headingEnd = section.number == 0 ? 0 : (source.firstIndex(of: "\n") ?? source.count)
    let anchor = merged.first { $0.lowerBound >= headingEnd } ?? merged.first
    var windowStart = max(0, (anchor?.lowerBound ?? headingEnd) - Self.contextBefore)
    // Start at a line start when one is near, so `line` is exact and the text reads well.
    if let anchor, let newline = source[windowStart..<anchor.lowerBound].lastIndex(of: "\n") {
      windowStart = newline + 1
    }
    var text = String.UnicodeScalarView()
    var length = 0
    var highlights: [[Int]] = []
    var next = merged.firstIndex { $0.upperBound > windowStart } ?? merged.endIndex
    var open: (start: Int, end: Int)?
    var lastWasSpace = true
    var index = windowStart
    while index < source.count && length < Self.maxSnippetScalars {
      if open == nil, next < merged.count, merged[next].lowerBound <= index {
        open = (length, merged[next].upperBound)
        next += 1
      }
      let scalar = source[index]
      if Layout.isSpace(scalar) {
        if !lastWasSpace {
          text.append(" ")
          length += 1
          lastWasSpace = true
        }
      } else {
        text.append(scalar)
        length += 1
        lastWasSpace = false
      }
      index += 1
      if let current = open, index >= current.end {
        highlights.append([current.start, length])
        open = nil
      }
    }
    if let current = open { highlights.append([current.start, length]) }
    var snippetText = String(text)
    while snippetText.last == " " { snippetText.removeLast() }
    let lineInSection = source[0..<windowStart].filter { $0 == "\n" }.count
    let line = section.sourceLines[safe: lineInSection] ?? section.startLine + lineInSection
    return Snippet(text: snippetText, highlights: highlights, line: line)
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
