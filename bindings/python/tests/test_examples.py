"""The Python example runs and reports the scenario's verdicts."""

import os
import subprocess
import sys

DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "python", "demo.py")


def test_demo():
    run = subprocess.run(
        [sys.executable, DEMO], capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "outcomes: {'accepted': 9995, 'rejected': 5}" in lines
    rejected = [line for line in lines if line.lstrip().startswith("rejected #")]
    assert [line.split()[1] for line in rejected] == ["#17", "#1234", "#4321", "#7777", "#9999"]
    assert all("status 8" in line for line in rejected)
    assert "mock recorded 9995 accepted, 5 rejected" in lines
