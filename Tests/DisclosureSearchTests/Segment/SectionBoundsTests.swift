import Foundation
import XCTest

@testable import DisclosureSearch

/// Section bounds: every section holding a common gram is bounded, across its fields
/// together, by an entry of its range and group.
final class SectionBoundsTests: XCTestCase {
  typealias Entry = SectionBounds.Entry

  /// A score that grows with each count and shrinks with each length, as BM25 does.
  func score(_ weights: SIMD4<Double>) -> (SIMD4<UInt32>, SIMD4<UInt32>) -> Double {
    { counts, lengths in
      var sum = 0.0
      for field in 0..<4 where counts[field] > 0 {
        let count = Double(counts[field])
        sum += weights[field] * count / (count + 1 + Double(lengths[field]) / 50)
      }
      return sum
    }
  }

  func randomDocs(_ count: Int, using generator: inout some RandomNumberGenerator) -> [Entry] {
    (0..<count).map { _ in
      var entry = Entry()
      // Mostly one field, as template labels and prose are; sometimes several.
      var fields = [Int.random(in: 2...3, using: &generator)]
      if Int.random(in: 0..<4, using: &generator) == 0 { fields = (0..<4).filter { _ in Bool.random(using: &generator) } }
      for field in fields {
        entry.counts[field] = UInt32.random(in: 1...12, using: &generator)
        entry.lengths[field] = UInt32.random(in: 1...400, using: &generator)
      }
      entry.group = UInt8.random(in: 0...3, using: &generator)
      return entry
    }.filter { $0.mask != 0 }
  }

  func testEntriesBoundEveryDoc() {
    var generator = SystemRandomNumberGenerator()
    for count in [0, 1, 2, 5, 50, 500] {
      let docs = randomDocs(count, using: &generator)
      let entries = SectionBounds.entries(docs)
      XCTAssertEqual(entries.isEmpty, docs.isEmpty)
      XCTAssertLessThanOrEqual(entries.count, SectionBounds.maximumEntries)
      for group in Set(docs.map(\.group)) {
        XCTAssertLessThanOrEqual(
          entries.count { $0.group == group }, 4 * SectionBounds.pairCapacity + 11 * SectionBounds.combinedCapacity)
      }
      XCTAssertEqual(entries.map(\.group), entries.map(\.group).sorted())
      for doc in docs { XCTAssertTrue(entries.contains { doc.isBounded(by: $0) }, "\(doc) in \(entries)") }
      for (number, entry) in entries.enumerated() {
        XCTAssertFalse(entries.indices.contains { $0 != number && entry.isBounded(by: entries[$0]) }, "no entry bounds another")
      }
    }
    // Sections of one field whose pairs fit are kept as they are: the label that is best and
    // the prose that is best are two entries, not their sum.
    let label = Entry(counts: [0, 0, 2, 0], lengths: [0, 0, 30, 0])
    let prose = Entry(counts: [0, 0, 0, 5], lengths: [0, 0, 0, 200])
    XCTAssertEqual(SectionBounds.entries([label, prose, label]), [label, prose])
    // A section of another group is bounded apart, however much lower.
    var otherLabel = label
    otherLabel.group = 3
    otherLabel.counts[2] = 1
    XCTAssertEqual(SectionBounds.entries([label, otherLabel]), [label, otherLabel])
    // Sections of a template hold the same label and prose of their own: each section that
    // no other beats in every field keeps its entry (up to `combinedCapacity`), so that no
    // entry takes the most counts of one section with the shortest prose of another.
    let template: [Entry] = (0..<UInt32(SectionBounds.combinedCapacity)).map { (number: UInt32) -> Entry in
      Entry(counts: SIMD4(0, 0, 5, 6 + number), lengths: SIMD4(0, 0, 220, 435 + 40 * number))
    }
    let kept: [Entry] = SectionBounds.entries(template + template.reversed())
    XCTAssertEqual(Set(kept.map { $0.counts }), Set(template.map { $0.counts }))
    let merged = SectionBounds.entries(template + [Entry(counts: [0, 0, 5, 100], lengths: [0, 0, 220, 4000])])
    XCTAssertEqual(merged.count, SectionBounds.combinedCapacity)
  }

