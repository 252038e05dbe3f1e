"""Helpers shared by the bench/ scripts: percentiles, machine description, the results file."""

import datetime
import os
import platform
import re
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks.md"


def percentiles(samples_ms):
    """(p50, p95, p99) of a list of milliseconds."""
    if len(samples_ms) < 2:
        value = samples_ms[0] if samples_ms else float("nan")
        return value, value, value
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def machine():
    """One line saying what this ran on, so figures from different machines are not compared blindly."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} cores {model}{memory}, {system}"


def stamp():
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def replace_section(title, body, path=RESULTS):
    """Put `body` under the `## {title}` heading of the results file, leaving other sections alone."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    heading = f"## {title}"
    block = f"{heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: block + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text.rstrip("\n") + "\n")
