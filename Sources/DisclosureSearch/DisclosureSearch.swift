import Foundation

/// Building an index: `DisclosureIndex.build(corpus:index:)`; searching it: `Searcher`;
/// parsing one report without indexing: `ReportFile.parse(contentsOf:)`.
public enum DisclosureIndex {
  /// Rebuilds the index in `index` from every report under `corpus`. The previous index
  /// stays searchable until the new one is committed (an atomic rename of its manifest).
  public static func build(
    corpus: URL, index: URL, options: IndexOptions = IndexOptions(),
    progress: (@Sendable (IndexProgress) -> Void)? = nil
  ) throws(SearchError) -> IndexSummary {
    try CorpusIndexer.build(corpus: corpus, index: index, options: options, progress: progress)
  }

  /// Brings the index in `index` up to date with `corpus`: only reports added, changed (by
  /// content hash) or removed since the last commit are re-indexed, into a new segment, and
  /// their old versions are marked deleted. Searches see the old index or the new one.
  public static func update(
    corpus: URL, index: URL, options: IndexOptions = IndexOptions(),
    progress: (@Sendable (IndexProgress) -> Void)? = nil
  ) throws(SearchError) -> IndexSummary {
    try CorpusIndexer.update(corpus: corpus, index: index, options: options, progress: progress)
  }

  /// Whether `folder` holds an index (a manifest).
  public static func exists(at folder: URL) -> Bool {
    FileManager.default.fileExists(atPath: folder.appendingPathComponent(IndexFolder.manifestName).path)
  }

  /// Verifies every checksum and record of the index; returns the problems (empty if sound).
  public static func check(index folder: URL) -> [String] {
    do {
      let view = try IndexFolder.open(folder)
      _ = try IndexFolder.readState(folder)
      return view.segments.flatMap { $0.verifyAll() }.map(\.description)
    } catch let error as IndexFormatError {
      return [error.description]
    } catch {
      return ["\(error)"]
    }
  }
}

/// Options of an index build.
public struct IndexOptions: Sendable {
  /// Files larger than this many bytes are skipped.
  public var maxFileSize: Int
  /// Worker threads for decoding, parsing and segmentation (nil: one per core).
  public var threads: Int?
  /// Postings (grams' and words') the writer stages before adding them to their lists (a
  /// test sets it low).
  var stagedPostings = IndexBuilder.defaultStagedLimit

  /// Options with a file size limit (default 64 MiB) and a thread count (default: one per core).
  public init(maxFileSize: Int = 64 << 20, threads: Int? = nil) {
    self.maxFileSize = maxFileSize
    self.threads = threads
  }

  /// The worker threads to start: `threads`, or one per core, from 1 to 64.
  var workerCount: Int { max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, 64)) }
}

/// Progress of an index build, reported every 128 files and after the last.
public struct IndexProgress: Sendable {
  /// Files read so far.
  public var filesDone: Int
  /// Files in the corpus.
  public var fileCount: Int
}

/// What an index build did.
public struct IndexSummary: Sendable, Codable {
  /// Files skipped for one reason.
  public struct Skip: Sendable, Codable {
    /// Why ("empty", "binary (NUL bytes), not text" …).
    public var reason: String
    /// How many files.
    public var count: Int
  }
  /// Files found under the corpus folder.
  public var fileCount: Int
  /// Distinct reports indexed (duplicates count once).
  public var reportCount: Int
  /// Sections indexed.
  public var sectionCount: Int
  /// Distinct terms (words and character grams per field).
  public var termCount: Int
  /// Bytes of decoded report text indexed (UTF-8).
  public var textBytes: Int
  /// Bytes of the index's live segment files.
  public var indexBytes: Int
  /// Wall-clock time of the build.
  public var seconds: Double
  /// Files whose text duplicates an earlier file (indexed once, both paths kept).
  public var duplicateCount: Int
  /// Files indexed with warnings (see the log).
  public var warningCount: Int
  /// Files skipped, by reason.
  public var skipped: [Skip]
  /// The per-file log in the index folder.
  public var logPath: String
  /// Segments the index now has (1 after a full build).
  public var segmentCount: Int
  /// Files (re)indexed because they were new or changed, or shared a report with one (update).
  public var changedFileCount: Int
  /// Files gone from the corpus since the last commit (update).
  public var removedFileCount: Int
}
