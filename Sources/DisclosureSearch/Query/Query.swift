/// A parsed query: parts that must all occur in a report. Each part is a contiguous string
/// (a word or a "quoted phrase") matched exactly after normalization, optionally scoped to
/// one field.
public struct Query: Sendable, Equatable, CustomStringConvertible {
  public struct Part: Sendable, Equatable {
    /// The part as the user wrote it.
    public var text: String
    /// Its normalized form (NFKC, case folded, 简体), what is matched.
    public var normalized: String
    /// The field it is scoped to, or nil for every field.
    public var field: Field?
  }

  public var parts: [Part]

  public var description: String {
    parts.map { part in (part.field.map { "\($0.name):" } ?? "") + "\"\(part.normalized)\"" }.joined(separator: " ")
  }
}

/// Parses query text: parts separated by spaces, "quoted phrases", `AND` between parts
/// (optional), and field scopes `title:` `heading:` `label:` `body:`.
public enum QueryParser {
  public static func parse(_ text: String) throws(SearchError) -> Query {
    let normalizer = Normalizer()
    var parts: [Query.Part] = []
    var index = text.startIndex
    while index < text.endIndex {
      let character = text[index]
      if character.isWhitespace {
        index = text.index(after: index)
        continue
      }
      var field: Field?
      var word: String
      let start = index
      var rest = text[index...]
      if let colon = rest.firstIndex(of: ":"), let scoped = Field.allCases.first(where: { $0.name == rest[..<colon] }) {
        field = scoped
        rest = rest[rest.index(after: colon)...]
      }
      if rest.first == "\"" || rest.first == "“" {
        let closing: Character = rest.first == "\"" ? "\"" : "”"
        let body = rest.dropFirst()
        guard let end = body.firstIndex(of: closing) else {
          let column = text.distance(from: text.startIndex, to: start) + 1
          throw .query("unbalanced quote at column \(column): close the phrase with \(closing)")
        }
        word = String(body[..<end])
        index = body.index(after: end)
      } else {
        let end = rest.firstIndex(where: \.isWhitespace) ?? text.endIndex
        word = String(rest[..<end])
        index = end
      }
      if field == nil && word == "AND" { continue }
      let normalized = normalizer.normalize(word)
      guard normalized.unicodeScalars.contains(where: CharacterClass.isSearchable) else {
        if word.isEmpty { continue }
        throw .query("\"\(word)\" has no letters or digits to search for; search for words, numbers or names")
      }
      parts.append(Query.Part(text: word, normalized: normalized, field: field))
    }
    guard !parts.isEmpty else {
      throw .query("the query is empty; give a word to search for, e.g. dsearch search 行政处罚")
    }
    return Query(parts: parts)
  }
}
