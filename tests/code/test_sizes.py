"""Each piece readable in one sitting: no app module over 400 lines, no view over 40."""

import ast
from pathlib import Path

from tests.code.test_no_html_in_python import APPS, ROOT

MODULE_LINES, VIEW_LINES = 400, 40


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_app_module_is_over_400_lines():
    long = [
        f"{path.relative_to(ROOT)} ({lines})"
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > MODULE_LINES
    ]
    assert long == [], "split these modules: " + ", ".join(long)


def _views(path):
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef):
            yield node.name, node.end_lineno - node.lineno + 1


def test_no_view_function_is_over_40_lines():
    long = [
        f"{path.relative_to(ROOT)}:{name} ({lines})"
        for path in _modules()
        if "views" in Path(path).stem
        for name, lines in _views(path)
        if lines > VIEW_LINES
    ]
    assert long == [], "split these views: " + ", ".join(long)
