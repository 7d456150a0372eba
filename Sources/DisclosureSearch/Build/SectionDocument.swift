/// What a section contributes to each field (the unit of retrieval).
enum SectionDocument {
  /// The text of each field: the report title (given for a report's first section only, so
  /// it is indexed once per report), the heading, the table labels (row labels, their groups
  /// and column headers, one per line) and the body (the text after the heading).
  static func fieldTexts(title: String, number: Int, heading: String, text: String, rows: [TableRow]) -> [Field: String] {
    [.title: title, .heading: heading, .label: labels(rows), .body: body(number: number, text: text)]
  }

  /// The label field: row labels, their groups and column headers, each once, one per line.
  static func labels(_ rows: [TableRow]) -> String {
    var labels = LabelField()
    var previous: [Cell] = []
    for row in rows {
      // Rows of one table share their headers, strings of the same storage that compare
      // at once: they are copied only when they change.
      let sameHeaders = row.cells.elementsEqual(previous) { $0.header == $1.header }
      labels.add(
        group: row.group.map(Word.init), label: Word(row.labelAsWritten),
        headers: sameHeaders ? nil : row.cells.map { Word($0.header) })
      previous = row.cells
    }
    return labels.text
  }

  /// The body field: the section text after its heading line (all of section 0's text).
  static func body(number: Int, text: String) -> String {
    if number == 0 { return text }
    guard let newline = text.utf8.firstIndex(of: UInt8(ascii: "\n")) else { return "" }
    return String(text[text.utf8.index(after: newline)...])
  }
}

/// Builds the label field row by row, from the UTF-8 of each row's group, label as written and
/// column headers. The words seen are kept by bytes in a `ByteStringTable`: a `Set` hashed
/// each with SipHash, half the time of a search that checks labels in thousands of records.
struct LabelField {
  private var seen = ByteStringTable()
  private var previousHeaders: [Word] = []
  private(set) var bytes: [UInt8] = []

  /// Adds a row's words; `headers` nil when the caller knows them to be the previous row's.
  mutating func add(group: [Word], label: Word, headers: [Word]?) {
    for word in group { add(word) }
    add(label)
    // Rows of one table share their headers: look at each run of them once.
    guard let headers, headers != previousHeaders else { return }
    previousHeaders = headers
    for header in headers { add(header) }
  }

  private mutating func add(_ word: Word) {
    guard !word.bytes.isEmpty, word.bytes.withUnsafeBytes({ seen.insert($0, hash: ByteStringTable.hash($0)).inserted }) else { return }
    if !bytes.isEmpty { bytes.append(UInt8(ascii: "\n")) }
    bytes += word.bytes
  }

  var text: String { String(decoding: bytes, as: UTF8.self) }
}
