"""Count, per fuzzed form or import, the examples run and the server errors met.

`make fuzz` sets FUZZ_TALLY_DIR: each pytest process writes its counts there at the end of the session and
``python -m tests.fuzz.tally DIR`` adds them up and prints the table (exit status 1 if any server error).
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

examples: dict[str, int] = defaultdict(int)
errors: dict[str, int] = defaultdict(int)


class ServerError(AssertionError):
    """The application answered 5xx (or raised) for an input: the fuzz battery's one forbidden outcome."""


def run(target: str, call):
    """Run one example against ``target``; count it, and count (and re-raise) a server error."""
    examples[target] += 1
    try:
        result = call()
    except Exception:
        errors[target] += 1
        raise
    status = getattr(result, "status_code", 200)
    if status >= 500:
        errors[target] += 1
        raise ServerError(f"{target} answered {status}")
    return result


def write(directory: str, worker: str) -> None:
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    data = {name: {"examples": examples[name], "errors": errors[name]} for name in examples}
    (path / f"tally-{worker}.json").write_text(json.dumps(data, indent=1))


def summarise(directory: str) -> int:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"examples": 0, "errors": 0})
    for file in sorted(Path(directory).glob("tally-*.json")):
        for name, counts in json.loads(file.read_text()).items():
            totals[name]["examples"] += counts["examples"]
            totals[name]["errors"] += counts["errors"]
    width = max([len(name) for name in totals] + [20])
    print(f"{'form / import'.ljust(width)}  {'examples':>9}  {'server errors':>13}")
    for name in sorted(totals):
        print(f"{name.ljust(width)}  {totals[name]['examples']:>9}  {totals[name]['errors']:>13}")
    all_examples = sum(t["examples"] for t in totals.values())
    all_errors = sum(t["errors"] for t in totals.values())
    print(f"{'TOTAL'.ljust(width)}  {all_examples:>9}  {all_errors:>13}")
    return 1 if all_errors or not totals else 0


if __name__ == "__main__":
    sys.exit(summarise(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FUZZ_TALLY_DIR", "var/fuzz")))
