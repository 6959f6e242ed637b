"""Run a Python program with its garbage collections timed, to tell GC pauses from other stalls.

    python bench/_gcwatch.py LOG -m simulator serve --port 8000
    python bench/_gcwatch.py LOG bench/_relay.py --port 8765

Every full (generation 2) collection, and any collection over 2 ms, is appended to LOG as
`<unix time> <generation> <pause ms> <objects collected>`. The cost is one short callback per
collection.
"""

from __future__ import annotations

import gc
import runpy
import sys
import time


def watch(path: str) -> None:
    log = open(path, "a", buffering=1)  # noqa: SIM115 (open for the life of the process)
    began = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
            return
        pause = time.perf_counter() - began[0]
        if info["generation"] == 2 or pause > 0.002:
            log.write(
                f"{time.time():.3f} {info['generation']} {pause * 1000:.2f} {info['collected']}\n"
            )

    gc.callbacks.append(callback)


def main() -> None:
    log, target, *rest = sys.argv[1:]
    watch(log)
    if target == "-m":
        module, *args = rest
        sys.argv = [module, *args]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        sys.argv = [target, *rest]
        runpy.run_path(target, run_name="__main__")


if __name__ == "__main__":
    main()
