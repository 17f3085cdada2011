"""Loads the classes a typical test's Spark job needs (session, Parquet and CSV in and
out, a join, an aggregate, a window), so that the JVM can archive them at exit for the
test suite's later Spark starts (TestSupport's SparkTestJVM).

usage: spark-submit spark_class_warmup.py <work-dir>
"""
import sys

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

work = sys.argv[1]
spark = (SparkSession.builder.appName("medallion-test-class-warmup")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
         .config("spark.sql.session.timeZone", "UTC").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
orders = spark.range(200).select(F.col("id"), (F.col("id") % 5).cast("string").alias("branch"),
                                 F.current_timestamp().alias("at"), F.lit(1.5).cast("decimal(12,2)").alias("amount"))
orders.write.mode("overwrite").partitionBy("branch").parquet(f"file://{work}/orders")
read = spark.read.option("mergeSchema", "true").parquet(f"file://{work}/orders")
latest = read.withColumn("n", F.row_number().over(Window.partitionBy("branch").orderBy(F.col("id").desc())))
joined = latest.where("n = 1").join(read.groupBy("branch").agg(F.count("*").alias("orders"), F.avg("id")), "branch")
joined.coalesce(1).write.mode("overwrite").option("header", "true").csv(f"file://{work}/gold")
spark.read.option("header", "true").csv(f"file://{work}/gold").collect()
spark.stop()
