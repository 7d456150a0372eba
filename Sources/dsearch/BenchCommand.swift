import ArgumentParser
@_spi(Benchmark) import DisclosureSearch
import Dispatch
import Foundation

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure index build, index size, memory, query latency and the ICU ceiling in one run.",
    discussion: """
      Builds a fresh index of the corpus (in --index, default a temporary folder), measures \
      ICU's segmentation of the same text before and after the build (the ceiling) and the \
      build's stages before the writer on their own, then runs every query of the query set \
      --rounds times in process (top 10 with snippets) and checks that each round returns the \
      same hits, then times whole `dsearch search` processes. \
      Make large corpora with ../shared/tools/gen_corpus.py --count 10000.
      """)

  @Option(help: "The corpus folder.")
  var corpus: String = "Corpus"

  @Option(help: "Where to build the benchmark index (default: a temporary folder, removed after).")
  var index: String?

  @Option(help: "A file with one query per line (default: a built-in set of typical queries).")
  var queries: String?

  @Option(help: "Timed rounds over the query set.")
  var rounds: Int = 20

  @Option(help: "Worker threads for indexing and the ICU ceiling (default: one per core).")
  var threads: Int?

  @Flag(help: "Also print each query's median latency and hit count, slowest first.")
  var perQuery = false

  @Flag(help: "Only time queries, against the existing index in --index (no build, no update).")
  var queriesOnly = false

  static let defaultQueries = [
    "行政处罚", "行政许可", "政府集中采购", "行政事业性收费", "不予公开", "依申请公开", "信息处理费", "行政复议",
    "行政诉讼", "诉讼", "政府 信息 公开", "主动公开 政府信息", "\"政府信息公开工作\"", "label:行政处罚", "heading:总体情况",
    "行政复议 信息处理费", "依申请公开 NOT 信息处理费", "行政复议 OR 行政诉讼", "罚", "张店区", "交通运输局", "2021年",
    "政务新媒体", "12345", "year:2021 行政处罚", "agency:财政局 行政事业性收费", "section:三 予以公开", "政府网站",
    "保密审查", "规范性文件", "1.属于国家秘密", "（一）予以公开",
  ]

  func validate() throws {
    guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
    if queriesOnly && index == nil { throw ValidationError("--queries-only needs the --index DIR to time") }
  }

  func run() throws {
    if queriesOnly {
      let indexURL = URL(fileURLWithPath: index ?? "")
      try timeQueries(index: indexURL)
      try Self.timeProcesses(index: indexURL)
      return
    }
    let corpusURL = URL(fileURLWithPath: corpus)
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: corpusURL.path, isDirectory: &isFolder), isFolder.boolValue else {
      throw fail("the corpus folder \(corpus) does not exist; pass --corpus DIR")
    }
    let indexURL = index.map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-bench-\(getpid())")
    defer { if index == nil { try? FileManager.default.removeItem(at: indexURL) } }
    let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
    // Every file is read once before anything is timed, so that the build and the ICU ceiling
    // both read from the page cache (on a cold disk the first pass would wait for it).
    let (corpusBytes, readSeconds) = Self.readEveryFile(corpusURL)

    // The ceiling is measured before the build and after it: on a shared machine it drifts
    // from minute to minute by more than the changes a ratio to it should show, and two
    // measures bracket the build. The peak resident size is reset after the first, so that
    // the build's peak is its own, not that of the text the ceiling held.
    let before = try SegmentationCeiling.measure(corpus: corpusURL, threads: threadCount)
    let peakIsOwn = Self.resetPeakResidentBytes()
    let summary: IndexSummary
    do { summary = try DisclosureIndex.build(corpus: corpusURL, index: indexURL, options: IndexOptions(threads: threadCount)) } catch {
      throw fail(error.description)
    }
    let buildPeak = Self.peakResidentBytes()
    let after = try SegmentationCeiling.measure(corpus: corpusURL, threads: threadCount)
    let analysisSeconds = try AnalysisStages.measure(corpus: corpusURL, threads: threadCount)

    let textMB = Double(summary.textBytes) / 1e6
    let corpusMB = Double(corpusBytes) / 1e6
    let buildTextRate = textMB / summary.seconds
    // A rate of text as percentages of the ceiling before and after the build.
    func shares(_ rate: Double) -> [Double] { [before, after].map { 100 * rate / $0.rate } }
    let buildShares = shares(buildTextRate)
    print("corpus:       \(summary.fileCount) files, \(String(format: "%.1f", corpusMB)) MB on disk, \(String(format: "%.1f", textMB)) MB of decoded text, \(summary.reportCount) reports, \(summary.sectionCount) sections")
    print(String(format: "              read once in %.2f s before timing (the build and the ceiling then read from the page cache)", readSeconds))
    print(String(format: "build:        %.2f s on %d threads: %.1f MB/s of files, %.1f MB/s of text; peak RSS %.0f MB%@", summary.seconds, threadCount, corpusMB / summary.seconds, buildTextRate, Double(buildPeak) / 1e6, peakIsOwn ? "" : " (the ceiling's before it included)"))
    print(String(format: "ICU ceiling:  %.1f MB/s of text on %d threads before the build (%d words in %.2f s), %.1f MB/s after (%.2f s); build reaches %.0f%% and %.0f%% of them", before.rate, threadCount, before.words, before.seconds, after.rate, after.seconds, buildShares[0], buildShares[1]))
    // The stages before the writer, alone: a bound on the build's share of the ceiling.
    let analysisRate = textMB / analysisSeconds
    let analysisShares = shares(analysisRate)
    print(String(format: "analysis:     %.2f s alone (decode, parse, analyze, compress; no writer): %.1f MB/s of text, %.0f%% and %.0f%% of the ceiling", analysisSeconds, analysisRate, analysisShares[0], analysisShares[1]))
    print(String(format: "index size:   %.1f MB = %.2f× the corpus files, %.2f× the text", Double(summary.indexBytes) / 1e6, Double(summary.indexBytes) / Double(max(1, corpusBytes)), Double(summary.indexBytes) / Double(max(1, summary.textBytes))))
    try timeQueries(index: indexURL)
    try Self.timeProcesses(index: indexURL)
    let update = try Self.timeUpdate(corpus: corpusURL, index: indexURL, threads: threadCount)
    if let update {
      print(String(format: "update:       one report changed: %.2f s = %.1f%% of the full build (%d files re-indexed)", update.seconds, 100 * update.seconds / summary.seconds, update.changed))
    }
  }

  /// Runs the query set `rounds` times in process (after a warm-up round that fixes the
  /// expected answers) and prints the latency percentiles.
  func timeQueries(index indexURL: URL) throws {
    let queryList: [String]
    if let queries {
      guard let text = try? String(contentsOfFile: queries, encoding: .utf8) else { throw fail("cannot read \(queries)") }
      queryList = text.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    } else {
      queryList = Self.defaultQueries
    }
    let searcher: Searcher
    do { searcher = try Searcher(indexFolder: indexURL) } catch { throw fail(error.description) }
    // Each query as a search runs it (skipping what cannot reach the top 10) and counting
    // every match; both must find the same hits. A round runs every query one way, then
    // every query the other way: both see the same machine, and a search follows other
    // searches, as in a server, rather than a count that has just read whole lists through
    // the caches.
    var expected: [String: [String]] = [:]
    var totals: [String: [String]] = [:]
    var latencies: [[Double]] = [[], []]
    var byQuery: [String: [[Double]]] = [:]
    for round in 0...rounds {
      for (mode, countAll) in [false, true].enumerated() {
        for query in queryList {
          let started = DispatchTime.now()
          let result: SearchResult
          do { result = try searcher.search(query, options: SearchOptions(countAll: countAll)) } catch {
            throw fail("query \(query): \(error.description)")
          }
          let micros = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1000
          let answer = result.hits.map { "\($0.path)#\($0.section_number)" }
          if round == 0 {
            // Warm-up round: the reference answer, and the totals for --per-query.
            if expected[query] == nil { expected[query] = answer }
            totals[query, default: ["", ""]][mode] = "\(result.total_exact ? "" : "≥")\(result.total)"
          } else {
            latencies[mode].append(micros)
            byQuery[query, default: [[], []]][mode].append(micros)
          }
          guard expected[query] == answer else { throw fail("query \(query) returned different hits in round \(round)") }
        }
      }
    }
    for mode in latencies.indices { latencies[mode].sort() }
    func percentiles(_ values: [Double]) -> String {
      String(format: "p50 %.2f ms, p95 %.2f ms, p99 %.2f ms", Self.percentile(values, 0.5) / 1000, Self.percentile(values, 0.95) / 1000, Self.percentile(values, 0.99) / 1000)
    }
    print("queries:      \(queryList.count) queries × \(rounds) rounds, in process, top 10 with snippets: \(percentiles(latencies[0]))")
    print(String(format: "              counting every match instead: %@ (p50 %.1f× the time)", percentiles(latencies[1]), Self.percentile(latencies[1], 0.5) / max(1, Self.percentile(latencies[0], 0.5))))
    if perQuery {
      print("  median ms  counting all     found     total  query (found: ≥ when sections were skipped)")
      let medians = byQuery.map { (query: $0.key, micros: $0.value.map { Self.percentile($0.sorted(), 0.5) }) }
      for (query, micros) in medians.sorted(by: { $0.micros[0] > $1.micros[0] }) {
        let total = totals[query] ?? ["?", "?"]
        print(String(format: "  %9.3f  %12.3f  %8@  %8@  %@", micros[0] / 1000, micros[1] / 1000, total[0], total[1], query))
      }
    }
  }

  /// Copies the corpus, changes one report in the copy and times `update` against it.
  static func timeUpdate(corpus: URL, index: URL, threads: Int) throws -> (seconds: Double, changed: Int)? {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-bench-corpus-\(getpid())")
    try? FileManager.default.removeItem(at: copy)
    try FileManager.default.copyItem(at: corpus, to: copy)
    defer { try? FileManager.default.removeItem(at: copy) }
    guard let enumerator = FileManager.default.enumerator(at: copy, includingPropertiesForKeys: nil),
      let file = enumerator.allObjects.compactMap({ $0 as? URL }).first(where: { $0.pathExtension == "txt" })
    else { return nil }
    let handle = try FileHandle(forWritingTo: file)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("\n六、其他需要报告的事项\n基准测试修改。\n".utf8))
    try handle.close()
    let summary = try DisclosureIndex.update(corpus: copy, index: index, options: IndexOptions(threads: threads))
    return (summary.seconds, summary.changedFileCount)
  }

  static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
  }

  /// Reads every file under `url`: their bytes in all, and the seconds it took.
  static func readEveryFile(_ url: URL) -> (bytes: Int, seconds: Double) {
    let started = DispatchTime.now()
    var total = 0
    if let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) {
      for case let file as URL in enumerator { total += (try? Data(contentsOf: file))?.count ?? 0 }
    }
    return (total, Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
  }

  /// The most memory the process has held at once: Linux's VmHWM (which
  /// `resetPeakResidentBytes` can reset), or else getrusage's high-water mark.
  static func peakResidentBytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
      let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
    {
      return kilobytes * 1024
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
  }

  /// Starts the peak over from the memory held now (writing 5 to /proc/self/clear_refs);
  /// false where that is not possible.
  static func resetPeakResidentBytes() -> Bool {
    guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
    defer { try? handle.close() }
    return (try? handle.write(contentsOf: Data("5".utf8))) != nil
  }

  /// Runs `dsearch search 行政处罚` as whole processes (posix_spawn and waitpid, since
  /// Foundation's Process adds tens of milliseconds of its own) and prints the median wall
  /// time and the largest peak RSS the children report.
  static func timeProcesses(index: URL, runs: Int = 10) throws {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    let report = FileManager.default.temporaryDirectory.appendingPathComponent("dsearch-bench-rss-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: report) }
    var times: [Double] = []
    var peak = 0
    for _ in 0..<runs {
      var actions = posix_spawn_file_actions_t()
      posix_spawn_file_actions_init(&actions)
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 2, report, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      defer { posix_spawn_file_actions_destroy(&actions) }
      let arguments = [executable, "search", "行政处罚", "--index", index.path]
      let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" } + ["DSEARCH_REPORT_PEAK_RSS=1"]
      var argv = arguments.map { strdup($0) } + [nil]
      var envp = environment.map { strdup($0) } + [nil]
      defer { (argv + envp).forEach { free($0) } }
      var pid: pid_t = 0
      let started = DispatchTime.now()
      guard posix_spawn(&pid, executable, &actions, nil, &argv, &envp) == 0 else { throw fail("cannot start \(executable)") }
      var status: Int32 = 0
      waitpid(pid, &status, 0)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6)
      let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
      if let line = text.split(separator: "\n").last(where: { $0.hasPrefix("peak_rss_bytes ") }),
        let bytes = Int(line.dropFirst("peak_rss_bytes ".count))
      {
        peak = max(peak, bytes)
      }
    }
    times.sort()
    print(String(format: "process:      `dsearch search 行政处罚` start to exit: median %.1f ms over %d runs; peak RSS %.0f MB", times[times.count / 2], runs, Double(peak) / 1e6))
  }

}
