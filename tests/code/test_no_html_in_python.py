"""HTML lives in templates (STYLE.md): no app module marks a string it built as safe markup."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "lms",
    "batch",
    "privacy",
    "users",
    "access",
    "activity",
    "engagement",
    "payments",
    "transcripts",
]
MARKUP_BUILDERS = {"mark_safe", "format_html", "format_html_join", "SafeString"}


def _calls(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in MARKUP_BUILDERS:
                yield f"{path.relative_to(ROOT)}:{node.lineno} {name}()"


def test_no_app_module_builds_markup():
    found = [
        call
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for call in _calls(path)
    ]
    assert found == [], "markup built in Python (move it to a template): " + ", ".join(found)