  func testTablesRoundTripAndBoundTheirRanges() throws {
    var generator = SystemRandomNumberGenerator()
    let size = 1 << SectionBounds.rangeShift
    for docCount in [1, size - 1, size, size + 1, 3 * size + 17, (2 * SectionBounds.checkpointStride + 3) * size + 5] {
      var fieldLengths = [UInt32](repeating: 0, count: docCount * 4)
      for index in fieldLengths.indices { fieldLengths[index] = UInt32.random(in: 1...500, using: &generator) }
      let lists = (0..<4).map { field in
        let docs = (0..<UInt32(docCount)).filter { _ in Int.random(in: 0..<3, using: &generator) == 0 }
        return (field: field, docs: docs, counts: docs.map { _ in UInt32.random(in: 1...9, using: &generator) })
      }
      let groups = (0..<docCount).map { _ in UInt8.random(in: 0..<UInt8(SectionBounds.groupCount), using: &generator) }
      let bytes = SectionBounds.encode(lists: lists, fieldLengths: fieldLengths, groups: groups)
      var docs = groups.map { Entry(group: $0) }
      for list in lists {
        for (doc, count) in zip(list.docs, list.counts) {
          docs[Int(doc)].counts[list.field] = count
          docs[Int(doc)].lengths[list.field] = fieldLengths[Int(doc) * 4 + list.field]
        }
      }
      let score = score(SIMD4(1.5, 0.5, 2, 1))
      try bytes.withUnsafeBytes { raw in
        var table = SectionBounds.Cursor(raw, docCount: docCount)
        XCTAssertEqual(table.rangeCount, (docCount + size - 1) / size)
        try table.verify()
        // Asked in ascending order, as a ranker does, and then from the start again.
        for _ in 0..<2 {
          for (doc, entry) in docs.enumerated() where entry.mask != 0 {
            let best = try table.best(from: UInt32(doc), through: UInt32(doc), score)
            XCTAssertGreaterThanOrEqual(best[Int(entry.group)], score(entry.counts, entry.lengths))
          }
        }
        // Over several ranges, the best of all of them in each group.
        let last = UInt32(docCount - 1)
        let each = try stride(from: 0, through: last, by: size).map { first in try table.best(from: first, through: first, score) }
        XCTAssertEqual(try table.best(from: 0, through: last, score), each.reduce(SIMD16()) { pointwiseMax($0, $1) })
        XCTAssertEqual(try table.entries(ofRange: 0), SectionBounds.entries(docs.prefix(size).filter { $0.mask != 0 }))
        // Asked in any order (by the checkpoints, from behind and far ahead), each range's entries.
        for range in (0..<table.rangeCount).shuffled(using: &generator) {
          let members = docs[(range * size)..<min(docCount, (range + 1) * size)].filter { $0.mask != 0 }
          XCTAssertEqual(try table.entries(ofRange: range), SectionBounds.entries(Array(members)), "range \(range)")
        }
      }
      // A table cut short, with a byte more or with a checkpoint off by one does not decode.
      var offCheckpoint = bytes
      if (docCount + size - 1) / size > SectionBounds.checkpointStride { offCheckpoint[4] &+= 1 }
      for damaged: [UInt8] in [Array(bytes.dropLast()), bytes + [0], offCheckpoint] where damaged != bytes {
        let decodes = damaged.withUnsafeBytes { raw in
          var table = SectionBounds.Cursor(raw, docCount: docCount)
          return (try? table.verify()) != nil
        }
        XCTAssertFalse(decodes)
      }
    }
  }

  /// In the sample index, every section that holds a tabled gram in any field (its count and
  /// length in each, from the postings and the docs block) is bounded by an entry of its range.
  func testEverySectionHoldingATabledGramIsBounded() throws {
    let index = SampleIndex.searcher.index
    let segment = index.segments[0]
    let grams = segment.sectionBoundsGrams
    XCTAssertGreaterThan(grams.count, 50)
    XCTAssertTrue(grams.contains(Array("处罚".utf8)))
    for gram in grams {
      let range = try XCTUnwrap(try segment.sectionBounds(ofGram: gram))
      var docs = [UInt32: Entry]()
      for field in Field.allCases {
        guard let term = segment.termIndex([TermKey.gramPrefix + UInt8(field.rawValue)] + gram) else { continue }
        let postings = try segment.postingsRange(term)
        try segment.withBytes { file in
          try PostingsCursor.reading(UnsafeRawBufferPointer(rebasing: file[postings]), hasPositions: true) { cursor throws(BadPostings) in
            while try cursor.next() {
              var entry = docs[cursor.doc] ?? Entry(group: SectionBounds.group(ofSection: index.sectionNumber(of: cursor.doc)))
              entry.counts[field.rawValue] = cursor.count
              entry.lengths[field.rawValue] = index.fieldLength(of: cursor.doc, field)
              docs[cursor.doc] = entry
            }
          }
        }
      }
      try segment.withBytes { file in
        var table = SectionBounds.Cursor(UnsafeRawBufferPointer(rebasing: file[range]), docCount: segment.docCount)
        for (doc, entry) in docs.sorted(by: { $0.key < $1.key }) {
          let entries = try table.entries(ofRange: Int(doc) >> SectionBounds.rangeShift)
          XCTAssertTrue(entries.contains { entry.isBounded(by: $0) }, "\(String(decoding: gram, as: UTF8.self)) at \(doc): \(entry) in \(entries)")
        }
      }
    }
  }
}
