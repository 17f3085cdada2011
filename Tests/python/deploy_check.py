"""Static checks of the deployment files (deploy/, Dockerfile), without Docker or systemd.

    python Tests/python/deploy_check.py [--root REPO]

Prints one JSON object {"ok": bool, "checks": {name: count}, "problems": [...],
"warnings": [...]} and exits 0 only when there are no problems. Checks:

compose (deploy/compose/compose.yaml, parsed with PyYAML, merge keys resolved)
  - every service has an image or a build; a build's context directory and Dockerfile exist
  - every file or directory mounted from the repository (a relative bind source) exists;
    every named volume is declared under `volumes:`; every env_file exists
  - every ${VAR} used is defined in deploy/compose/.env.example; .env itself is ignored
    by git
  - no literal secrets: a key that names a password/secret/token/key gets only ${VAR}
    references, and no credentials sit inside a URL/DSN
  - published host ports are unique; each depends_on names a service, with a valid
    condition
  - the medallion services (built from the Dockerfile) run an existing subcommand and
    every MEDALLION_* variable they set is one the CLI knows (named in Sources/ or the
    README); the daemon runs `run` with a webhdfs:// lake and standalone stages
Dockerfile: multi-stage, each COPY source from the build context exists and is not
  excluded by .dockerignore, the runtime stage ships the binary, spark-jobs/ and sql/
systemd (deploy/systemd/*.service): the required keys, ExecStart runs an existing
  subcommand, EnvironmentFile is /etc/medallion/medallion.env, no secrets in the units;
  the MEDALLION_* names of the example env file are known
local (deploy/local/*): every script passes `bash -n` and is executable
"""
import argparse
import configparser
import fnmatch
import json
import os
import re
import subprocess
import sys

import yaml

SECRET_KEY = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY)", re.I)
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
ONLY_REFERENCES = re.compile(r"^(\s*\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}]*)?\}\s*)*$")
URL_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@$]+@", re.I)
DSN_PASSWORD = re.compile(r"\bpassword\s*=\s*(?!\$\{)\S+", re.I)
MEDALLION_NAME = re.compile(r"\bMEDALLION_[A-Z0-9_]+\b")
# MEDALLION_* names the deployment may set before the code reading them is merged
# (name -> which change adds it): reported as warnings, not problems. Keep it empty.
PENDING_VARIABLES = {}
UNIT_REQUIRED = {
    "Unit": ["Description"],
    "Service": ["ExecStart", "User", "EnvironmentFile", "Restart", "KillSignal",
                "TimeoutStopSec", "NoNewPrivileges", "ProtectSystem"],
    "Install": ["WantedBy"],
}
UNIT_EXPECTED = {
    ("Service", "EnvironmentFile"): "/etc/medallion/medallion.env",
    ("Service", "Restart"): "on-failure",
    ("Service", "KillSignal"): "SIGTERM",
    ("Service", "NoNewPrivileges"): "yes",
    ("Service", "ProtectSystem"): "strict",
}


class Report:
    def __init__(self):
        self.problems = []
        self.warnings = []
        self.checks = {}

    def problem(self, text):
        self.problems.append(text)

    def count(self, name, n=1):
        self.checks[name] = self.checks.get(name, 0) + n


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def cli_subcommands(root):
    """Subcommand names declared in Sources/MedallionCLI (commandName: "...")."""
    names = set()
    directory = os.path.join(root, "Sources", "MedallionCLI")
    for name in os.listdir(directory):
        if name.endswith(".swift"):
            names.update(re.findall(r'commandName:\s*"([a-z-]+)"', read(os.path.join(directory, name))))
    names.discard("medallion")
    return names


def known_variables(root):
    """Every MEDALLION_* name mentioned in Sources/ or the README."""
    names = set(MEDALLION_NAME.findall(read(os.path.join(root, "README.md"))))
    for directory, _, files in os.walk(os.path.join(root, "Sources")):
        for name in files:
            if name.endswith((".swift", ".h", ".c")):
                names.update(MEDALLION_NAME.findall(read(os.path.join(directory, name))))
    return names


