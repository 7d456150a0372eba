#!/usr/bin/env python3
"""Compare dsearch with SQLite FTS5 (trigram) and Tantivy (ICU words; character bigrams) on one corpus.

Usage: python3 Benchmarks/peers.py --corpus DIR [--dsearch PATH] [--queries FILE]

Installs its own packages (tantivy and pyicu, from PyPI; pyicu compiles against libicu-dev)
in .build-peers/venv and re-runs itself there.
Every engine indexes the same decoded, NFKC-folded, lower-cased report texts (one document
per report file); recall is measured against a brute-force scan of those texts, per query,
over whole reports. Latency is the median and p95 over 5 runs of each query, top 10, in
process for SQLite and Tantivy, and dsearch's own in-process `took_us`. Every engine answers
as dsearch does: its 10 best by BM25 (FTS5's `rank`, Tantivy's score), each with a snippet
(FTS5's `snippet()`, Tantivy's `SnippetGenerator` over the stored text, which its index
then keeps as dsearch's and FTS5's do). Prints a Markdown table with ratios against
dsearch, all from this run.
"""
import argparse
import html.parser
import json
import os
import pathlib
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / ".build-peers" / "venv"
QUERIES = ["行政处罚", "行政许可", "政府集中采购", "不予公开", "依申请公开", "信息处理费", "行政复议", "诉讼",
           "政务新媒体", "张店区", "交通运输局", "12345", "保密审查", "规范性文件", "政府网站", "罚", "2021年",
           "本年新收政府信息公开申请数量", "政府信息", "公开"]


PACKAGES = ["tantivy", "pyicu"]


def ensure_venv():
    if pathlib.Path(sys.prefix) == VENV:
        return
    marker = VENV / "installed-packages"
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if not marker.exists() or marker.read_text().split() != PACKAGES:
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet"] + PACKAGES, check=True)
        marker.write_text(" ".join(PACKAGES))
    os.execv(str(VENV / "bin" / "python"), [str(VENV / "bin" / "python")] + sys.argv)


class TextExtractor(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def decode(raw):
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        try:
            if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                continue
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", errors="replace")


def load(corpus):
    docs = []
    for path in sorted(p for p in pathlib.Path(corpus).rglob("*") if p.is_file()):
        text = decode(path.read_bytes())
        if path.suffix.lower() in (".html", ".htm", ".shtml"):
            extractor = TextExtractor()
            extractor.feed(text)
            text = "\n".join(extractor.parts)
        docs.append((str(path.relative_to(corpus)), unicodedata.normalize("NFKC", text).lower()))
    return docs


def folder_bytes(path):
    return sum(p.stat().st_size for p in pathlib.Path(path).rglob("*") if p.is_file())


def timed(function, runs=5):
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return result, times


def run_sqlite(docs, queries, work):
    path = os.path.join(work, "fts5.db")
    start = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='trigram')")
    db.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", [(i, text) for i, (_, text) in enumerate(docs)])
    db.commit()
    build = time.perf_counter() - start
    found, latencies = {}, []
    for query in queries:
        if len(query) >= 3:
            argument = '"' + query + '"'
            every = "SELECT rowid FROM t WHERE t MATCH ?"
            best = "SELECT rowid, snippet(t, 0, '[', ']', '…', 24) FROM t WHERE t MATCH ? ORDER BY rank LIMIT 10"
        else:  # trigrams cannot match 1–2 characters (MATCH finds nothing then): scan the table, unranked
            argument = query
            every = "SELECT rowid FROM t WHERE instr(body, ?1) > 0"
            best = ("SELECT rowid, substr(body, max(1, instr(body, ?1) - 24), 50) FROM t"
                    " WHERE instr(body, ?1) > 0 LIMIT 10")
        rows, _ = timed(lambda: db.execute(every, (argument,)).fetchall(), runs=1)
        _, top = timed(lambda: db.execute(best, (argument,)).fetchall())
        found[query] = {docs[r[0]][0] for r in rows}
        latencies += top
    db.close()
    return build, os.path.getsize(path), found, latencies


def icu_words(text, breaker):
    """ICU's word segmentation (locale zh) of text, words only (no spaces or punctuation)."""
    import icu
    string = icu.UnicodeString(text)
    breaker.setText(string)
    words, start = [], breaker.first()
    for end in breaker:
        if breaker.getRuleStatus() != 0:  # UBRK_WORD_NONE: spaces and punctuation
            words.append(str(string[start:end]))
        start = end
    return words


