"""How good the answers are, against gold sets: the criteria engine (``criteria_gold``), the matcher on
gold patients (``patients_gold``), target antigens (``targets``), and the corpora they read (``corpora``).
Used by the ``*-eval`` commands, the tests and the benchmarks; nothing at run time depends on it (the
matcher's own runtime check is ``matching/evaluate.py``)."""