def env_file_names(path):
    """Variable names defined (KEY=value, comments and blank lines skipped) in an env file."""
    names = {}
    for number, line in enumerate(read(path).splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export "):
            stripped = stripped[len("export "):]
        key, sep, value = stripped.partition("=")
        if sep:
            names[key.strip()] = value
    return names


def walk_strings(node, path=""):
    """(path, string) for every string value in a YAML tree (keys included as paths)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk_strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def environment_map(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        result = {}
        for item in env:
            key, _, value = str(item).partition("=")
            result[key] = value
        return result
    return {str(k): ("" if v is None else str(v)) for k, v in env.items()}


def command_words(service):
    command = service.get("command")
    if command is None:
        return []
    return command.split() if isinstance(command, str) else [str(word) for word in command]


def host_port(spec):
    """The published host port of a ports entry, or None when only a container port."""
    if isinstance(spec, dict):
        published = spec.get("published")
        return None if published is None else str(published)
    text = str(spec).split("/")[0]
    # Interpolations may contain ':' (${X:-d}); split outside of ${...}.
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == ":" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    if len(parts) == 1:
        return None
    return parts[-2]


def resolve_default(text, defined):
    """Interpolates ${VAR:-default} / ${VAR} with .env.example values, for comparing ports."""
    def substitute(match):
        name, operator, default = match.group(1) or match.group(4), match.group(2), match.group(3)
        value = defined.get(name, "")
        if operator in (":-", "-") and not value:
            return default or ""
        return value
    return VARIABLE.sub(substitute, text)


def check_compose(root, report, subcommands, known):
    directory = os.path.join(root, "deploy", "compose")
    compose_path = os.path.join(directory, "compose.yaml")
    if not os.path.isfile(compose_path):
        report.problem("deploy/compose/compose.yaml is missing")
        return
    text = read(compose_path)
    compose = yaml.safe_load(text)
    services = compose.get("services") or {}
    declared_volumes = set((compose.get("volumes") or {}).keys())
    example_path = os.path.join(directory, ".env.example")
    if not os.path.isfile(example_path):
        report.problem("deploy/compose/.env.example is missing")
        defined = {}
    else:
        defined = env_file_names(example_path)

    # .env must be ignored by git (it holds the secrets).
    ignored = subprocess.run(["git", "-C", root, "check-ignore", "-q", "deploy/compose/.env"])
    if ignored.returncode != 0:
        report.problem("deploy/compose/.env is not ignored by git (add it to deploy/compose/.gitignore)")
    report.count("env_ignored")

    # ${VAR} references, anywhere in the raw file (comments excluded).
    uncommented = "\n".join(line.split(" #")[0] if not line.lstrip().startswith("#") else ""
                            for line in text.splitlines())
    for match in VARIABLE.finditer(uncommented):
        name = match.group(1) or match.group(4)
        report.count("variables")
        if name not in defined:
            report.problem(f"compose.yaml uses ${{{name}}} but deploy/compose/.env.example does not define it")

    # Literal secrets.
    for path, value in walk_strings(compose):
        key = path.rsplit(".", 1)[-1]
        report.count("values_scanned")
        if SECRET_KEY.search(key) and value and not ONLY_REFERENCES.match(value):
            report.problem(f"compose.yaml: {path} holds a literal secret; use ${{VAR}} from .env")
        if URL_CREDENTIALS.search(value) or DSN_PASSWORD.search(value):
            report.problem(f"compose.yaml: {path} has credentials inside a URL or DSN; use PGPASSWORD/PGPASSFILE from .env")
    for name, value in defined.items():
        if SECRET_KEY.search(name) and value.strip():
            report.problem(f".env.example gives {name} a value; leave secrets empty in the example")

    published = {}
    for name, service in services.items():
        report.count("services")
        if not isinstance(service, dict):
            report.problem(f"service {name} is not a mapping")
            continue
        if "image" not in service and "build" not in service:
            report.problem(f"service {name} has neither image nor build")
        build = service.get("build")
        if build is not None:
            context = build if isinstance(build, str) else build.get("context", ".")
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            context_path = os.path.normpath(os.path.join(directory, context))
            if not os.path.isdir(context_path):
                report.problem(f"service {name}: build context {context} does not exist")
            elif not os.path.isfile(os.path.join(context_path, dockerfile)):
                report.problem(f"service {name}: {dockerfile} does not exist in {context}")
            report.count("builds")

        for env_file in ([service["env_file"]] if isinstance(service.get("env_file"), (str, dict))
                         else service.get("env_file") or []):
            file_name = env_file["path"] if isinstance(env_file, dict) else env_file
            if not os.path.isfile(os.path.join(directory, file_name)):
                report.problem(f"service {name}: env_file {file_name} does not exist")
            report.count("env_files")

        for volume in service.get("volumes") or []:
            if isinstance(volume, dict):
                source, kind = volume.get("source"), volume.get("type", "volume")
            else:
                source = str(volume).split(":")[0]
                kind = "bind" if source.startswith((".", "/", "~")) else "volume"
                if ":" not in str(volume):
                    continue  # anonymous volume
            if kind == "bind":
                if source.startswith("/") or source.startswith("~"):
                    report.warnings.append(f"service {name}: mounts the absolute host path {source}")
                    continue
                path = os.path.normpath(os.path.join(directory, source))
                if not os.path.exists(path):
                    report.problem(f"service {name}: mounted {source} does not exist ({os.path.relpath(path, root)})")
                elif os.path.relpath(path, root).split(os.sep)[0] == "..":
                    report.problem(f"service {name}: mounted {source} is outside the repository")
                report.count("bind_mounts")
            elif kind == "volume" and source:
                if source not in declared_volumes:
                    report.problem(f"service {name}: named volume {source} is not declared under volumes:")
                report.count("named_volumes")

        for spec in service.get("ports") or []:
            port = host_port(spec)
            if port is None:
                continue
            resolved = resolve_default(port, defined)
            if resolved in published:
                report.problem(f"host port {resolved} is published by both {published[resolved]} and {name}")
            published[resolved] = name
            report.count("published_ports")

        depends = service.get("depends_on") or []
        for dependency, condition in ((d, None) for d in depends) if isinstance(depends, list) else \
                ((d, (c or {}).get("condition")) for d, c in depends.items()):
            if dependency not in services:
                report.problem(f"service {name} depends on {dependency}, which is not a service")
            elif condition == "service_healthy" and "healthcheck" not in services[dependency]:
                report.problem(f"service {name} waits for {dependency} to be healthy, but it has no healthcheck")
            if condition not in (None, "service_started", "service_healthy", "service_completed_successfully"):
                report.problem(f"service {name}: unknown depends_on condition {condition}")
            report.count("depends_on")

        # The medallion services: built from the repository's Dockerfile.
        if build is not None:
            words = command_words(service)
            if not words or words[0] not in subcommands:
                report.problem(f"service {name}: command {words} is not a medallion subcommand ({', '.join(sorted(subcommands))})")
            for variable in environment_map(service):
                if variable.startswith("MEDALLION_"):
                    report.count("medallion_variables")
                    if variable not in known:
                        if variable in PENDING_VARIABLES:
                            report.warnings.append(f"{variable} ({PENDING_VARIABLES[variable]}) is not in Sources/ yet")
                        else:
                            report.problem(f"service {name} sets {variable}, which neither Sources/ nor the README mentions")

    # The two services the issue asks for.
    runs = [s for s in services.values() if isinstance(s, dict) and "build" in s and command_words(s)[:1] == ["run"]]
    dashboards = [s for s in services.values() if isinstance(s, dict) and "build" in s and command_words(s)[:1] == ["dashboard"]]
    if len(runs) != 1:
        report.problem(f"compose.yaml should have one `medallion run` service, found {len(runs)}")
    else:
        env = environment_map(runs[0])
        if not env.get("MEDALLION_LAKE", "").startswith("webhdfs://"):
            report.problem("the daemon's MEDALLION_LAKE is not a webhdfs:// location")
        if env.get("MEDALLION_STAGES") != "standalone":
            report.problem("the daemon's MEDALLION_STAGES is not standalone")
        master = env.get("MEDALLION_SPARK_MASTER", "")
        master_host = re.sub(r"^[a-z]+://", "", master).split(":")[0]
        if master_host not in services:
            report.problem(f"MEDALLION_SPARK_MASTER={master} does not name a compose service")
    if len(dashboards) != 1:
        report.problem(f"compose.yaml should have one `medallion dashboard` service, found {len(dashboards)}")
    for service in runs + dashboards:
        lake = environment_map(service).get("MEDALLION_LAKE", "")
        host = re.sub(r"^[a-z]+://", "", lake).split(":")[0].split("/")[0]
        if lake.startswith("webhdfs://") and host not in services:
            report.problem(f"MEDALLION_LAKE={lake} does not name a compose service")
        if "healthcheck" not in service:
            report.problem("a medallion service has no healthcheck")
    if not any(isinstance(s, dict) and "restart" in s for s in services.values()):
        report.problem("no service has a restart policy")
    if not declared_volumes:
        report.problem("compose.yaml declares no named volumes; data would not survive `down`")


def dockerignore_patterns(root):
    path = os.path.join(root, ".dockerignore")
    if not os.path.isfile(path):
        return []
    return [line.strip() for line in read(path).splitlines() if line.strip() and not line.startswith("#")]


def ignored_by_docker(relative, patterns):
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.rstrip("/")
        parts = relative.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if any(fnmatch.fnmatch(prefix, body) or fnmatch.fnmatch(prefix, body.replace("**/", "")) for prefix in prefixes):
            result = not negate
    return result


def check_dockerfile(root, report):
    path = os.path.join(root, "Dockerfile")
    if not os.path.isfile(path):
        report.problem("Dockerfile is missing")
        return
    lines = []
    for line in read(path).replace("\\\n", " ").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip())
    stages = [line for line in lines if line.upper().startswith("FROM ")]
    if len(stages) < 2:
        report.problem("Dockerfile is not multi-stage (a Swift build stage and a runtime stage)")
    patterns = dockerignore_patterns(root)
    copied = set()
    for line in lines:
        if not line.upper().startswith("COPY ") or "--from=" in line:
            continue
        words = [w for w in line.split()[1:] if not w.startswith("--")]
        for source in words[:-1]:
            copied.add(source)
            if "[" in source:  # an optional file (glob)
                continue
            if not os.path.exists(os.path.join(root, source)):
                report.problem(f"Dockerfile copies {source}, which does not exist")
            elif ignored_by_docker(source.rstrip("/"), patterns):
                report.problem(f"Dockerfile copies {source}, which .dockerignore excludes")
            report.count("dockerfile_copies")
    for needed in ("spark-jobs", "sql", "Sources"):
        if needed not in copied:
            report.problem(f"the image does not get {needed}/")
    text = read(path)
    if "--product medallion" not in text:
        report.problem("the Dockerfile does not build the medallion product")
    for library in ("libpq5", "libcurl4", "libzstd1", "libsnappy1v5"):
        if library not in text:
            report.problem(f"the runtime stage does not install {library}")
    for excluded in (".build", ".venv", "var", ".git"):
        if not ignored_by_docker(excluded, patterns):
            report.problem(f".dockerignore does not exclude {excluded}")


def parse_unit(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",),
                                       comment_prefixes=("#", ";"), empty_lines_in_values=False)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return parser


def check_systemd(root, report, subcommands, known):
    directory = os.path.join(root, "deploy", "systemd")
    units = {name: os.path.join(directory, name) for name in ("medallion-run.service", "medallion-dashboard.service")}
    expected_command = {"medallion-run.service": "run", "medallion-dashboard.service": "dashboard"}
    for name, path in units.items():
        if not os.path.isfile(path):
            report.problem(f"deploy/systemd/{name} is missing")
            continue
        unit = parse_unit(path)
        report.count("units")
        for section, keys in UNIT_REQUIRED.items():
            for key in keys:
                if not unit.has_option(section, key):
                    report.problem(f"{name}: [{section}] has no {key}=")
        for (section, key), value in UNIT_EXPECTED.items():
            if unit.has_option(section, key) and unit.get(section, key).strip() != value:
                report.problem(f"{name}: {key}={unit.get(section, key)} (expected {value})")
        if unit.has_option("Service", "User") and unit.get("Service", "User").strip() in ("root", "0"):
            report.problem(f"{name}: runs as root; use the dedicated user")
        if unit.has_option("Service", "ExecStart"):
            words = unit.get("Service", "ExecStart").split()
            words = [w for w in words if not w.startswith(("-", "@", "+", "!", ":"))] or words
            if not words or not words[0].startswith("/") or not words[0].endswith("/medallion"):
                report.problem(f"{name}: ExecStart does not run an absolute path to medallion")
            elif len(words) < 2 or words[1] not in subcommands:
                report.problem(f"{name}: ExecStart runs `{' '.join(words[1:2])}`, not a medallion subcommand")
            elif words[1] != expected_command[name]:
                report.problem(f"{name}: ExecStart runs `{words[1]}`, expected `{expected_command[name]}`")
        if name == "medallion-run.service" and not unit.has_option("Service", "ReadWritePaths"):
            report.problem(f"{name}: ProtectSystem=strict without ReadWritePaths= for a local lake")
        text = read(path)
        for line in text.splitlines():
            if line.startswith("Environment=") and SECRET_KEY.search(line.split("=", 1)[1].split("=")[0]):
                report.problem(f"{name}: sets a secret with Environment=; use the EnvironmentFile")
            if DSN_PASSWORD.search(line) or URL_CREDENTIALS.search(line):
                report.problem(f"{name}: has credentials in a DSN or URL")
    example = os.path.join(directory, "medallion.env.example")
    if not os.path.isfile(example):
        report.problem("deploy/systemd/medallion.env.example is missing")
        return
    content = read(example)
    for name, value in env_file_names(example).items():
        if SECRET_KEY.search(name) and value.strip():
            report.problem(f"medallion.env.example gives {name} a value; leave secrets empty")
    for variable in sorted(set(MEDALLION_NAME.findall(content))):
        report.count("example_variables")
        if variable not in known:
            report.problem(f"medallion.env.example mentions {variable}, which neither Sources/ nor the README mentions")


def check_local(root, report):
    directory = os.path.join(root, "deploy", "local")
    for required in ("up", "down"):
        if not os.path.isfile(os.path.join(directory, required)):
            report.problem(f"deploy/local/{required} is missing")
    if not os.path.isdir(directory):
        return
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue
        first = read(path).split("\n", 1)[0]
        if not (first.startswith("#!") and "bash" in first) and not name.endswith(".sh"):
            continue
        result = subprocess.run(["bash", "-n", path], capture_output=True, text=True)
        if result.returncode != 0:
            report.problem(f"deploy/local/{name}: bash -n: {result.stderr.strip()}")
        if first.startswith("#!") and not os.access(path, os.X_OK):
            report.problem(f"deploy/local/{name} is not executable")
        report.count("local_scripts")
    init = os.path.join(root, "deploy", "compose", "postgres", "init")
    if os.path.isdir(init):
        for name in sorted(os.listdir(init)):
            if name.endswith(".sh"):
                result = subprocess.run(["bash", "-n", os.path.join(init, name)], capture_output=True, text=True)
                if result.returncode != 0:
                    report.problem(f"deploy/compose/postgres/init/{name}: bash -n: {result.stderr.strip()}")
                report.count("init_scripts")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
    arguments = parser.parse_args()
    root = arguments.root
    report = Report()
    subcommands = cli_subcommands(root)
    known = known_variables(root)
    for check in (lambda: check_compose(root, report, subcommands, known),
                  lambda: check_dockerfile(root, report),
                  lambda: check_systemd(root, report, subcommands, known),
                  lambda: check_local(root, report)):
        try:
            check()
        except Exception as error:  # a parse error is a problem to report, not a crash
            report.problem(f"{type(error).__name__}: {error}")
    print(json.dumps({"ok": not report.problems, "checks": report.checks,
                      "subcommands": sorted(subcommands), "problems": report.problems,
                      "warnings": report.warnings}, indent=2, sort_keys=True))
    return 0 if not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
