/// What a section contributes to each field (the unit of retrieval).
enum SectionDocument {
  /// The text of each field: the report title (given for a report's first section only, so
  /// it is indexed once per report), the heading, the table labels (row labels, their groups
  /// and column headers, one per line) and the body (the text after the heading).
  static func fieldTexts(title: String, number: Int, heading: String, text: String, rows: [TableRow]) -> [Field: String] {
    var labels: [String] = []
    // Keyed by UTF-8 bytes: String hashing normalizes to NFC, which costs more here.
    var seen = Set<Word>()
    var previousHeaders: [String] = []
    for row in rows {
      let headers = row.cells.map(\.header)
      // Rows of one table share their headers: look at each run of them once.
      let candidates = row.group + [row.labelAsWritten] + (headers == previousHeaders ? [] : headers)
      previousHeaders = headers
      for label in candidates where !label.isEmpty {
        if seen.insert(Word(label)).inserted { labels.append(label) }
      }
    }
    let body: Substring
    if number == 0 {
      body = text[...]
    } else if let newline = text.firstIndex(of: "\n") {
      body = text[text.index(after: newline)...]
    } else {
      body = ""
    }
    return [.title: title, .heading: heading, .label: labels.joined(separator: "\n"), .body: String(body)]
  }
}
