#!/usr/bin/env python3
"""Chinese search (issue 34): CJK bigrams (what trialscope ships) against a word segmenter (jieba), and against
the code before Chinese was read (run separately: --before).

1. The demo catalogue indexed each way: build time and size on disk.
2. Chinese queries over it, each way: hits, words named as matching nothing, median latency (run_search as the
   pages call it, facets included; each query repeated, the first run not counted).
3. Chinese text found by a Chinese word: every Chinese message of the interface (zh_Hans messages.po, real
   sentences about trials) indexed each way, searched for every Chinese form of the synonym table; the truth
   is "the message contains the word". Recall and precision per way.

    .venv/bin/pip install jieba        # only for this comparison; trialscope does not depend on it
    .venv/bin/python benchmarks/chinese_search_benchmark.py
    .venv/bin/python benchmarks/chinese_search_benchmark.py --before   # with PYTHONPATH=<src of the code before>
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import tantivy  # noqa: E402

from trialscope.demo import load_demo  # noqa: E402
from trialscope.search import SearchIndex, SearchQuery, run_search  # noqa: E402
from trialscope.store.trial_store import TrialStore  # noqa: E402

QUERIES = [
    "急性髓系白血病",
    "急性髓细胞白血病",
    "急性非淋巴细胞白血病",
    "复发难治急性髓系白血病",
    "CAR-T 白血病",
    "CD7 白血病",
    "CD7白血病",
    "嵌合抗原受体T细胞",
    "靶向CD7",
    "CLL1 CAR-T 异基因造血干细胞移植",
    "供者来源 CD117",
    "多发性骨髓瘤 BCMA",
    "弥漫大B细胞淋巴瘤 CD19",
    "骨髓增生异常综合征",
    "移植物抗宿主病",
    "细胞因子释放综合征",
    "急性淋巴细胞白血病 儿童",
    "T细胞急性淋巴细胞白血病 CD7",
    "复发 难治 淋巴瘤",
    "维奈克拉 阿扎胞苷",
    "招募中 急性髓系白血病",
    "实体瘤 CAR-T",
    "我想找 CAR-T 临床试验",
    "急性髓系白血病 杭州",
    "父亲 急性髓系白血病",
    "白血病 新药",
    "人民医院",
    "湛江中心人民医院",
]


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@contextmanager
def jieba_everywhere() -> Iterator[None]:
    """Chinese as jieba's words instead of bigrams: in the index, in query phrases, and in reading a query (the
    table's forms added to jieba's dictionary, each word of jieba's looked up in the table)."""
    import jieba

    from trialscope.search import chinese, documents, synonyms
    from trialscope.search.chinese import HAN, Piece, chinese_table

    jieba.setLogLevel(60)
    table = chinese_table()
    forms: dict[str, Any] = {}
    for entry in table.entries:
        for form in entry.forms:
            jieba.add_word(form, freq=100000)
            forms[form.lower()] = entry

    def words(text: str) -> str:
        return HAN.sub(lambda m: " " + " ".join(jieba.cut(m.group())) + " ", text)

    def phrase(text: str) -> str:
        return '"' + " ".join(words(text).replace('"', " ").split()) + '"'

    def pieces(self: Any, text: str) -> list[Any]:
        out: list[Any] = []
        for word in jieba.cut(text):
            word = word.strip(" ，。、；：（）")
            if not word:
                continue
            entry = forms.get(word.lower())
            if entry is not None:
                out.append(Piece(word, "entry", entry))
            else:
                out.extend(chinese._between(word))
        return out

    saved = (chinese.with_bigrams, documents.with_bigrams, synonyms.bigram_phrase, type(table).pieces)
    chinese.with_bigrams = words  # type: ignore[assignment]
    documents.with_bigrams = words  # type: ignore[assignment]
    synonyms.bigram_phrase = phrase  # type: ignore[assignment]
    type(table).pieces = pieces  # type: ignore[method-assign]
    try:
        yield
    finally:
        chinese.with_bigrams, documents.with_bigrams, synonyms.bigram_phrase, type(table).pieces = saved  # type: ignore[method-assign]


def _measure(index: SearchIndex, repeat: int) -> list[tuple[str, int, list[str], float]]:
    rows = []
    for text in QUERIES:
        times = []
        results = None
        for n in range(repeat + 1):
            index.results_cache.clear()
            started = time.perf_counter()
            results = run_search(index, SearchQuery(text=text))
            if n:
                times.append((time.perf_counter() - started) * 1000)
        assert results is not None
        rows.append((text, results.total, list(getattr(results, "unmatched", [])), statistics.median(times)))
    return rows


