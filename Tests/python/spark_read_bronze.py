"""Reads a bronze table with Spark (mergeSchema) and prints what it sees as JSON.

usage: spark-submit spark_read_bronze.py <lake-dir> <table> <column>
Prints {"rows": n, "columns": [...], "non_null": <non-null count of column>}
"""
import json
import sys

from pyspark.sql import SparkSession

lake, table, column = sys.argv[1], sys.argv[2], sys.argv[3]
spark = SparkSession.builder.appName("read-bronze").config("spark.ui.enabled", "false").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
frame = spark.read.option("mergeSchema", "true").parquet(f"file://{lake}/bronze/{table}")
result = {
    "rows": frame.count(),
    "columns": frame.columns,
    "non_null": frame.where(frame[column].isNotNull()).count(),
}
print("RESULT-JSON " + json.dumps(result))
spark.stop()
