import CICU

/// Folds text the same way for documents and queries: NFKC with case folding (ICU's
/// `nfkc_cf`: full-width to half-width, U+3000 and U+00A0 to a space, `Ａ` to `a`), then
/// 繁體 to 简体 with a table derived from ICU's "Traditional-Simplified" transliterator.
///
/// Folding works one Unicode scalar at a time, so every output byte knows the input scalar
/// it came from (`NormalizedText.sourceOffset`); that is what lets a snippet highlight the
/// text as the user sees it. (Per-scalar NFKC does not compose combining sequences; Chinese
/// reports do not use them, and documents and queries are folded alike.)
///
/// Not thread-safe: it caches folded scalars. Use one per thread.
final class Normalizer {
  /// For BMP scalars: 0 = not folded yet, `singleMark | value` = folds to one scalar,
  /// `expansionMark | index` = folds to `expansions[index]` (zero or several scalars).
  private var bmpCache = [UInt32](repeating: 0, count: 0x10000)
  /// A bit per BMP scalar found to fold to itself (most CJK text): 8 KB that stay in the L1
  /// cache, where a lookup in the 256 KB `bmpCache` missed it (a fifth of a snippet's
  /// folding time).
  private var foldsToItself = [UInt64](repeating: 0, count: 0x10000 / 64)
  private var expansions: [[Unicode.Scalar]] = []
  private var utf16Buffer = [UInt16](repeating: 0, count: 64)
  /// Table label keys (`TableAssembler.key`) by the bytes of the cell text they were made
  /// from: the template's labels come back in every report. Emptied past `labelKeyLimit`.
  var labelKeys = ByteStringMap<String>()
  static let labelKeyLimit = 20_000
  private static let singleMark: UInt32 = 1 << 31
  private static let expansionMark: UInt32 = 1 << 30

  init() {}

  /// The folded form of `text`, with the source UTF-8 offset of every output byte.
  func normalize(_ text: Substring) -> NormalizedText {
    var text = text
    return text.withUTF8(normalize)
  }

  /// The folded form of valid UTF-8, with the offset in `bytes` of every output byte.
  func normalize(_ bytes: UnsafeBufferPointer<UInt8>) -> NormalizedText {
    var output = NormalizedText(sourceCount: bytes.count)
    output.utf8.reserveCapacity(bytes.count)
    fold(
      bytes, unchanged: { run in output.append(copied: UnsafeBufferPointer(rebasing: bytes[run]), source: run.lowerBound) },
      folded: { scalar, offset in output.append(scalar, source: offset) })
    return output
  }

  /// The folded form of `text` as a string.
  func normalize(_ text: String) -> String {
    String(decoding: foldedUTF8(text), as: UTF8.self)
  }

  /// The folded form of `text` as UTF-8, without source offsets (for analysis, and for
  /// checking a query in stored texts).
  func foldedUTF8(_ text: String) -> [UInt8] {
    var text = text
    return text.withUTF8(foldedUTF8)
  }

  /// The folded form of UTF-8 bytes (stored text, read in place); invalid UTF-8 is read
  /// without fault, but its folded form is unspecified.
  func foldedUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count)
    fold(
      bytes, unchanged: { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[$0])) },
      folded: { scalar, _ in UTF8.encode(scalar) { output.append($0) } })
    return output
  }

  /// Walks valid UTF-8 (decoded by hand: the scalar view checks every index): `unchanged`
  /// gets each run of scalars that fold to themselves, `folded` each scalar another one
  /// folds to, with that one's offset. Most of any text is such runs (ASCII but capitals,
  /// and the scalars met before that fold to themselves), found without a call per scalar:
  /// handed over one scalar at a time, they took half the folding time.
  @inline(__always)
  private func fold(
    _ bytes: UnsafeBufferPointer<UInt8>, unchanged: (Range<Int>) -> Void, folded: (Unicode.Scalar, Int) -> Void
  ) {
    var runStart = 0
    var offset = 0
    while offset < bytes.count {
      let lead = bytes[offset]
      let width = lead < 0x80 ? 1 : min(UTF8.width(startingWith: lead), bytes.count - offset)
      let value = lead < 0x80 ? UInt32(lead) : UTF8.value(in: bytes, at: offset, width: width)
      let isItself =
        lead < 0x80 ? lead < 0x41 || lead > 0x5A : value < 0x10000 && foldsToItself[Int(value >> 6)] & (UInt64(1) << (value & 63)) != 0
      if !isItself {
        if runStart < offset { unchanged(runStart..<offset) }
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        foldEach(scalar) { result in
          if result == scalar { unchanged(offset..<(offset + width)) } else { folded(result, offset) }
        }
        runStart = offset + width
      }
      offset += width
    }
    if runStart < offset { unchanged(runStart..<offset) }
  }

  /// Calls `body` with each scalar `scalar` folds to (often itself; none for ignorable ones).
  @inline(__always)
  func foldEach(_ scalar: Unicode.Scalar, _ body: (Unicode.Scalar) -> Void) {
    let value = scalar.value
    if value < 0x10000 {
      let (word, bit) = (Int(value >> 6), UInt64(1) << (value & 63))
      if foldsToItself[word] & bit != 0 {
        body(scalar)
        return
      }
      var cached = bmpCache[Int(value)]
      if cached == 0 {
        let folded = computeFold(scalar)
        if folded.count == 1 {
          cached = Self.singleMark | folded[0].value
          if folded[0] == scalar { foldsToItself[word] |= bit }
        } else {
          cached = Self.expansionMark | UInt32(expansions.count)
          expansions.append(folded)
        }
        bmpCache[Int(value)] = cached
      }
      if cached & Self.singleMark != 0 {
        body(Unicode.Scalar(cached & ~Self.singleMark) ?? scalar)
      } else {
        for folded in expansions[Int(cached & ~Self.expansionMark)] { body(folded) }
      }
      return
    }
    for folded in computeFold(scalar) { body(folded) }
  }

  private func computeFold(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
    let source = Array(String(scalar).utf16)
    let length = source.withUnsafeBufferPointer { input in
      utf16Buffer.withUnsafeMutableBufferPointer { output in
        cicu_nfkc_casefold(input.baseAddress, Int32(input.count), output.baseAddress, Int32(output.count))
      }
    }
    guard length >= 0 else { return [scalar] }
    let caseFolded = String(decoding: utf16Buffer[0..<Int(length)], as: UTF16.self)
    return caseFolded.unicodeScalars.map { TraditionalSimplified.map($0) }
  }
}

