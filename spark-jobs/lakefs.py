"""Small file-system helpers over Hadoop's FileSystem API, so the jobs work the same on
file:// and hdfs:// lakes (Python's own file functions only see the local disk). On a
local lake the small operations (state files, listings) use Python's own instead: each
call into the JVM costs a round trip, and a run makes dozens."""
import json
import os
import re
import shutil
import uuid

# write_atomically's hidden temporary names: .<target name>.<32 hex digits>.tmp
TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{32}\.tmp$")


class LakeFS:
    def __init__(self, spark, root):
        self.spark = spark
        self.root = root.rstrip("/")
        self.local = self.root[len("file://"):] if self.root.startswith("file:///") else None

    def __getattr__(self, name):
        # The JVM side on first use: a run that needs no Spark never starts it (driver.py).
        if name not in ("_jvm", "_gateway", "_conf", "_fs"):
            raise AttributeError(name)
        context = self.spark.sparkContext
        self._jvm, self._gateway = context._jvm, context._gateway
        self._conf = context._jsc.hadoopConfiguration()
        self._fs = self._path(self.root).getFileSystem(self._conf)
        # Checksum side files (.x.crc) are noise in a local lake; HDFS keeps its own.
        self._fs.setWriteChecksum(False)
        self._fs.setVerifyChecksum(False)
        return getattr(self, name)

    def uri(self, relative):
        return f"{self.root}/{relative}" if relative else self.root

    def _path(self, uri):
        return self._jvm.org.apache.hadoop.fs.Path(uri)

    def _local(self, relative):
        return f"{self.local}/{relative}" if relative else self.local

    def exists(self, relative):
        if self.local is not None:
            return os.path.exists(self._local(relative))
        return self._fs.exists(self._path(self.uri(relative)))

    def glob(self, relative_pattern):
        """Full URIs of the files matching a glob (hidden names never match `part-*`)."""
        statuses = self._fs.globStatus(self._path(self.uri(relative_pattern)))
        return [status.getPath().toString() for status in (statuses or [])]

    def list_dirs(self, relative):
        if self.local is not None:
            return sorted(entry.name for entry in self._entries(relative) if entry.is_dir())
        if not self.exists(relative):
            return []
        return [s.getPath().getName() for s in self._fs.listStatus(self._path(self.uri(relative))) if s.isDirectory()]

    def list_files(self, relative):
        """The names of the files in a directory (empty when it does not exist)."""
        if self.local is not None:
            return sorted(entry.name for entry in self._entries(relative) if entry.is_file())
        if not self.exists(relative):
            return []
        return sorted(s.getPath().getName() for s in self._fs.listStatus(self._path(self.uri(relative))) if s.isFile())

    def _entries(self, relative):
        try:
            with os.scandir(self._local(relative)) as entries:
                return list(entries)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def read_json(self, relative):
        """The parsed JSON file, or None when it does not exist."""
        if self.local is not None:
            try:
                with open(self._local(relative), encoding="utf-8") as handle:
                    return json.load(handle)
            except FileNotFoundError:
                return None
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
        if self.local is not None:
            target = self._local(relative)
            parent, name = os.path.split(target)
            os.makedirs(parent, exist_ok=True)
            temporary = f"{parent}/.{name}.{uuid.uuid4().hex}.tmp"
            with open(temporary, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, target)
            return
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
        if self.local is not None:
            # A directory too: silver's light path stages a partition in one (light.py).
            doomed = [entry for entry in self._entries(relative) if TEMPORARY.match(entry.name)]
            for entry in doomed:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.remove(entry.path)
            return len(doomed)
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
        if self.local is not None:
            path = self._local(relative)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            elif os.path.lexists(path):
                os.remove(path)
            return
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
