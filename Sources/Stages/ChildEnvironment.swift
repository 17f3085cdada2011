/// What a Spark child inherits of the daemon's environment: an allow-list of what Spark,
/// the JVM and Python need to start and find each other. Everything else stays behind:
/// the DSN, `PGPASSWORD` and every other libpq variable, `MEDALLION_HDFS_TOKEN` and the
/// daemon's other settings. The jobs read no variable of their own (they get the lake on
/// their command line), so none of `MEDALLION_*` is passed on; the runner adds the few
/// it sets itself (`SPARK_LOCAL_IP`, `PYSPARK_PYTHON`, the group marker).
enum ChildEnvironment {
    /// Names passed on as they are.
    static let names: Set<String> = [
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR",
        "JAVA_HOME", "JAVA_TOOL_OPTIONS", "HADOOP_CONF_DIR", "HADOOP_HOME", "HADOOP_USER_NAME", "YARN_CONF_DIR",
    ]
    /// Prefixes of names passed on: Spark's and PySpark's settings, the locale.
    static let prefixes = ["SPARK_", "PYSPARK_", "LC_"]

    /// The allowed part of `environment`.
    static func allowed(_ environment: [String: String]) -> [String: String] {
        environment.filter { name, _ in names.contains(name) || prefixes.contains { name.hasPrefix($0) } }
    }
}
