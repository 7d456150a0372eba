import Dispatch
import Foundation

/// Measures the raw ICU word segmentation throughput over a corpus — the ceiling indexing can
/// approach — for `dsearch bench`.
@_spi(Benchmark)
public enum SegmentationCeiling {
  /// Decodes every report file under `corpus` (not timed), then segments all the text with
  /// ICU on `threads` threads. Returns the text bytes segmented, the words found and seconds.
  public static func measure(corpus: URL, threads: Int) throws -> Measure {
    var texts: [[UInt8]] = []  // filled before timing starts
    for entry in try CorpusScanner.scan(corpus) {
      let fileExtension = entry.url.pathExtension.lowercased()
      let isHTML = HTMLReader.extensions.contains(fileExtension)
      guard isHTML || CorpusScanner.textExtensions.contains(fileExtension), let data = try? Data(contentsOf: entry.url) else { continue }
      texts.append(Array(ReportFile.decode([UInt8](data), isHTML: isHTML).text.utf8))
    }
    let breakers = try (0..<threads).map { _ in try WordBreaker() }
    let inputs = texts
    let counts = ResultSlots<Int>(count: threads)
    let started = DispatchTime.now()
    DispatchQueue.concurrentPerform(iterations: threads) { worker in
      var words = 0
      for index in stride(from: worker, to: inputs.count, by: threads) { words += breakers[worker].icuWords(inputs[index][...]).count }
      counts.set(worker, words)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    return Measure(textBytes: texts.reduce(0) { $0 + $1.count }, words: counts.values.reduce(0, +), seconds: seconds)
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
