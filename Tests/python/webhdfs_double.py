#!/usr/bin/env python3
"""A WebHDFS protocol double: namenode(s) and a datanode over a local directory.

No namenode can run on the test machines, so the tests talk to this instead. It answers
the WebHDFS REST API as Hadoop 3 does (the two-step CREATE and OPEN through a separate
"datanode" port, RENAME with and without renameoptions, LISTSTATUS_BATCH, errors as JSON
RemoteException bodies with Hadoop's status codes), plus what Hadoop's own WebHDFS
client asks for when Spark reads and writes (GETFILEBLOCKLOCATIONS, GETSERVERDEFAULTS,
GETFILELINKSTATUS, ...). Its
fidelity is checked with real clients: Spark (Hadoop's WebHdfsFileSystem) and HdfsCLI.

    webhdfs_double.py --root DIR [--namenodes N] [--active K] [--user-dirs]

On start it prints one line:
    webhdfs-double ready namenodes=PORT[,PORT...] datanode=PORT control=PORT

Control endpoint (JSON over HTTP on the control port), for injecting failures at runtime:
    POST /fail   {"mode": M, "count": N, "target": "namenode"|"datanode"|"any",
                  "ops": ["CREATE", ...], "seconds": S}
        M: "500" (IOException, HTTP 500), "reset" (close without answering), "drop-answer"
        (do the operation, then close without answering), "slow"
        (answer after S seconds), "standby" (StandbyException), "safemode"
        (RetriableException wrapping SafeModeException), "quota"
        (DSQuotaExceededException), "permission" (AccessControlException),
        "ignore-renameoptions" (answer RENAME as a server without rename2 would),
        "refuse" (close the listening sockets and live connections for S seconds),
        "redirect-to" (a namenode answers 307 with {"location": URL}), "trickle" (the
        datanode reads a request body at {"rate": bytes/s}, then does the operation).
        N: how many matching requests fail (-1: until /clear). Default target "namenode".
    POST /clear                  drop every failure rule
    POST /active {"index": K}    make namenode K the active one (the others answer StandbyException)
    GET  /stats                  {"requests": n, "namenode": n, "datanode": n, "by_op": {...},
                                  "users": [...], "delegation_tokens": [...], "injected": n}
    POST /reset-stats
"""

import argparse
import io
import json
import os
import shutil
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BLOCK_SIZE = 128 * 1024 * 1024


class State:
    def __init__(self, root, namenodes, active):
        self.root = os.path.realpath(root)
        self.lock = threading.Lock()
        self.active = active
        self.namenode_count = namenodes
        self.rules = []
        self.reset_stats()

    def reset_stats(self):
        self.stats = {"requests": 0, "namenode": 0, "datanode": 0, "by_op": {}, "users": [],
                      "delegation_tokens": [], "injected": 0}

    def count(self, server, op, query):
        with self.lock:
            self.stats["requests"] += 1
            self.stats[server] += 1
            key = f"{server}:{op}"
            self.stats["by_op"][key] = self.stats["by_op"].get(key, 0) + 1
            user = query.get("user.name")
            if user and user not in self.stats["users"]:
                self.stats["users"].append(user)
            token = query.get("delegation")
            if token and token not in self.stats["delegation_tokens"]:
                self.stats["delegation_tokens"].append(token)

    def take_rule(self, server, op):
        """The failure rule that applies to this request, consuming one of its count."""
        with self.lock:
            for rule in self.rules:
                if rule["mode"] == "refuse":
                    continue
                if rule["target"] not in ("any", server):
                    continue
                if rule.get("ops") and op not in rule["ops"]:
                    continue
                if rule["count"] == 0:
                    continue
                if rule["count"] > 0:
                    rule["count"] -= 1
                if rule["mode"] != "ignore-renameoptions":
                    self.stats["injected"] += 1
                return dict(rule)
        return None

    def local(self, hdfs_path):
        path = os.path.normpath("/" + hdfs_path.lstrip("/"))
        return self.root + path if path != "/" else self.root


def remote_exception(name, java_class, message):
    return {"RemoteException": {"exception": name, "javaClassName": java_class, "message": message}}


class HDFSError(Exception):
    def __init__(self, status, name, java_class, message):
        super().__init__(message)
        self.status, self.name, self.java_class = status, name, java_class

    def body(self):
        return remote_exception(self.name, self.java_class, str(self))


def not_found(message):
    return HDFSError(404, "FileNotFoundException", "java.io.FileNotFoundException", message)


