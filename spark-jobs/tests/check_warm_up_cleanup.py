"""The warm driver's start removes the scratch lakes of warm-ups whose driver died, and
only those: prints one JSON object of what is left, for SparkProcessHygieneTests.

  check_warm_up_cleanup.py <work directory>
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import driver  # noqa: E402

work = sys.argv[1]
# A pid that is gone: a child that has exited and been reaped.
child = subprocess.Popen(["true"])
child.wait()
dead, alive = child.pid, os.getpid()
names = [f"{driver.WARM_UP_PREFIX}{dead}-abc", f"{driver.WARM_UP_PREFIX}{alive}-def", "medallion-warm-up-x-ghi",
         f"other-{dead}"]
for name in names:
    os.makedirs(os.path.join(work, name, "bronze"))
driver.remove_stale_warm_ups(work)
print(json.dumps({"left": sorted(os.listdir(work)), "dead": f"{driver.WARM_UP_PREFIX}{dead}-abc"}))