/// Folded text as UTF-8, with `sourceOffsets[i]` the UTF-8 offset in the source of the scalar
/// that produced byte `i`; one extra final entry holds the source length.
struct NormalizedText: Sendable {
  var utf8: [UInt8] = []
  /// Where the output comes from, run by run, in order: each run's first output byte and its
  /// source offset, and whether the run is source bytes copied as they are or the folding of
  /// the one source scalar there. A source offset kept for every output byte was about half
  /// of a snippet's folding time.
  private var runs: [(output: Int32, source: Int32, copied: Bool)] = []
  private let sourceCount: Int

  init(sourceCount: Int) { self.sourceCount = sourceCount }

  /// Adds source bytes that fold to themselves, from offset `source`.
  mutating func append(copied bytes: UnsafeBufferPointer<UInt8>, source: Int) {
    if let last = runs.last, last.copied, Int(last.source) + utf8.count - Int(last.output) == source {
      // The run goes on.
    } else {
      runs.append((Int32(utf8.count), Int32(source), true))
    }
    utf8.append(contentsOf: bytes)
  }

  /// Adds a scalar that the source scalar at `source` folds to.
  mutating func append(_ scalar: Unicode.Scalar, source: Int) {
    if let last = runs.last, !last.copied, last.source == Int32(source) {
      // Another scalar of the same one's folding.
    } else {
      runs.append((Int32(utf8.count), Int32(source), false))
    }
    UTF8.encode(scalar) { utf8.append($0) }
  }

  /// The source offset of the scalar that output byte `offset` comes from (the source's
  /// length for `utf8.count`).
  func sourceOffset(of offset: Int) -> Int {
    guard offset < utf8.count else { return sourceCount }
    var (low, high) = (0, runs.count)  // the first run past `offset`
    while low < high {
      let middle = (low + high) / 2
      if Int(runs[middle].output) <= offset { low = middle + 1 } else { high = middle }
    }
    let run = runs[low - 1]
    guard run.copied else { return Int(run.source) }
    var start = offset  // the first byte of its scalar, copied as it is in the source
    while start > Int(run.output) && utf8[start] & 0xC0 == 0x80 { start -= 1 }
    return Int(run.source) + start - Int(run.output)
  }

  var string: String { String(decoding: utf8, as: UTF8.self) }
}

/// 繁體 → 简体 for single scalars, from `traditionalSimplifiedPairs`.
enum TraditionalSimplified {
  /// Indexed by BMP scalar value: the simplified scalar value, or 0 when unchanged.
  static let table: [UInt16] = {
    var table = [UInt16](repeating: 0, count: 0x10000)
    var pending: Unicode.Scalar?
    for scalar in traditionalSimplifiedPairs.unicodeScalars where scalar != "\n" {
      if let from = pending {
        table[Int(from.value)] = UInt16(scalar.value)
        pending = nil
      } else {
        pending = scalar
      }
    }
    // Folding must be idempotent (a folded query folds to itself). ICU maps a few
    // characters in a cycle (苎 → 苧 → 苎); send each chain to its smallest member.
    for index in table.indices where table[index] != 0 && table[Int(table[index])] != 0 {
      var seen: Set<UInt16> = [UInt16(index)]
      var current = table[index]
      while table[Int(current)] != 0, seen.insert(current).inserted { current = table[Int(current)] }
      let smallest = seen.union([current]).min() ?? current
      for member in seen.union([current]) { table[Int(member)] = member == smallest ? 0 : smallest }
    }
    return table
  }()

  /// How many scalars the table maps (pinned in the index's analysis settings).
  static let pairCount = table.lazy.filter { $0 != 0 }.count

  static func map(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    guard scalar.value < 0x10000 else { return scalar }
    let mapped = table[Int(scalar.value)]
    return mapped == 0 ? scalar : Unicode.Scalar(UInt32(mapped)) ?? scalar
  }
}

extension UTF8 {
  /// The length of the sequence that `lead` starts in valid UTF-8 (the analyzer, the word
  /// breaker and the snippets decode by hand: the standard library's scalar view checks
  /// every index).
  @inline(__always)
  static func width(startingWith lead: UInt8) -> Int {
    lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
  }

  /// The scalar value of the `width` bytes at `offset` of valid UTF-8.
  @inline(__always)
  static func value(in bytes: UnsafeBufferPointer<UInt8>, at offset: Int, width: Int) -> UInt32 {
    var value = UInt32(bytes[offset])
    if width > 1 {
      value &= 0x7F >> UInt32(width)
      for index in 1..<width { value = value << 6 | UInt32(bytes[offset + index] & 0x3F) }
    }
    return value
  }
}
