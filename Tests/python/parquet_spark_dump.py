"""Reads Parquet files with Spark (one session for all files) and writes canonical values as JSON.

usage: spark-submit parquet_spark_dump.py OUT.json FILE...
Spark 4.0 cannot infer a schema for UUID columns (PARQUET_TYPE_ILLEGAL), so files with
UUID columns are read with an explicit schema that maps them to BinaryType.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parquet_canonical as canon  # noqa: E402

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ImportError as error:
    print(f"missing Python module: {error.name}: run scripts/setup", file=sys.stderr)
    sys.exit(3)


def spark_type(typ):
    if isinstance(typ, pa.BaseExtensionType):
        if typ.extension_name == "arrow.uuid":
            return T.BinaryType()
        typ = typ.storage_type
    if pa.types.is_boolean(typ):
        return T.BooleanType()
    if pa.types.is_int8(typ):
        return T.ByteType()
    if pa.types.is_int16(typ):
        return T.ShortType()
    if pa.types.is_int32(typ):
        return T.IntegerType()
    if pa.types.is_int64(typ):
        return T.LongType()
    if pa.types.is_float32(typ):
        return T.FloatType()
    if pa.types.is_float64(typ):
        return T.DoubleType()
    if pa.types.is_string(typ):
        return T.StringType()
    if pa.types.is_binary(typ) or pa.types.is_fixed_size_binary(typ):
        return T.BinaryType()
    if pa.types.is_date32(typ):
        return T.DateType()
    if pa.types.is_timestamp(typ):
        return T.TimestampType() if typ.tz else T.TimestampNTZType()
    if pa.types.is_decimal(typ):
        return T.DecimalType(typ.precision, typ.scale)
    raise TypeError(f"no Spark type for {typ}")


def explicit_schema(path):
    schema = pq.read_schema(path)
    if not any(isinstance(f.type, pa.BaseExtensionType) and f.type.extension_name == "arrow.uuid" for f in schema):
        return None
    return T.StructType([T.StructField(f.name, spark_type(f.type), f.nullable) for f in schema])


def read(spark, path):
    schema = explicit_schema(path)
    reader = spark.read.schema(schema) if schema is not None else spark.read
    df = reader.parquet(path)
    exprs, converters = [], []
    for field in df.schema.fields:
        col = F.col(f"`{field.name}`")
        t = field.dataType
        if isinstance(t, T.TimestampType):
            exprs.append(F.unix_micros(col))
            converters.append(canon.integer)
        elif isinstance(t, T.TimestampNTZType):
            exprs.append(F.unix_micros(col.cast("timestamp")))  # session time zone is UTC
            converters.append(canon.integer)
        elif isinstance(t, T.DateType):
            exprs.append(F.unix_date(col))
            converters.append(canon.integer)
        elif isinstance(t, T.DecimalType):
            exprs.append(col.cast("string"))
            converters.append(lambda v, s=t.scale: canon.decimal(v, s))
        elif isinstance(t, T.FloatType):
            exprs.append(col)
            converters.append(canon.float32)
        elif isinstance(t, T.DoubleType):
            exprs.append(col)
            converters.append(canon.float64)
        elif isinstance(t, T.BinaryType):
            exprs.append(col)
            converters.append(canon.binary)
        elif isinstance(t, T.StringType):
            exprs.append(col)
            converters.append(canon.text)
        elif isinstance(t, T.BooleanType):
            exprs.append(col)
            converters.append(canon.boolean)
        elif isinstance(t, (T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
            exprs.append(col)
            converters.append(canon.integer)
        else:
            raise TypeError(f"unexpected Spark type {t} for {field.name}")
    rows = df.select(*exprs).collect()
    columns = {}
    for i, field in enumerate(df.schema.fields):
        columns[field.name] = [converters[i](row[i]) for row in rows]
    return {"columns": columns, "types": {f.name: f.dataType.simpleString() for f in df.schema.fields}}


def main():
    out_path, paths = sys.argv[1], sys.argv[2:]
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # Files from writers other than Spark carry no calendar marker; they are proleptic Gregorian.
        .config("spark.sql.parquet.datetimeRebaseModeInRead", "CORRECTED")
        .config("spark.sql.parquet.int96RebaseModeInRead", "CORRECTED")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    result = {path: read(spark, path) for path in paths}
    with open(out_path, "w") as f:
        json.dump(result, f)
    spark.stop()


if __name__ == "__main__":
    main()
