"""Reads a bronze table over WebHDFS with Spark (Hadoop's own WebHdfsFileSystem client).

usage: spark-submit webhdfs_spark_read.py <webhdfs-lake-url> <table>
Prints RESULT-JSON {"rows": n, "columns": [...], "files": n}
"""
import json
import sys

from pyspark.sql import SparkSession

lake, table = sys.argv[1].rstrip("/"), sys.argv[2]
spark = (SparkSession.builder.appName("webhdfs-read-bronze")
         .config("spark.ui.enabled", "false")
         .config("spark.hadoop.fs.webhdfs.impl.disable.cache", "true")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
frame = spark.read.option("mergeSchema", "true").parquet(f"{lake}/bronze/{table}")
result = {"rows": frame.count(), "columns": frame.columns, "files": len(frame.inputFiles())}
print("RESULT-JSON " + json.dumps(result))
spark.stop()
