"""alerts/ may import events/; events/ never imports alerts/."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_domain_never_imports_alerts():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "events").rglob("*.py")
        if re.search(r"^\s*(from|import)\s+alerts\b", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []
