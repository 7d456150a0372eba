/// How a text report lays out its table cells (REPORT-FORMAT.md §7).
enum Layout {
  /// Word export: one cell per line behind a TAB, a blank line between rows, cells broken
  /// over two lines continue on a line without the TAB.
  case tabCells
  /// One row per line: scraped page text (cells joined by `|`) and PDF or plain text (cells
  /// separated by spaces).
  case lines

  static func detect(_ lines: [Substring]) -> Layout {
    var tabLines = 0
    var pipeLines = 0
    for var line in lines {
      line.withUTF8 { bytes in
        if bytes.first == 0x09 { tabLines += 1 }
        if bytes.contains(UInt8(ascii: "|")) { pipeLines += 1 }
      }
    }
    return tabLines >= 10 && tabLines >= pipeLines ? .tabCells : .lines
  }

  /// Splits a section body into logical rows, each a list of trimmed, non-empty cells.
  /// Outside the TAB layout each line is a row: cells split at `|` when the line has one,
  /// else at spaces (so a few scraped lines in an otherwise plain file still read right).
  func logicalRows(_ lines: ArraySlice<Substring>) -> [[String]] {
    guard self != .tabCells else { return tabRows(lines) }
    var rows: [[String]] = []
    for var line in lines where !Layout.isPageNumber(line) {
      let cells = line.withUTF8 { bytes in
        bytes.contains(UInt8(ascii: "|")) ? Layout.cells(of: bytes, separatedBy: UInt8(ascii: "|")) : Layout.spaceCells(of: bytes)
      }
      if !cells.isEmpty { rows.append(cells) }
    }
    return rows
  }

  private func tabRows(_ lines: ArraySlice<Substring>) -> [[String]] {
    var rows: [[String]] = []
    var cells: [String] = []
    var previousWasCell = false
    func flush() {
      cells.removeAll { $0.isEmpty }
      if !cells.isEmpty { rows.append(cells) }
      cells = []
    }
    for line in lines {
      let trimmed = line.trimmingCharacters()
      if line.utf8.first == 0x09 {
        cells.append(trimmed)
        previousWasCell = true
      } else if trimmed.isEmpty {
        flush()
        previousWasCell = false
      } else if previousWasCell, !cells.isEmpty {
        cells[cells.count - 1] += trimmed
      } else {
        flush()
        if !Layout.isPageNumber(line) { rows.append(Layout.spaceCells(line)) }
        previousWasCell = false
      }
    }
    flush()
    return rows
  }

  /// The trimmed, non-empty pieces of `line` (UTF-8) between `separator`s.
  static func cells(of line: UnsafeBufferPointer<UInt8>, separatedBy separator: UInt8) -> [String] {
    var cells: [String] = []
    var start = 0
    for end in 0...line.count where end == line.count || line[end] == separator {
      let piece = UnsafeBufferPointer(rebasing: line[start..<end])
      let kept = trimmedRange(piece)
      if !kept.isEmpty { cells.append(String(decoding: UnsafeBufferPointer(rebasing: piece[kept]), as: UTF8.self)) }
      start = end + 1
    }
    return cells
  }

  /// The runs of `line` (UTF-8) between spaces.
  static func spaceCells(of line: UnsafeBufferPointer<UInt8>) -> [String] {
    var cells: [String] = []
    var start = 0
    var offset = 0
    while offset < line.count {
      let width = UTF8.width(startingWith: line[offset])
      let value = UTF8.value(in: line, at: offset, width: width)
      if isSpace(value) {
        if start < offset { cells.append(String(decoding: UnsafeBufferPointer(rebasing: line[start..<offset]), as: UTF8.self)) }
        start = offset + width
      }
      offset += width
    }
    if start < line.count { cells.append(String(decoding: UnsafeBufferPointer(rebasing: line[start...]), as: UTF8.self)) }
    return cells
  }

  static func spaceCells(_ line: Substring) -> [String] {
    var line = line
    return line.withUTF8(spaceCells(of:))
  }

  /// Whitespace, with a fast path for ASCII and the two spaces Chinese text uses.
  @inline(__always)
  static func isSpace(_ scalar: Unicode.Scalar) -> Bool { isSpace(scalar.value) }

