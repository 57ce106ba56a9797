"""Apache Spark: population-scale prescreening with the local engine's evaluation code (``prescreen``).
Needs the ``spark`` extra (pyspark) and Java; nothing here is imported unless the Spark engine is asked for."""
