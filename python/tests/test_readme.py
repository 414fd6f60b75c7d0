"""The README's Python tour runs as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README has a Python tour"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})


def test_the_analyst_notebook_runs_and_draws_its_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    notebook = README.parent / "examples" / "notebooks" / "analyst_tour.ipynb"
    monkeypatch.chdir(notebook.parent)
    plt.close("all")
    namespace: dict[str, object] = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), str(notebook), "exec"), namespace)
    # Five charts, each with something drawn on it.
    figures = [plt.figure(n) for n in plt.get_fignums()]
    assert len(figures) == 5
    assert all(any(ax.patches or ax.collections for ax in f.axes) for f in figures)
    plt.close("all")
    refused = namespace["refused"]
    assert [p.code for p in refused.problems] == ["agreement.party_count"]  # type: ignore[attr-defined]