  @inline(__always)
  static func isSpace(_ value: UInt32) -> Bool {
    // Unicode's White_Space property, listed: looking it up is slow, and this runs on every
    // scalar of every table cell.
    switch value {
    case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
    default: return false
    }
  }

  /// The first scalar of `text` (valid UTF-8) that is not a space, and the scalar after it.
  static func firstTwoScalars(_ text: UnsafeBufferPointer<UInt8>) -> (Unicode.Scalar, Unicode.Scalar)? {
    var offset = 0
    var first: Unicode.Scalar?
    while offset < text.count {
      let width = UTF8.width(startingWith: text[offset])
      let value = UTF8.value(in: text, at: offset, width: width)
      offset += width
      guard let scalar = Unicode.Scalar(value) else { return nil }
      if let first { return (first, scalar) }
      if !isSpace(value) { first = scalar }
    }
    return nil
  }

  /// The bytes of `text` (valid UTF-8) between the spaces at its ends.
  static func trimmedRange(_ text: UnsafeBufferPointer<UInt8>) -> Range<Int> {
    var start = 0
    while start < text.count {
      let width = UTF8.width(startingWith: text[start])
      let value = UTF8.value(in: text, at: start, width: width)
      guard isSpace(value) else { break }
      start += width
    }
    var end = text.count
    while end > start {
      var lead = end - 1
      while text[lead] & 0xC0 == 0x80 { lead -= 1 }
      guard isSpace(UTF8.value(in: text, at: lead, width: UTF8.width(startingWith: text[lead]))) else { break }
      end = lead
    }
    return start..<end
  }

  private static let pageNumberMarks: Set<Unicode.Scalar> = ["—", "-", "－", "–", "第", "页"]

  /// "— 2 —", "- 3 -", a bare "2", "第 3 页": page furniture of PDF text.
  static func isPageNumber(_ line: Substring) -> Bool {
    guard line.utf8.count <= 48 else { return false }
    var visible = 0
    for scalar in line.unicodeScalars where !isSpace(scalar) {
      visible += 1
      // Only digits, dashes, 第 and 页 make a page number (most table lines hold others).
      guard visible <= 8, ("0"..."9").contains(scalar) || pageNumberMarks.contains(scalar) else { return false }
    }
    let compact = String(String.UnicodeScalarView(line.unicodeScalars.filter { !isSpace($0) }))
    guard !compact.isEmpty, compact.count <= 8 else { return false }
    var inner = compact.trimmingCharacters(in: "—-－–")
    if inner.hasPrefix("第") && inner.hasSuffix("页") { inner = String(inner.dropFirst().dropLast()) }
    return !inner.isEmpty && inner.count <= 4 && inner.allSatisfy { $0.isASCII && $0.isNumber }
  }
}

extension StringProtocol where SubSequence == Substring {
  /// The text between occurrences of an ASCII byte (`\n`, `|`), empty pieces included: cut
  /// on UTF-8 bytes, several times faster than splitting on Characters.
  func cells(separatedBy separator: UInt8) -> [Substring] {
    // Native text: scan its bytes, and index from the start (an offset into UTF-8 storage).
    let scanned: [Substring]? = utf8.withContiguousStorageIfAvailable { bytes in
      var pieces: [Substring] = []
      var start = 0
      for offset in bytes.indices where bytes[offset] == separator {
        pieces.append(self[utf8.index(startIndex, offsetBy: start)..<utf8.index(startIndex, offsetBy: offset)])
        start = offset + 1
      }
      pieces.append(self[utf8.index(startIndex, offsetBy: start)..<endIndex])
      return pieces
    }
    if let scanned { return scanned }
    var pieces: [Substring] = []
    var start = startIndex
    var index = startIndex
    while index < endIndex {
      if utf8[index] == separator {
        pieces.append(self[start..<index])
        start = utf8.index(after: index)
      }
      index = utf8.index(after: index)
    }
    pieces.append(self[start..<endIndex])
    return pieces
  }

  var lines: [Substring] { cells(separatedBy: 0x0A) }
}

extension String {
  func trimmingCharacters(in set: String) -> String {
    var characters = Substring(self)
    while let first = characters.first, set.contains(first) { characters = characters.dropFirst() }
    while let last = characters.last, set.contains(last) { characters = characters.dropLast() }
    return String(characters)
  }
}
