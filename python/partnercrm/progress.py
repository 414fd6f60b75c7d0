"""Progress bars for long imports: ``store.import_csv(path, progress=True)``.

Uses tqdm's notebook-aware bar when tqdm is installed, and otherwise
rewrites one line on standard error.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["RowsBar"]


class RowsBar:
    """A callable that shows the rows read so far; ``close()`` ends the line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        if stream is not None and not (callable(getattr(stream, "write", None)) and callable(getattr(stream, "flush", None))):
            raise TypeError(f"stream takes a text stream with write() and flush(), not {type(stream).__name__}")
        self._stream = stream if stream is not None else sys.stderr
        self._started = time.perf_counter()
        self._rows = 0
        self._tqdm: Any = None
        if stream is None:
            try:
                from tqdm.auto import tqdm  # type: ignore[import-not-found, import-untyped, unused-ignore]
            except ImportError:
                pass
            else:
                self._tqdm = tqdm(unit=" rows", unit_scale=True, desc="import")

    def __call__(self, rows: int) -> None:
        if not isinstance(rows, int) or isinstance(rows, bool):
            raise TypeError(f"rows takes an int, not {type(rows).__name__}")
        if self._tqdm is not None:
            self._tqdm.update(rows - self._rows)
        else:
            elapsed = max(time.perf_counter() - self._started, 1e-9)
            self._stream.write(f"\rimport: {rows:,} rows read ({rows / elapsed:,.0f} rows/s)")
            self._stream.flush()
        self._rows = rows

    @property
    def rows(self) -> int:
        """The rows read so far."""
        return self._rows

    def close(self) -> None:
        if self._tqdm is not None:
            self._tqdm.close()
        else:
            self._stream.write("\n")
            self._stream.flush()