def already_exists(message):
    return HDFSError(403, "FileAlreadyExistsException", "org.apache.hadoop.fs.FileAlreadyExistsException", message)


def io_error(message, status=403):
    return HDFSError(status, "IOException", "java.io.IOException", message)


def bad_op(op):
    return HDFSError(400, "IllegalArgumentException", "java.lang.IllegalArgumentException",
                     f'Invalid value for webhdfs parameter "op": No enum constant '
                     f'org.apache.hadoop.hdfs.web.resources.GetOpParam.Op.{op}')


def injected_error(mode, path, user):
    if mode == "500":
        return HDFSError(500, "IOException", "java.io.IOException", f"Injected server error for {path}")
    if mode == "standby":
        return HDFSError(403, "StandbyException", "org.apache.hadoop.ipc.StandbyException",
                         "Operation category READ is not supported in state standby. Visit https://s.apache.org/sbnn-error")
    if mode == "safemode":
        return HDFSError(403, "RetriableException", "org.apache.hadoop.ipc.RetriableException",
                         f"org.apache.hadoop.hdfs.server.namenode.SafeModeException: Cannot create file{path}. "
                         "Name node is in safe mode.")
    if mode == "quota":
        return HDFSError(403, "DSQuotaExceededException",
                         "org.apache.hadoop.hdfs.protocol.DSQuotaExceededException",
                         f"The DiskSpace quota of {os.path.dirname(path)} is exceeded: quota = 1048576 B = 1 MB "
                         "but diskspace consumed = 402653184 B = 384 MB")
    if mode == "permission":
        return HDFSError(403, "AccessControlException", "org.apache.hadoop.security.AccessControlException",
                         f'Permission denied: user={user}, access=WRITE, inode="{path}":hdfs:supergroup:drwxr-xr-x')
    return None


