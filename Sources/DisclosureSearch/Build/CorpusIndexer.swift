import Dispatch
import Foundation

/// Builds an index folder from a corpus folder: scan → decode → parse → analyze (on every
/// core) → one writer → segment file → manifest (the atomic commit).
enum CorpusIndexer {
  /// What happened to one file.
  struct FileOutcome: Sendable {
    let path: String
    /// nil when indexed.
    let skipReason: String?
    let warnings: [String]
    let duplicateOf: String?
  }

  private struct Analyzed: Sendable {
    let entry: CorpusScanner.Entry
    let skipReason: String?
    let warnings: [String]
    let report: StoredReport?
    let contentKey: ContentKey?
    let sections: [(StoredSection, [Field: Analyzer.AnalyzedField])]
  }

  static func build(
    corpus: URL, index: URL, options: IndexOptions, progress: (@Sendable (IndexProgress) -> Void)?
  ) throws(SearchError) -> IndexSummary {
    let started = DispatchTime.now()
    let entries = try CorpusScanner.scan(corpus)
    var builder = IndexBuilder()
    var outcomes: [FileOutcome] = []
    var seen: [ContentKey: (id: UInt32, path: String)] = [:]
    var textBytes = 0
    let workerCount = max(1, min(options.threads ?? ProcessInfo.processInfo.activeProcessorCount, 64))
    var analyzers: [Analyzer] = []
    for _ in 0..<workerCount {
      do { analyzers.append(try Analyzer()) } catch { throw .analysis("\(error)") }
    }
    let batchSize = 64 * workerCount
    var done = 0
    for batchStart in stride(from: 0, to: entries.count, by: batchSize) {
      let batch = Array(entries[batchStart..<min(entries.count, batchStart + batchSize)])
      let results = ResultSlots<Analyzed>(count: batch.count)
      let workers = analyzers
      DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
        for index in stride(from: worker, to: batch.count, by: workerCount) {
          results.set(index, analyze(batch[index], analyzer: workers[worker], options: options))
        }
      }
      for result in results.values {
        let path = result.entry.path
        if let reason = result.skipReason {
          outcomes.append(FileOutcome(path: path, skipReason: reason, warnings: [], duplicateOf: nil))
          continue
        }
        guard let report = result.report, let key = result.contentKey else { continue }
        if let original = seen[key] {
          builder.addPath(path, toReport: original.id)
          outcomes.append(FileOutcome(path: path, skipReason: nil, warnings: result.warnings, duplicateOf: original.path))
          continue
        }
        textBytes += key.length
        let id = builder.add(report: report, sections: result.sections)
        seen[key] = (id, path)
        outcomes.append(FileOutcome(path: path, skipReason: nil, warnings: result.warnings, duplicateOf: nil))
      }
      done += batch.count
      progress?(IndexProgress(filesDone: done, fileCount: entries.count))
    }
    let summary: IndexSummary
    do {
      summary = try IndexFolder.commit(builder, to: index, corpus: corpus, outcomes: outcomes, textBytes: textBytes, started: started)
    } catch let error as SearchError {
      throw error
    } catch {
      throw .write("\(error.localizedDescription)")
    }
    return summary
  }

  private static func analyze(_ entry: CorpusScanner.Entry, analyzer: Analyzer, options: IndexOptions) -> Analyzed {
    func skip(_ reason: String) -> Analyzed {
      Analyzed(entry: entry, skipReason: reason, warnings: [], report: nil, contentKey: nil, sections: [])
    }
    let fileExtension = entry.url.pathExtension.lowercased()
    let isHTML = HTMLReader.extensions.contains(fileExtension)
    guard isHTML || CorpusScanner.textExtensions.contains(fileExtension) else {
      return skip("not a report file (.\(fileExtension)); reports are .txt or .html")
    }
    let attributes = try? FileManager.default.attributesOfItem(atPath: entry.url.path)
    let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
    guard size <= options.maxFileSize else { return skip("larger than the \(options.maxFileSize)-byte limit (--max-file-size)") }
    guard let data = try? Data(contentsOf: entry.url) else { return skip("cannot be read") }
    let bytes = [UInt8](data)
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return skip("empty") }
    let probe = bytes.prefix(8192)
    let isUTF16 = bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
    if !isUTF16, probe.contains(0) { return skip("binary (NUL bytes), not text") }
    let decoded = ReportFile.decode(bytes, isHTML: isHTML)
    let parsed = ReportParser(normalizer: analyzer.normalizer).parse(decoded.text)
    let report = StoredReport(
      paths: [entry.path], title: parsed.title, agency: parsed.agency, region: parsed.region, year: parsed.year,
      template: parsed.template)
    var sections: [(StoredSection, [Field: Analyzer.AnalyzedField])] = []
    for (index, section) in parsed.sections.enumerated() {
      var fields: [Field: Analyzer.AnalyzedField] = [:]
      let texts = SectionDocument.fieldTexts(
        title: index == 0 ? parsed.title : "", number: section.number, heading: section.heading, text: section.text,
        rows: section.rows)
      for (field, text) in texts {
        fields[field] = analyzer.analyze(text)
      }
      sections.append(
        (StoredSection(number: section.number, heading: section.heading, text: section.text, startLine: section.startLine, rows: section.rows), fields))
    }
    return Analyzed(
      entry: entry, skipReason: nil, warnings: decoded.warnings + parsed.warnings, report: report,
      contentKey: ContentKey(decoded.text), sections: sections)
  }
}

/// Identifies a report text for duplicate detection: length and two independent hashes.
struct ContentKey: Hashable, Sendable {
  let length: Int
  let fnv: UInt64
  let crc: UInt32

  init(_ text: String) {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    length = text.utf8.count
    fnv = hash
    crc = CRC32.of(Array(text.utf8))
  }
}

/// Fixed slots that concurrent workers fill, one index each.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
  private var slots: [Value?]
  private let lock = NSLock()

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: Value) {
    lock.lock()
    slots[index] = value
    lock.unlock()
  }

  var values: [Value] { slots.compactMap { $0 } }
}
