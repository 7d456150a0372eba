import Dispatch
import Foundation

/// Measures the raw ICU word segmentation throughput over a corpus — the ceiling indexing can
/// approach — for `dsearch bench`.
@_spi(Benchmark)
public enum SegmentationCeiling {
  /// Decodes every report file under `corpus` and converts its text to UTF-16, ICU's own
  /// form (not timed), then segments all the text with ICU on `threads` threads. Returns the
  /// UTF-8 bytes of the text segmented, the words found and seconds.
  public static func measure(corpus: URL, threads: Int) throws -> Measure {
    var texts: [[UInt16]] = []  // filled before timing starts
    var textBytes = 0
    for entry in try CorpusScanner.scan(corpus) {
      let fileExtension = entry.url.pathExtension.lowercased()
      let isHTML = HTMLReader.extensions.contains(fileExtension)
      guard isHTML || CorpusScanner.textExtensions.contains(fileExtension), let data = try? Data(contentsOf: entry.url) else { continue }
      let text = ReportFile.decode([UInt8](data), isHTML: isHTML).text
      texts.append(Array(text.utf16))
      textBytes += text.utf8.count
    }
    let breakers = try (0..<threads).map { _ in try WordBreaker() }
    let inputs = texts
    let counts = ResultSlots<Int>(count: threads)
    let started = DispatchTime.now()
    DispatchQueue.concurrentPerform(iterations: threads) { worker in
      var words = 0
      for index in stride(from: worker, to: inputs.count, by: threads) { words += breakers[worker].icuWordCount(utf16: inputs[index]) }
      counts.set(worker, words)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    return Measure(textBytes: textBytes, words: counts.values.reduce(0, +), seconds: seconds)
  }

  /// What one measure segmented, and how fast.
  public struct Measure: Sendable {
    public let textBytes: Int
    public let words: Int
    public let seconds: Double
    /// Megabytes (10⁶ bytes) of UTF-8 text per second.
    public var rate: Double { Double(textBytes) / 1e6 / seconds }
  }
}

/// Times the build's stages before the writer (`CorpusIndexer.analyzeAlone`), for `dsearch bench`.
@_spi(Benchmark)
public enum AnalysisStages {
  /// Seconds to scan, decode, parse, analyze and compress `corpus` on `threads` threads, with
  /// nothing written.
  public static func measure(corpus: URL, threads: Int) throws -> Double {
    try CorpusIndexer.analyzeAlone(corpus: corpus, options: IndexOptions(threads: threads))
  }
}
