"""Checks a WebHDFS server with HdfsCLI (the `hdfs` package), a client we did not write.

usage: hdfs_cli_check.py <namenode-url> <root> <user>
Reads <root>/from-swift/data.bin (written by our WebHDFSLake), then writes, lists,
renames and deletes under <root>/from-cli, leaving <root>/from-cli/final.txt for the
caller to read back. Prints one JSON object.
"""
import hashlib
import json
import sys

from hdfs import HdfsError, InsecureClient

url, root, user = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
client = InsecureClient(url, user=user)
result = {}

with client.read(f"{root}/from-swift/data.bin") as reader:
    data = reader.read()
result["swift_file_sha256"] = hashlib.sha256(data).hexdigest()
result["swift_file_length"] = client.status(f"{root}/from-swift/data.bin")["length"]

client.makedirs(f"{root}/from-cli/nested")
client.write(f"{root}/from-cli/first.txt", data=b"hello from hdfscli", overwrite=True)
client.write(f"{root}/from-cli/first.txt", data=b"hello again from hdfscli", overwrite=True)
result["listed"] = sorted(client.list(f"{root}/from-cli"))
client.rename(f"{root}/from-cli/first.txt", f"{root}/from-cli/final.txt")
with client.read(f"{root}/from-cli/final.txt", offset=6, length=5) as reader:
    result["ranged_read"] = reader.read().decode()
result["status_type"] = client.status(f"{root}/from-cli/nested")["type"]
result["missing_status"] = client.status(f"{root}/from-cli/nothing", strict=False)
try:
    client.rename(f"{root}/from-cli/nothing", f"{root}/from-cli/other")
    result["rename_missing"] = "no error"
except HdfsError as error:
    result["rename_missing"] = str(error)
try:
    client.read(f"{root}/from-cli/nothing").__enter__()
    result["read_missing"] = "no error"
except HdfsError as error:
    result["read_missing"] = str(error)
result["deleted"] = client.delete(f"{root}/from-cli/nested", recursive=True)
result["deleted_again"] = client.delete(f"{root}/from-cli/nested", recursive=True)
result["after"] = sorted(client.list(f"{root}/from-cli"))
print(json.dumps(result))
