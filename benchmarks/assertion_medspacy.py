"""medspaCy's ConText with its default English rules, for ``assertion_benchmark.py``.

Runs inside the separate venv that has medspaCy (it pins spaCy 3.7.5 and numpy 1.26, which the project does
not take on), never in the project's own environment. Reads a JSON list of ``[text, start, end]`` on stdin
(the finding's character span in the text), writes one JSON object per finding on stdout: ``negated``,
``historical``, ``hypothetical``, ``family``, ``uncertain``, and ``seconds`` for the whole run (the pipeline
built beforehand). Sentences are split by spaCy's plain sentencizer (medspaCy's PyRuSH is about 9 times
slower and logs every document), the rest is medspaCy's default ConText.
"""

from __future__ import annotations

import json
import sys
import time

import medspacy  # type: ignore[import-not-found]


def main() -> None:
    items = json.load(sys.stdin)
    nlp = medspacy.load(medspacy_enable=["medspacy_tokenizer", "medspacy_context"])
    nlp.add_pipe("sentencizer", first=True)
    context = nlp.get_pipe("medspacy_context")
    started = time.perf_counter()
    out = []
    for text, start, end in items:
        doc = nlp.make_doc(text)
        for name, proc in nlp.pipeline:
            if name == "medspacy_context":
                break
            doc = proc(doc)
        span = doc.char_span(start, end, label="FINDING", alignment_mode="expand")
        doc.ents = [span] if span is not None else []
        doc = context(doc)
        ent = doc.ents[0] if doc.ents else None
        out.append(
            {
                "negated": bool(ent is not None and ent._.is_negated),
                "historical": bool(ent is not None and ent._.is_historical),
                "hypothetical": bool(ent is not None and ent._.is_hypothetical),
                "family": bool(ent is not None and ent._.is_family),
                "uncertain": bool(ent is not None and ent._.is_uncertain),
            }
        )
    json.dump({"seconds": time.perf_counter() - started, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