def file_status(local, name, fileid_base=16386):
    info = os.stat(local)
    is_dir = os.path.isdir(local)
    return {
        "accessTime": 0 if is_dir else int(info.st_atime * 1000),
        "blockSize": 0 if is_dir else BLOCK_SIZE,
        "childrenNum": len(os.listdir(local)) if is_dir else 0,
        "fileId": fileid_base + info.st_ino % 1000000000,
        "group": "supergroup",
        "length": 0 if is_dir else info.st_size,
        "modificationTime": int(info.st_mtime * 1000),
        "owner": "hdfs",
        "pathSuffix": name,
        "permission": "755" if is_dir else "644",
        "replication": 0 if is_dir else 1,
        "storagePolicy": 0,
        "type": "DIRECTORY" if is_dir else "FILE",
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhdfs-double/1"
    state: State = None  # set per server class
    role = "namenode"
    index = 0

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        with self.server.live_lock:
            self.server.live.add(self.connection)

    def finish(self):
        with self.server.live_lock:
            self.server.live.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    # --- plumbing -------------------------------------------------------------------------

    def read_body(self, rate=None):
        if rate is not None:
            # A slow link: the body arrives at about `rate` bytes a second.
            length, data = int(self.headers.get("Content-Length") or 0), bytearray()
            step = max(1, int(rate) // 10)
            while len(data) < length:
                data += self.rfile.read(min(step, length - len(data)))
                time.sleep(0.1)
            return bytes(data)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body=b"", content_type="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        self.dispatch("GET")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        if self.role == "control":
            body = self.read_body()
            return self.control(method, url.path, json.loads(body) if body else {})
        if not url.path.startswith("/webhdfs/v1"):
            if method in ("PUT", "POST"):
                self.read_body()
            return self.send(404, remote_exception("IllegalArgumentException", "java.lang.IllegalArgumentException",
                                                   f"Not a WebHDFS path: {url.path}"))
        path = urllib.parse.unquote(url.path[len("/webhdfs/v1"):]) or "/"
        op = query.get("op", "").upper()
        state = self.state
        state.count(self.role, op, query)
        rule = state.take_rule(self.role, op)
        trickle = rule["rate"] if rule and rule["mode"] == "trickle" else None
        body = self.read_body(trickle) if method in ("PUT", "POST") else b""
        try:
            if rule:
                mode = rule["mode"]
                if mode == "redirect-to":
                    return self.send(307, b"", headers=[("Location", rule["location"])])
                if mode == "reset":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if mode == "drop-answer":
                    # Do the operation, then lose the answer: the client cannot tell it happened.
                    self.wfile = io.BytesIO()
                    self.close_connection = True
                    if self.role == "namenode":
                        self.namenode(method, op, path, query, None)
                    else:
                        self.datanode(method, op, path, query, body)
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if mode == "slow":
                    time.sleep(rule.get("seconds", 5))
                error = injected_error(mode, path, query.get("user.name", "dr.who"))
                if error:
                    raise error
            if self.role == "namenode":
                with state.lock:
                    standby = self.index != state.active
                if standby:
                    raise injected_error("standby", path, "")
                self.namenode(method, op, path, query, rule)
            else:
                self.datanode(method, op, path, query, body)
        except HDFSError as error:
            self.send(error.status, error.body())
        except Exception as error:  # a bug in the double: show it as Hadoop would
            self.send(500, remote_exception("IOException", "java.io.IOException", f"{type(error).__name__}: {error}"))

    # --- namenode -------------------------------------------------------------------------

    def redirect(self, op, path, query):
        params = dict(query)
        params["namenoderpcaddress"] = "127.0.0.1:8020"
        params.pop("noredirect", None)
        if op == "OPEN":
            params.setdefault("offset", "0")
        location = (f"http://127.0.0.1:{self.server.datanode_port}/webhdfs/v1"
                    f"{urllib.parse.quote(path)}?{urllib.parse.urlencode(params)}")
        if query.get("noredirect", "false").lower() == "true":
            return self.send(200, {"Location": location})
        self.send(307, b"", headers=[("Location", location)])

    def namenode(self, method, op, path, query, rule):
        state = self.state
        local = state.local(path)
        name = os.path.basename(local)
        if method == "GET":
            if op == "OPEN":
                if not os.path.exists(local):
                    raise not_found(f"File does not exist: {path}")
                if os.path.isdir(local):
                    raise not_found(f"Path is not a file: {path}")
                return self.redirect(op, path, query)
            # FileContext.rename (the stage jobs' atomic replace) asks for the link status;
            # the double has no symlinks, so it is the file status.
            if op in ("GETFILESTATUS", "GETFILELINKSTATUS"):
                if not os.path.exists(local):
                    raise not_found(f"File does not exist: {path}")
                return self.send(200, {"FileStatus": file_status(local, "")})
            if op in ("LISTSTATUS", "LISTSTATUS_BATCH"):
                if not os.path.exists(local):
                    raise not_found(f"File {path} does not exist.")
                if os.path.isdir(local):
                    names = sorted(os.listdir(local))
                    statuses = []
                    for child in names:
                        try:
                            statuses.append(file_status(os.path.join(local, child), child))
                        except FileNotFoundError:
                            pass
                else:
                    statuses = [file_status(local, "")]
                if op == "LISTSTATUS":
                    return self.send(200, {"FileStatuses": {"FileStatus": statuses}})
                after = query.get("startAfter", "")
                statuses = [s for s in statuses if s["pathSuffix"] > after] if after else statuses
                limit = self.server.list_limit
                page, rest = statuses[:limit], statuses[limit:]
                return self.send(200, {"DirectoryListing": {"partialListing": {"FileStatuses": {"FileStatus": page}},
                                                            "remainingEntries": len(rest)}})
            if op == "GETFILEBLOCKLOCATIONS":
                if not os.path.isfile(local):
                    raise not_found(f"File does not exist: {path}")
                size = os.path.getsize(local)
                offset = int(query.get("offset", "0"))
                length = int(query.get("length", str(size)))
                host = f"127.0.0.1:{self.server.datanode_port}"
                blocks = []
                start = 0
                while start < size:
                    end = min(size, start + BLOCK_SIZE)
                    if end > offset and start < offset + length:
                        blocks.append({"cachedHosts": [], "corrupt": False, "hosts": ["127.0.0.1"],
                                       "length": end - start, "names": [host], "offset": start,
                                       "storageIds": ["DS-double"], "storageTypes": ["DISK"],
                                       "topologyPaths": [f"/default-rack/{host}"]})
                    start = end
                return self.send(200, {"BlockLocations": {"BlockLocation": blocks}})
            if op == "GETSERVERDEFAULTS":
                return self.send(200, {"FsServerDefaults": {
                    "blockSize": BLOCK_SIZE, "bytesPerChecksum": 512, "writePacketSize": 65536,
                    "replication": 1, "fileBufferSize": 4096, "encryptDataTransfer": False,
                    "trashInterval": 0, "checksumType": 2, "keyProviderUri": "", "defaultStoragePolicyId": 7}})
            if op == "GETHOMEDIRECTORY":
                return self.send(200, {"Path": f"/user/{query.get('user.name', 'dr.who')}"})
            if op == "GETTRASHROOT":
                return self.send(200, {"Path": f"/user/{query.get('user.name', 'dr.who')}/.Trash"})
            if op == "GETCONTENTSUMMARY":
                if not os.path.exists(local):
                    raise not_found(f"File does not exist: {path}")
                files = dirs = length = 0
                for _, subdirs, filenames in os.walk(local):
                    dirs += 1
                    files += len(filenames)
                return self.send(200, {"ContentSummary": {"directoryCount": dirs, "fileCount": files,
                                                          "length": length, "quota": -1, "spaceConsumed": length,
                                                          "spaceQuota": -1, "typeQuota": {}}})
            raise bad_op(op)
        if method == "PUT":
            if op == "CREATE":
                if os.path.isdir(local):
                    raise already_exists(f"{path} already exists as a directory")
                if os.path.exists(local) and query.get("overwrite", "false").lower() != "true":
                    raise already_exists(f"{path} for client 127.0.0.1 already exists")
                return self.redirect(op, path, query)
            if op == "MKDIRS":
                probe = local
                while probe != state.root and not os.path.exists(probe):
                    probe = os.path.dirname(probe)
                if os.path.isfile(probe):
                    raise HDFSError(403, "ParentNotDirectoryException",
                                    "org.apache.hadoop.fs.ParentNotDirectoryException",
                                    f"{path} (is not a directory)")
                os.makedirs(local, exist_ok=True)
                return self.send(200, {"boolean": True})
            if op == "RENAME":
                return self.rename(path, query, rule)
            if op in ("SETPERMISSION", "SETOWNER", "SETTIMES"):
                if not os.path.exists(local):
                    raise not_found(f"File does not exist: {path}")
                return self.send(200, b"", "application/octet-stream")
            if op == "SETREPLICATION":
                return self.send(200, {"boolean": os.path.isfile(local)})
            raise bad_op(op)
        if method == "DELETE":
            if op != "DELETE":
                raise bad_op(op)
            if not os.path.lexists(local):
                return self.send(200, {"boolean": False})
            if os.path.isdir(local):
                if os.listdir(local) and query.get("recursive", "false").lower() != "true":
                    raise io_error(f"{path} is non empty': Directory is not empty")
                shutil.rmtree(local)
            else:
                os.unlink(local)
            return self.send(200, {"boolean": True})
        raise bad_op(op)

    def rename(self, path, query, rule):
        state = self.state
        source = state.local(path)
        destination_path = query.get("destination", "")
        if not destination_path.startswith("/"):
            raise HDFSError(400, "IllegalArgumentException", "java.lang.IllegalArgumentException",
                            f"Invalid parameter value: destination = {destination_path} is not an absolute path")
        destination = state.local(destination_path)
        options = [o for o in query.get("renameoptions", "").upper().split(",") if o]
        legacy = rule is not None and rule["mode"] == "ignore-renameoptions"
        if options and not legacy:
            # rename2: errors are exceptions; OVERWRITE replaces a file or an empty directory.
            if not os.path.lexists(source):
                raise not_found(f"rename source {path} is not found.")
            if not os.path.isdir(os.path.dirname(destination)):
                raise not_found(f"rename destination parent {destination_path} not found.")
            if os.path.lexists(destination):
                if "OVERWRITE" not in options:
                    raise already_exists(f"rename destination {destination_path} already exists.")
                if os.path.isdir(destination) != os.path.isdir(source):
                    raise io_error(f"Source {path} and destination {destination_path} must both be directories"
                                   if os.path.isdir(source) else
                                   f"Source {path} Destination {destination_path} both should be either file or directory")
                if os.path.isdir(destination):
                    if os.listdir(destination):
                        raise io_error(f"rename destination directory is not empty: {destination_path}")
                    os.rmdir(destination)
            os.replace(source, destination)
            return self.send(200, b"", "application/octet-stream")
        # The old rename: false instead of an error; into an existing directory.
        if not os.path.lexists(source) or not os.path.isdir(os.path.dirname(destination)):
            return self.send(200, {"boolean": False})
        if os.path.isdir(destination):
            destination = os.path.join(destination, os.path.basename(source))
        if os.path.lexists(destination):
            return self.send(200, {"boolean": False})
        os.rename(source, destination)
        return self.send(200, {"boolean": True})

    # --- datanode -------------------------------------------------------------------------

    def datanode(self, method, op, path, query, body):
        local = self.state.local(path)
        if method == "PUT" and op == "CREATE":
            if os.path.isdir(local):
                raise already_exists(f"{path} already exists as a directory")
            if os.path.exists(local) and query.get("overwrite", "false").lower() != "true":
                raise already_exists(f"{path} for client 127.0.0.1 already exists")
            os.makedirs(os.path.dirname(local), exist_ok=True)
            with open(local, "wb") as handle:
                handle.write(body)
            return self.send(201, b"", headers=[("Location", f"hdfs://127.0.0.1:8020{urllib.parse.quote(path)}")])
        if method == "POST" and op == "APPEND":
            if not os.path.isfile(local):
                raise not_found(f"File does not exist: {path}")
            with open(local, "ab") as handle:
                handle.write(body)
            return self.send(200, b"", "application/octet-stream")
        if method == "GET" and op == "OPEN":
            if not os.path.isfile(local):
                raise not_found(f"File does not exist: {path}")
            offset = int(query.get("offset", "0"))
            length = query.get("length")
            with open(local, "rb") as handle:
                handle.seek(offset)
                data = handle.read(int(length)) if length else handle.read()
            return self.send(200, data, "application/octet-stream")
        raise bad_op(op)

    # --- control --------------------------------------------------------------------------

    def control(self, method, path, body):
        state = self.state
        if path == "/stats":
            with state.lock:
                return self.send(200, json.loads(json.dumps(state.stats)))
        if path == "/reset-stats":
            with state.lock:
                state.reset_stats()
            return self.send(200, {"ok": True})
        if path == "/clear":
            with state.lock:
                state.rules.clear()
            return self.send(200, {"ok": True})
        if path == "/active":
            with state.lock:
                state.active = int(body["index"])
            return self.send(200, {"ok": True})
        if path == "/fail":
            rule = {"mode": str(body["mode"]), "count": int(body.get("count", -1)),
                    "target": body.get("target", "namenode"), "ops": body.get("ops"),
                    "seconds": float(body.get("seconds", 5)), "rate": float(body.get("rate", 0)),
                    "location": str(body.get("location", ""))}
            if rule["mode"] == "refuse":
                self.server.cluster.refuse(rule["target"], rule["seconds"])
                return self.send(200, {"ok": True})
            with state.lock:
                state.rules.append(rule)
            return self.send(200, {"ok": True})
        return self.send(404, {"error": f"unknown control path {path}"})


class Cluster:
    """The servers: namenodes, one datanode, the control endpoint."""

    def __init__(self, state, namenodes, list_limit):
        self.state = state
        self.list_limit = list_limit
        self.datanode_port = 0
        self.datanode = self.start("datanode", 0, 0)
        self.datanode_port = self.datanode.server_address[1]
        self.namenodes = [self.start("namenode", i, 0) for i in range(namenodes)]
        self.control = self.start("control", 0, 0)

    def start(self, role, index, port):
        handler = type(f"{role.title()}Handler", (Handler,), {"state": self.state, "role": role, "index": index})
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        server.daemon_threads = True
        server.live = set()
        server.live_lock = threading.Lock()
        server.datanode_port = self.datanode_port
        server.list_limit = self.list_limit
        server.cluster = self
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def refuse(self, target, seconds):
        """Stops listening (and drops live connections) for `seconds`, then listens again."""
        servers = []
        if target in ("namenode", "any"):
            servers += [("namenode", i, s) for i, s in enumerate(self.namenodes)]
        if target in ("datanode", "any"):
            servers.append(("datanode", 0, self.datanode))
        for _, _, server in servers:
            server.shutdown()
            server.server_close()
            with server.live_lock:
                for connection in list(server.live):
                    try:
                        connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        def reopen():
            for role, index, server in servers:
                port = server.server_address[1]
                replacement = self.start(role, index, port)
                if role == "namenode":
                    self.namenodes[index] = replacement
                else:
                    self.datanode = replacement

        threading.Timer(seconds, reopen).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="the directory that holds the double's HDFS namespace")
    parser.add_argument("--namenodes", type=int, default=1)
    parser.add_argument("--active", type=int, default=0, help="the active namenode; the others are standby")
    parser.add_argument("--list-limit", type=int, default=1000, help="entries per LISTSTATUS_BATCH page (dfs.ls.limit)")
    args = parser.parse_args()
    os.makedirs(args.root, exist_ok=True)
    state = State(args.root, args.namenodes, args.active)
    cluster = Cluster(state, args.namenodes, args.list_limit)
    ports = ",".join(str(s.server_address[1]) for s in cluster.namenodes)
    print(f"webhdfs-double ready namenodes={ports} datanode={cluster.datanode_port} "
          f"control={cluster.control.server_address[1]}", flush=True)
    try:
        signal.pause()  # the servers run on their threads until a signal ends us
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
