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


def test_the_example_notebook_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    notebook = README.parent / "examples" / "partners.ipynb"
    monkeypatch.chdir(notebook.parent)
    namespace: dict[str, object] = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), str(notebook), "exec"), namespace)
    assert namespace["totals"] is not None
