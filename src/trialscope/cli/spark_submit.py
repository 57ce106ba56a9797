"""The prescreen as a Spark application, for ``spark-submit`` (the cluster's master, resources and
environment come from spark-submit; the arguments are those of ``trialscope prescreen``):

    spark-submit --master yarn --archives trialscope-env.tar.gz#env \\
        --conf spark.pyspark.python=./env/bin/python \\
        "$(python -c 'import trialscope.cli.spark_submit as m; print(m.__file__)')" \\
        --all-open hdfs:///exports/patients.jsonl --output hdfs:///prescreen/results.parquet \\
        --db postgresql://trialscope@db.example.org/trialscope
"""

from __future__ import annotations

import sys


def main() -> None:
    from trialscope.cli import app

    app(["prescreen", *sys.argv[1:], "--engine", "spark", "--spark-master", ""], prog_name="trialscope prescreen")


if __name__ == "__main__":
    main()
