"""The source tree keeps the shape docs/architecture.md describes (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "id2face"
MAX_LINES = 400


def _classes() -> list[tuple[Path, ast.ClassDef]]:
    out = []
    for path in SRC.rglob("*.py"):
        out += [(path, n) for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ClassDef)]
    return out


def test_no_source_file_is_over_the_limit():
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these files (over {MAX_LINES} lines): {long}"


def test_recognizers_live_under_identity():
    found = [(p.relative_to(SRC).parts[0], c.name) for p, c in _classes()
             if c.name.endswith(("Recognizer", "Verifier"))]
    assert found and all(top == "identity" for top, _ in found), found
    dlib = [name for _, c in _classes() if "dlib" in (name := c.name).lower()]
    assert dlib == ["DlibRecognizer"], dlib
