"""Wall-clock time per phase of a stage run, returned with the run's result and written
to the jobs log, so a slow run shows which step to look at."""
import contextlib
import time


class Phases:
    def __init__(self):
        self.ms = {}

    @contextlib.contextmanager
    def __call__(self, name):
        started = time.monotonic()
        try:
            yield
        finally:
            self.ms[name] = self.ms.get(name, 0) + int((time.monotonic() - started) * 1000)

    def summary(self):
        return " ".join(f"{name}={ms}" for name, ms in self.ms.items())


NONE = Phases()  # for callers that do not look at the timings
