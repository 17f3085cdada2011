"""Small file-system helpers over Hadoop's FileSystem API, so the jobs work the same on
file:// and hdfs:// lakes (Python's own file functions only see the local disk)."""
import json
import re
import uuid

# write_atomically's hidden temporary names: .<target name>.<32 hex digits>.tmp
TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{32}\.tmp$")


class LakeFS:
    def __init__(self, spark, root):
        self.spark = spark
        self.root = root.rstrip("/")
        self._jvm = spark.sparkContext._jvm
        self._gateway = spark.sparkContext._gateway
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()
        self._fs = self._path(self.root).getFileSystem(self._conf)
        # Checksum side files (.x.crc) are noise in a local lake; HDFS keeps its own.
        self._fs.setWriteChecksum(False)
        self._fs.setVerifyChecksum(False)

    def uri(self, relative):
        return f"{self.root}/{relative}" if relative else self.root

    def _path(self, uri):
        return self._jvm.org.apache.hadoop.fs.Path(uri)

    def exists(self, relative):
        return self._fs.exists(self._path(self.uri(relative)))

    def glob(self, relative_pattern):
        """Full URIs of the files matching a glob (hidden names never match `part-*`)."""
        statuses = self._fs.globStatus(self._path(self.uri(relative_pattern)))
        return [status.getPath().toString() for status in (statuses or [])]

    def list_dirs(self, relative):
        if not self.exists(relative):
            return []
        return [s.getPath().getName() for s in self._fs.listStatus(self._path(self.uri(relative))) if s.isDirectory()]

    def list_files(self, relative):
        """The names of the files in a directory (empty when it does not exist)."""
        if not self.exists(relative):
            return []
        return sorted(s.getPath().getName() for s in self._fs.listStatus(self._path(self.uri(relative))) if s.isFile())

    def read_json(self, relative):
        """The parsed JSON file, or None when it does not exist."""
        path = self._path(self.uri(relative))
        if not self._fs.exists(path):
            return None
        stream = self._fs.open(path)
        try:
            text = self._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
        finally:
            stream.close()
        return json.loads(text)

    def write_atomically(self, relative, text):
        """Readers see the old file or the whole new one: write a hidden temporary file
        beside the target, then rename it over the target in one step."""
        target = self._path(self.uri(relative))
        parent = target.getParent()
        self._fs.mkdirs(parent)
        temporary = self._path(f"{parent.toString()}/.{target.getName()}.{uuid.uuid4().hex}.tmp")
        out = self._fs.create(temporary, True)
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()
        self.replace(temporary, target)

    def remove_temporaries(self, relative):
        """Removes the temporary files of writes that never finished (a driver killed while
        it wrote) from a directory; returns how many. Only one writer runs at a time (the
        silver writer lease), so none of them can be in use."""
        if not self.exists(relative):
            return 0
        removed = 0
        for status in self._fs.listStatus(self._path(self.uri(relative))):
            if status.isFile() and TEMPORARY.match(status.getPath().getName()):
                self._fs.delete(status.getPath(), False)
                removed += 1
        return removed

    def replace(self, source, target):
        """Renames a file over an existing one atomically (FileSystem.rename will not
        overwrite on HDFS; FileContext.rename with OVERWRITE does, on both)."""
        context = self._jvm.org.apache.hadoop.fs.FileContext.getFileContext(target.toUri(), self._conf)
        rename_options = getattr(self._jvm.org.apache.hadoop.fs, "Options$Rename")
        options = self._gateway.new_array(rename_options, 1)
        options[0] = rename_options.OVERWRITE
        context.rename(source, target, options)

    def rename_dir(self, source_relative, target_relative):
        """Moves a directory into place (the target must not exist)."""
        target = self._path(self.uri(target_relative))
        self._fs.mkdirs(target.getParent())
        if not self._fs.rename(self._path(self.uri(source_relative)), target):
            raise IOError(f"cannot rename {source_relative} to {target_relative}")

    def delete(self, relative):
        self._fs.delete(self._path(self.uri(relative)), True)


def write_json(lake, relative, value):
    lake.write_atomically(relative, json.dumps(value, sort_keys=True, indent=1) + "\n")


def spark_session(app_name):
    """The session the jobs share. The master comes from spark-submit or the cluster."""
    from pyspark.sql import SparkSession
    return (SparkSession.builder.appName(app_name)
            # Dates of partitions and of gold are UTC dates.
            .config("spark.sql.session.timeZone", "UTC")
            # Micro-batches are small: the default 200 shuffle partitions only add
            # scheduling overhead to every job.
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
            # The warm driver keeps silver as local checkpoints that each run builds on;
            # each carries its origin's constraints, so the optimizer's constraint sets
            # would grow with every run (and double where a table is used twice).
            .config("spark.sql.constraintPropagation.enabled", "false")
            # A run reads the bronze files of every batch since the last one, often
            # hundreds; past 32 paths Spark lists them with a Spark job of its own,
            # which costs far more than listing them here.
            .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
            # The warm driver runs the same plans every few seconds, but Spark's cache of
            # compiled code (100 classes by default) is smaller than one silver+gold run
            # needs: every run compiled its 40-90 classes again (0.3-0.5 s a run here).
            .config("spark.sql.codegen.cache.maxEntries", "500")
            .config("spark.ui.enabled", "false")
            .getOrCreate())