def _catalogue(store: TrialStore, folder: Path, name: str, repeat: int, builds: int) -> dict[str, Any]:
    """Index the catalogue ``builds`` times (the first also reads the gazetteer: the median of the others is
    the build time), then run the queries."""
    times = []
    for n in range(builds):
        path = folder / f"{name}-{n}"
        index = SearchIndex(store, path)
        started = time.perf_counter()
        index.rebuild(workers=0)
        times.append(time.perf_counter() - started)
    later = times[1:] or times
    return {
        "build_s": statistics.median(later),
        "first_s": times[0],
        "size": _dir_size(path),
        "queries": _measure(index, repeat),
    }


def _po_texts() -> list[str]:
    from babel.messages.pofile import read_po

    path = HERE.parent / "src/trialscope/web/locales/zh_Hans/LC_MESSAGES/messages.po"
    with path.open("rb") as po:
        catalogue = read_po(po)
    texts = []
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        texts.extend(s for s in strings if s and any("\u4e00" <= c <= "\u9fff" for c in s))
    return texts


def _recall(
    cut: Callable[[str], str], phrase: Callable[[str], str], texts: list[str], words: list[str]
) -> dict[str, Any]:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("n", stored=True, indexed=True)
    builder.add_text_field("text", tokenizer_name="default")
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    started = time.perf_counter()
    for n, text in enumerate(texts):
        writer.add_document(tantivy.Document(n=n, text=cut(text)))
    writer.commit()
    indexed = time.perf_counter() - started
    index.reload()
    searcher = index.searcher()
    truth_total = found_total = right_total = 0
    missed: list[str] = []
    for word in words:
        truth = {n for n, text in enumerate(texts) if word in text}
        query = index.parse_query(phrase(word), ["text"])
        hits = searcher.search(query, len(texts) or 1).hits
        found = {searcher.doc(address)["n"][0] for _score, address in hits}
        truth_total += len(truth)
        found_total += len(found)
        right_total += len(found & truth)
        if truth - found:
            example = texts[min(truth - found)]
            at = example.index(word)
            missed.append(f"{word} in “{example[max(0, at - 6) : at + len(word) + 6]}”")
    return {
        "missed": missed,
        "recall": right_total / truth_total if truth_total else 1.0,
        "precision": right_total / found_total if found_total else 1.0,
        "truth": truth_total,
        "index_ms": indexed * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--builds", type=int, default=4, help="index builds per way (the first reads the gazetteer)")
    parser.add_argument("--before", action="store_true", help="the code on PYTHONPATH has no Chinese reading")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with TrialStore.open(f"sqlite:///{folder / 'trials.db'}") as store:
            load_demo(store)
            ways: dict[str, dict[str, Any]] = {}
            if args.before:
                ways["before"] = _catalogue(store, folder, "before", args.repeat, args.builds)
            else:
                ways["bigrams"] = _catalogue(store, folder, "bigrams", args.repeat, args.builds)
                with jieba_everywhere():
                    ways["jieba"] = _catalogue(store, folder, "jieba", args.repeat, args.builds)
    print("## the demo catalogue (2,290 trials)")
    for name, way in ways.items():
        print(
            f"{name:8} index build {way['build_s']:.1f} s (median after the first, which took {way['first_s']:.1f} s), "
            f"{way['size'] / 1e6:.2f} MB on disk"
        )
    print()
    names = list(ways)
    print("| query | " + " | ".join(f"{n}: hits (words matching nothing) | {n}: ms" for n in names) + " |")
    print("|---|" + "---:|---:|" * len(names))
    for i, text in enumerate(QUERIES):
        cells = []
        for name in names:
            _text, total, unmatched, ms = ways[name]["queries"][i]
            cells.append(f"{total:,}" + (f" ({', '.join(unmatched)})" if unmatched else ""))
            cells.append(f"{ms:.1f}")
        print(f"| {text} | " + " | ".join(cells) + " |")
    for name in names:
        times = [row[3] for row in ways[name]["queries"]]
        print(f"{name}: median latency {statistics.median(times):.1f} ms over {len(times)} queries")
    if args.before:
        return
    from trialscope.search.chinese import HAN, bigram_phrase, chinese_table, with_bigrams

    texts = _po_texts()
    words = sorted(  # words of two characters or more (the single ones are common words, never searched)
        {f for e in chinese_table().entries for f in e.forms if len(f) > 1 and HAN.fullmatch(f)}
    )
    print()
    print(f"## Chinese text: {len(texts):,} Chinese messages of the interface, {len(words)} Chinese words of the table")
    bigram = _recall(with_bigrams, bigram_phrase, texts, words)
    with jieba_everywhere():
        from trialscope.search import chinese, synonyms

        segmented = _recall(chinese.with_bigrams, synonyms.bigram_phrase, texts, words)
    for name, figures in (("bigrams", bigram), ("jieba", segmented)):
        print(
            f"{name:8} recall {figures['recall']:.3f}, precision {figures['precision']:.3f} "
            f"({figures['truth']:,} messages hold one of the words; indexed in {figures['index_ms']:.0f} ms)"
        )
        for example in figures["missed"][:8]:
            print(f"    missed: {example}")


if __name__ == "__main__":
    main()
