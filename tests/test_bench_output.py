"""Benchmarks print their table and write a file only where asked (``--out``): a plain
``make bench`` never rewrites the tracked ``bench/results.md``."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
MODULES = ["bench.dispatch_bench", "bench.tap_bench", "bench.export_bench", "bench.web_bench"]


def _snapshot() -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in BENCH.iterdir()}


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each benchmark's measuring part replaced by an empty result; run from a scratch folder."""
    monkeypatch.chdir(tmp_path)
    for name in MODULES:
        module = importlib.import_module(name)

        async def nothing(args: argparse.Namespace) -> list[Any]:
            return []

        monkeypatch.setattr(module, "run", nothing)


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.usefixtures("quick")
def test_a_benchmark_without_out_writes_no_file(name: str, tmp_path: Path) -> None:
    before = _snapshot()
    importlib.import_module(name).main([])
    assert _snapshot() == before
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.usefixtures("quick")
def test_a_benchmark_writes_its_table_where_asked(name: str, tmp_path: Path) -> None:
    out = tmp_path / "table.md"
    importlib.import_module(name).main(["--out", str(out)])
    assert out.read_text(encoding="utf-8").strip()