def run_tantivy(docs, queries, work, words):
    """Tantivy over character bigrams, or with words, over ICU words joined by spaces (the
    segmentation, like dsearch's analysis, is part of the timed build)."""
    import tantivy
    import icu
    breaker = icu.BreakIterator.createWordInstance(icu.Locale("zh"))
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("path", stored=True)
    builder.add_text_field("body", stored=True, tokenizer_name="words" if words else "bigram")
    schema = builder.build()
    folder = os.path.join(work, "tantivy-words" if words else "tantivy")
    os.makedirs(folder)
    index = tantivy.Index(schema, path=folder)
    tokenizer = tantivy.Tokenizer.whitespace() if words else tantivy.Tokenizer.ngram(2, 2, False)
    index.register_tokenizer("words" if words else "bigram", tantivy.TextAnalyzerBuilder(tokenizer).build())
    start = time.perf_counter()
    writer = index.writer()
    for path, text in docs:
        body = " ".join(icu_words(text, breaker)) if words else text
        writer.add_document(tantivy.Document(path=path, body=body))
    writer.commit()
    writer.wait_merging_threads()
    build = time.perf_counter() - start
    index.reload()
    searcher = index.searcher()
    found, latencies = {}, []
    for query in queries:
        terms = " ".join(icu_words(query, breaker)) if words else query
        parsed = index.parse_query('"' + terms + '"', ["body"])
        result, _ = timed(lambda: searcher.search(parsed, len(docs)), runs=1)

        def best():
            snippets = tantivy.SnippetGenerator.create(searcher, parsed, schema, "body")
            return [snippets.snippet_from_doc(searcher.doc(address)).to_html()
                    for _, address in searcher.search(parsed, 10).hits]
        _, top = timed(best)
        found[query] = {searcher.doc(address)["path"][0] for _, address in result.hits}
        latencies += top
    return build, folder_bytes(folder), found, latencies


def run_dsearch(binary, corpus, queries, work):
    folder = os.path.join(work, "dsearch")
    start = time.perf_counter()
    subprocess.run([binary, "index", "--corpus", corpus, "--index", folder], check=True, capture_output=True)
    build = time.perf_counter() - start
    query_file = os.path.join(work, "queries.txt")
    with open(query_file, "w") as out:
        out.write("\n".join('"' + q + '"' for q in queries) + "\n")
    latencies = []
    for _ in range(5):
        lines = subprocess.run([binary, "search", "--queries", query_file, "--index", folder, "--limit", "10"],
                               check=True, capture_output=True, text=True).stdout.splitlines()
        latencies += [json.loads(line)["took_us"] / 1000 for line in lines]
    lines = subprocess.run([binary, "search", "--queries", query_file, "--index", folder, "--limit", "1000000"],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    found = {}
    for query, line in zip(queries, lines):
        hits = json.loads(line)["hits"]
        found[query] = {path for hit in hits for path in [hit["path"]] + hit["other_paths"]}
    return build, folder_bytes(folder), found, latencies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--dsearch", default=str(ROOT / ".build" / "release" / "dsearch"))
    parser.add_argument("--queries")
    arguments = parser.parse_args()
    queries = QUERIES
    if arguments.queries:
        queries = [q.strip() for q in open(arguments.queries, encoding="utf-8") if q.strip()]
    queries = [unicodedata.normalize("NFKC", q).lower() for q in queries]
    docs = load(arguments.corpus)
    corpus_bytes = folder_bytes(arguments.corpus)
    truth = {q: {path for path, text in docs if q in text} for q in queries}
    results = {}
    with tempfile.TemporaryDirectory() as work:
        results["dsearch"] = run_dsearch(arguments.dsearch, arguments.corpus, queries, work)
        results["SQLite FTS5 trigram"] = run_sqlite(docs, queries, work)
        results["Tantivy ICU words"] = run_tantivy(docs, queries, work, words=True)
        results["Tantivy bigram"] = run_tantivy(docs, queries, work, words=False)
    base_build, base_size, _, base_latency = results["dsearch"]
    base_p50 = statistics.median(base_latency)
    print(f"{len(docs)} files, {corpus_bytes / 1e6:.1f} MB, {len(queries)} queries; ratios are engine / dsearch\n")
    print("| engine | build s (ratio) | MB/s of files | index × corpus | p50 ms (ratio) | p95 ms | recall |")
    print("|---|---|---|---|---|---|---|")
    for name, (build, size, found, latency) in results.items():
        expected = sum(len(truth[q]) for q in queries)
        recalled = sum(len(truth[q] & found[q]) for q in queries)
        p50 = statistics.median(latency)
        p95 = sorted(latency)[int(len(latency) * 0.95) - 1]
        print(f"| {name} | {build:.2f} ({build / base_build:.2f}×) | {corpus_bytes / 1e6 / build:.1f} | "
              f"{size / corpus_bytes:.2f} | {p50:.2f} ({p50 / base_p50:.2f}×) | {p95:.2f} | {recalled / max(1, expected):.1%} |")


if __name__ == "__main__":
    ensure_venv()
    main()
