"""The lake's shared names, as the Spark jobs use them. Sources/LakeContract (LakePaths)
holds the same for the daemon, the dashboard and `status`; LakeContractTests runs this
module and keeps the two in step."""

BRONZE_BOOKMARK = "bronze/bookmark"
BRONZE_COMMITS = "bronze/_cdc/commits"  # one JSON record per committed batch, naming its files
SILVER_BOOKMARK = "silver/_state/bookmark.json"
SILVER_CHANGES = "silver/_state/changes"  # what each silver run changed, for gold
GOLD_MARKER = "gold/_marker.json"
GOLD_BRANCH_METRICS = "gold/branch_metrics.json"
GOLD_BRANCH_DAILY = "gold/branch_daily.json"
GOLD_BRANCH_METRICS_CSV = "gold/branch_metrics"
STAGE_RESULTS = "gold/_state/results"  # a one-shot driver's run result, read by the standalone runner


def commit_record(batch):
    return f"{BRONZE_COMMITS}/{batch:020d}.json"


def is_result_name(name):
    return 0 < len(name) <= 64 and all(c.isascii() and (c.isalnum() or c == "-") for c in name)


def stage_result(name):
    return f"{STAGE_RESULTS}/{name}.json"


def bronze_file_name(batch, index):
    """A bronze data file's name: part-<batch, 20 digits>-<index, 4 digits>.parquet."""
    return f"part-{batch:020d}-{index:04d}.parquet"


def batch_of_file(name):
    """The batch number in a bronze file name, or None."""
    if not (name.startswith("part-") and name.endswith(".parquet")) or not name[5:25].isdigit():
        return None
    return int(name[5:25])


if __name__ == "__main__":
    import json
    print(json.dumps({
        "bronzeBookmark": BRONZE_BOOKMARK, "bronzeCommits": BRONZE_COMMITS, "silverBookmark": SILVER_BOOKMARK,
        "silverChanges": SILVER_CHANGES, "goldMarker": GOLD_MARKER, "goldBranchMetrics": GOLD_BRANCH_METRICS,
        "goldBranchDaily": GOLD_BRANCH_DAILY, "goldBranchMetricsCSV": GOLD_BRANCH_METRICS_CSV,
        "stageResults": STAGE_RESULTS, "stageResult(run-1)": stage_result("run-1"),
        "isResultName(run-1)": is_result_name("run-1"), "isResultName(../x)": is_result_name("../x"),
        "commitRecord(7)": commit_record(7), "bronzeFileName(12, 3)": bronze_file_name(12, 3),
        "batchOfFile(part-00000000000000000012-0003.parquet)": batch_of_file("part-00000000000000000012-0003.parquet"),
        "batchOfFile(part-x.parquet)": batch_of_file("part-x.parquet"),
    }, sort_keys=True))
