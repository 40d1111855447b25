"""The README's first command, non-interactively: it exits 0 with orders from all three."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_demo_runs_headless_and_summarises(tmp_path: Path) -> None:
    db = tmp_path / "new" / "demo.db"  # a directory that does not exist yet
    run = subprocess.run(
        [sys.executable, "-m", "mpsync", "demo", "--duration", "8", "--db", str(db)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert "Summary" in out and "Explore the result" in out
    for marketplace in ("wildberries", "ozon", "yandex_market"):
        row = next(line for line in out.splitlines() if line.strip("│ ").startswith(marketplace))
        count = int(row.split("│")[2].strip())
        assert count > 0, row
    assert (db.parent / "mpsync-demo.toml").exists()
    assert f"mpsync orders list --config {db.parent / 'mpsync-demo.toml'}" in out
    explore = subprocess.run(
        [sys.executable, "-m", "mpsync", "orders", "list", "--config",
         str(db.parent / "mpsync-demo.toml"), "--json", "--limit", "0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert explore.returncode == 0 and explore.stdout.count('"external_id"') >= 100
    # The closing summary shows the KPIs of what it stored; the command it suggests agrees.
    assert "KPIs " in out
    # Hints are runnable as printed: "mpsync …", the script's path or "python -m mpsync …".
    command = next(line.strip() for line in out.splitlines()
                   if "mpsync report kpi --period" in line)  # fmt: skip
    args = command.split("mpsync ", 1)[1].split()
    kpi = subprocess.run(
        [sys.executable, "-m", "mpsync", *args[:4], "--json", *args[4:]],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert kpi.returncode == 0, kpi.stderr[-2000:]
    import json

    figures = json.loads(kpi.stdout)
    assert figures["orders"] == explore.stdout.count('"external_id"')
    assert f"{figures['orders']}" in out.split("KPIs ", 1)[1]
