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
    for line in lines {
      if line.utf8.first == 0x09 { tabLines += 1 }
      if line.containsBytes("|") { pipeLines += 1 }
    }
    return tabLines >= 10 && tabLines >= pipeLines ? .tabCells : .lines
  }

  /// Splits a section body into logical rows, each a list of trimmed, non-empty cells.
  /// Outside the TAB layout each line is a row: cells split at `|` when the line has one,
  /// else at spaces (so a few scraped lines in an otherwise plain file still read right).
  func logicalRows(_ lines: ArraySlice<Substring>) -> [[String]] {
    guard self != .tabCells else { return tabRows(lines) }
    return lines.compactMap { line in
      guard !Layout.isPageNumber(line) else { return nil }
      let cells = line.containsBytes("|") ? line.cells(separatedBy: 0x7C).map { $0.trimmingCharacters() } : Layout.spaceCells(line)
      let kept = cells.filter { !$0.isEmpty }
      return kept.isEmpty ? nil : kept
    }
  }

  private func tabRows(_ lines: ArraySlice<Substring>) -> [[String]] {
    var rows: [[String]] = []
    var cells: [String] = []
    var previousWasCell = false
    func flush() {
      let kept = cells.filter { !$0.isEmpty }
      if !kept.isEmpty { rows.append(kept) }
      cells = []
    }
    for line in lines {
      if line.utf8.first == 0x09 {
        cells.append(line.trimmingCharacters())
        previousWasCell = true
      } else if line.trimmingCharacters().isEmpty {
        flush()
        previousWasCell = false
      } else if previousWasCell, !cells.isEmpty {
        cells[cells.count - 1] += line.trimmingCharacters()
      } else {
        flush()
        if !Layout.isPageNumber(line) { rows.append(Layout.spaceCells(line)) }
        previousWasCell = false
      }
    }
    flush()
    return rows
  }

  static func spaceCells(_ line: Substring) -> [String] {
    line.unicodeScalars.split(whereSeparator: isSpace).map { String($0) }
  }

  /// Whitespace, with a fast path for ASCII and the two spaces Chinese text uses.
  @inline(__always)
  static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
    // Unicode's White_Space property, listed: looking it up is slow, and this runs on every
    // scalar of every table cell.
    switch scalar.value {
    case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
    default: return false
    }
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
