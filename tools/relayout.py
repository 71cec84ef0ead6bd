"""The package-layout move of issue 15: which file went where, and the rewrite of imports.

``MOVES`` is the one record of the move (old path → new path, whole files), phase 2's
whole-file moves (``PHASE2_MOVES``) folded in; ``NAME_HOMES`` says where names split
out of a module went.
``python tools/relayout.py --move`` performs it with ``git mv`` (done once, in the
commit that introduced this file); ``python tools/relayout.py [FILE…]`` rewrites the
old module paths (``auditviewer.store``, ``from auditviewer import sample``,
``auditviewer/limits.py``, ``tests.ui.conftest`` …) to the new ones in the given
files, or in every tracked text file. The rewrite is idempotent, so it can be run
again over branches merged after the move (their new files still name old paths).

To be deleted once no branch from before the move is left.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_A = "auditviewer/"
_SRC = {
    # cli/: the command line
    "cli.py": "cli/__init__.py",
    "query_command.py": "cli/query.py",
    # core/: vocabulary every layer may use
    "domain.py": "core/domain.py",
    "errors.py": "core/errors.py",
    "limits.py": "core/limits.py",
    "display.py": "core/display.py",
    "summary.py": "core/summary.py",
    "paths.py": "core/paths.py",
    "resources_path.py": "core/resources_path.py",
    "about.py": "core/about.py",
    "native.py": "core/native.py",
    "atomic.py": "core/atomic.py",
    "ui/timefmt.py": "core/times.py",
    "ui/text.py": "core/text.py",
    # input/: untrusted containers and entry-file formats
    "sources.py": "input/containers.py",
    "formats/__init__.py": "input/formats/__init__.py",
    "formats/batches.py": "input/formats/batches.py",
    "formats/checkpoints.py": "input/formats/checkpoints.py",
    "formats/entry.py": "input/formats/entry.py",
    "formats/jsonl.py": "input/formats/jsonl.py",
    "formats/manifest.py": "input/formats/manifest.py",
    "formats/parallel.py": "input/formats/parallel.py",
    "formats/parquet.py": "input/formats/parquet.py",
    "formats/plain.py": "input/formats/plain.py",
    # integrity/: gains the report's HTML rendering (Qt-free)
    "ui/report_html.py": "integrity/report_html.py",
    # workspace/: open → verify → store
    "workspace.py": "workspace/inputs.py",
    "workspace_cache.py": "workspace/cache.py",
    "loading.py": "workspace/loading.py",
    "verification.py": "workspace/verification.py",
    # store/, query/, export/, demo/
    "store.py": "store/store.py",
    "query.py": "query/sql.py",
    "export.py": "export/plan.py",
    "export_bundle.py": "export/bundle.py",
    "export_plain.py": "export/plain.py",
    "export_source.py": "export/source.py",
    "sample.py": "demo/sample.py",
    # ui/: widgets/, models/, dialogs/
    "ui/about_dialog.py": "ui/dialogs/about.py",
    "ui/diff_view.py": "ui/widgets/diff_view.py",
    "ui/facets.py": "ui/widgets/facets.py",
    "ui/integrity_panel.py": "ui/widgets/integrity_panel.py",
    "ui/json_pane.py": "ui/widgets/json_pane.py",
    "ui/scope_tree.py": "ui/widgets/scope_tree.py",
    "ui/search_bar.py": "ui/widgets/search_bar.py",
    "ui/time_range.py": "ui/widgets/time_range.py",
    "ui/timeline.py": "ui/widgets/timeline.py",
    "ui/json_model.py": "ui/models/json_model.py",
    "ui/table_model.py": "ui/models/table_model.py",
}

_U = "tests/unit/"
_TESTS = {
    "test_about.py": "core/test_about.py",
    "test_export_atomic.py": "core/test_atomic.py",
    "test_limits.py": "core/test_limits.py",
    "test_native.py": "core/test_native.py",
    "test_resources.py": "core/test_resources_path.py",
    "test_summary.py": "core/test_summary.py",
    "test_ui_text.py": "core/test_text.py",
    "test_cli_sample.py": "cli/test_sample_command.py",
    "test_query_command.py": "cli/test_query.py",
    "test_sources.py": "input/test_containers.py",
    "test_entry.py": "input/formats/test_entry.py",
    "test_parallel_read.py": "input/formats/test_parallel.py",
    "test_memory.py": "integrity/test_memory.py",
    "test_notes_and_keys.py": "integrity/test_notes_and_keys.py",
    "test_verify.py": "integrity/test_verify.py",
    "test_workspace.py": "workspace/test_inputs.py",
    "test_workspace_cache.py": "workspace/test_cache.py",
    "test_verification.py": "workspace/test_verification.py",
    "test_store.py": "store/test_store.py",
    "test_query.py": "query/test_language.py",
    "test_export.py": "export/test_export.py",
    "test_sample.py": "demo/test_sample.py",
}
_UI_TESTS = {
    "conftest.py": "conftest.py",
    "fake_session.py": "fake_session.py",
    "test_app.py": "test_app.py",
    "test_flows.py": "test_flows.py",
    "test_loader.py": "test_loader.py",
    "test_main_window.py": "test_main_window.py",
    "test_memory_flows.py": "test_memory_flows.py",
    "test_pyside_fixes.py": "test_pyside_fixes.py",
    "test_refresher.py": "test_refresher.py",
    "test_workers.py": "test_workers.py",
    "test_diff_view.py": "widgets/test_diff_view.py",
    "test_facets.py": "widgets/test_facets.py",
    "test_integrity_panel.py": "widgets/test_integrity_panel.py",
    "test_json_pane.py": "widgets/test_json_pane.py",
    "test_scope_tree.py": "widgets/test_scope_tree.py",
    "test_search_bar.py": "widgets/test_search_bar.py",
    "test_time_range.py": "widgets/test_time_range.py",
    "test_timeline.py": "widgets/test_timeline.py",
    "test_json_model.py": "models/test_json_model.py",
    "test_table_model.py": "models/test_table_model.py",
    "test_export_dialog.py": "dialogs/test_export_dialog.py",
    "test_trust_store_dialog.py": "dialogs/test_trust_store_dialog.py",
}

#: Phase 2 (docs/architecture.md): whole files moved again once a split made them
#: Qt-free or took their content elsewhere (path after phase 1 → path now).
PHASE2_MOVES: dict[str, str] = {
    _A + "ui/session.py": _A + "workspace/session.py",
    _A + "ui/loader.py": _A + "workspace/store_session.py",
    _U + "ui/test_loader.py": _U + "workspace/test_store_session.py",
    # Split into world, events, entries, writer; the package keeps the public names.
    _A + "demo/sample.py": _A + "demo/__init__.py",
}

#: Phase 1, as ``--move`` performed it.
PHASE1_MOVES: dict[str, str] = {
    **{_A + old: _A + new for old, new in _SRC.items()},
    **{_U + old: _U + new for old, new in _TESTS.items()},
    **{"tests/ui/" + old: _U + "ui/" + new for old, new in _UI_TESTS.items()},
}
#: Every path's move, old → where it is now.
MOVES = {old: PHASE2_MOVES.get(new, new) for old, new in PHASE1_MOVES.items()} | PHASE2_MOVES

#: Phase 2's splits: (module, name) → the module the name lives in now. Applied to
#: ``from module import name`` after the module path itself is rewritten.
NAME_HOMES: dict[tuple[str, str], str] = {
    **{
        ("auditviewer.ui.widgets.scope_tree", name): "auditviewer.workspace.scopes"
        for name in ("ALL", "GROUPS", "NO_TITLE", "ResourceCount", "Scope", "ScopeNode", "build_tree")
    },
    ("auditviewer.integrity.memory", "verify_with_memory"): "auditviewer.workspace.memory",
    # Private names of the sample generator that tests reach for.
    ("auditviewer.demo", "_plan"): "auditviewer.demo.writer",
}

#: New packages (each gets an ``__init__.py`` with a docstring, written by hand).
NEW_PACKAGES = [
    "auditviewer/cli", "auditviewer/core", "auditviewer/input", "auditviewer/workspace",
    "auditviewer/store", "auditviewer/query", "auditviewer/export", "auditviewer/demo",
    "auditviewer/ui/widgets", "auditviewer/ui/models",
]


def _module(path: str) -> str | None:
    if not path.endswith(".py"):
        return None
    parts = path[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


#: old dotted module → new dotted module
MODULES: dict[str, str] = {}
for _old, _new in MOVES.items():
    _o, _n = _module(_old), _module(_new)
    if _o and _n and _o != _n:
        MODULES[_o] = _n
#: The second step (shared test helpers in tests/helpers/): modules that moved, or whose
#: importable names did, and one name that changed.
MODULES.update(
    {
        "tests.bundle_builder": "tests.helpers.bundle_builder",
        "tests.ui.fake_session": "tests.helpers.fake_session",
        "tests.unit.ui.fake_session": "tests.helpers.fake_session",
        "tests.ui.conftest": "tests.helpers.vectors",
        "tests.unit.ui.conftest": "tests.helpers.vectors",
        "tests.conftest": "tests.helpers.vectors",
    }
)
_NAMES = {("tests.conftest", "ACME_KEY"): "VECTOR_KEY"}
# Every new module, to recognise text already rewritten (``auditviewer.store.store``).
_NEW_MODULES = (
    set(MODULES.values()) | set(NAME_HOMES.values()) | {p.replace("/", ".") for p in NEW_PACKAGES}
)


def _children(module: str) -> set[str]:
    prefix = module + "."
    return {m[len(prefix):].split(".")[0] for m in _NEW_MODULES if m.startswith(prefix)}


def _dotted_pattern(old: str) -> re.Pattern[str]:
    # ``old`` not followed by more of an identifier, nor by a submodule it has now become
    # the package of (so ``auditviewer.store.store`` is left as it is).
    kids = _children(old)
    guard = "".join(rf"(?!\.{re.escape(k)}\b)" for k in sorted(kids))
    return re.compile(rf"(?<![\w.]){re.escape(old)}(?!\w){guard}")


_DOTTED = [(_dotted_pattern(o), n) for o, n in sorted(MODULES.items(), key=lambda kv: -len(kv[0]))]
_PATHS = sorted(
    ((o, n) for o, n in MOVES.items() if o != n and not o.endswith("__init__.py")),
    key=lambda kv: -len(kv[0]),
)
_PATH_RES = [(re.compile(rf"(?<![\w/.]){re.escape(o)}(?![\w])"), n) for o, n in _PATHS]
_DIRS = [
    (re.compile(r"(?<![\w/.])auditviewer/formats/"), "auditviewer/input/formats/"),
    (re.compile(r"(?<![\w/.])tests/ui/"), "tests/unit/ui/"),
]
_FROM = re.compile(
    r"^(?P<indent>[ \t]*)from (?P<pkg>(?:auditviewer|tests)[\w.]*) import "
    r"(?P<names>[\w ,]+?)(?P<tail>[ \t]*(?:#.*)?)$"
)


def _dotted(text: str) -> str:
    for pattern, new in _DOTTED:
        text = pattern.sub(new, text)
    return text


def _rewrite_from(match: re.Match[str]) -> str:
    """``from auditviewer import sample, paths`` → ``from auditviewer.demo import sample`` …

    Each imported name is looked up: a moved module is imported from its new package
    (under its old name); a submodule of a package that took an old module's name
    (``from auditviewer.store import store``) is already new; any other name comes
    from the new home of the module it was imported from.
    """
    pkg, indent, tail = match["pkg"], match["indent"], match["tail"]
    groups: dict[str, list[str]] = {}
    changed = False
    for item in match["names"].split(","):
        words = item.split()
        if not words:
            continue
        name, alias = words[0], (words[2] if len(words) == 3 and words[1] == "as" else words[0])
        new = MODULES.get(f"{pkg}.{name}")
        renamed = _NAMES.get((pkg, name))
        if renamed is not None:
            parent, leaf = _dotted(pkg), renamed
        elif new is not None:
            parent, _, leaf = new.rpartition(".")
        elif name in _children(pkg):
            parent, leaf = pkg, name
        else:
            parent, leaf = _dotted(pkg), name
        parent = NAME_HOMES.get((parent, leaf), parent)
        changed = changed or (parent, leaf) != (pkg, name)
        groups.setdefault(parent, []).append(leaf if leaf == alias else f"{leaf} as {alias}")
    if not changed:
        return match.group(0)
    lines = [f"{indent}from {parent} import {', '.join(names)}" for parent, names in groups.items()]
    lines[0] += tail
    return "\n".join(lines)


#: Text that looks like a module path and is data: the Parquet export's metadata key.
_KEEP = re.compile(r"""(?<=["`])auditviewer\.export(?=["`](?:\s*[:\]]|\s+says))""")
_KEPT = "\0kept\0"


def rewrite(text: str) -> str:
    kept = _KEEP.findall(text)
    text = _KEEP.sub(_KEPT, text)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        match = _FROM.match(line)
        lines[i] = _rewrite_from(match) if match else _dotted(line)
    text = "\n".join(lines)
    for pattern, new in _PATH_RES:
        text = pattern.sub(new, text)
    for pattern, new in _DIRS:
        text = pattern.sub(new, text)
    for original in kept:
        text = text.replace(_KEPT, original, 1)
    return text


def _tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    # pyproject.toml lists packages by hand, and a package that took an old module's name
    # (``auditviewer.store``) cannot be told from it there: edit that list by hand.
    skip = ("tests/vectors/data/", "docs/screenshots/", "resources/", "tools/relayout.py", "pyproject.toml",
            "tests/unit/test_relayout.py")
    keep = (".py", ".pyi", ".md", ".toml", ".spec", ".c", ".h", ".cfg", ".in", "Makefile", ".txt")
    return [
        ROOT / p for p in out.stdout.splitlines() if not p.startswith(skip) and p.endswith(keep)
    ]


def move() -> None:
    # Done once, before phase 2 (whose moves are commits of their own).
    for old, new in PHASE1_MOVES.items():
        (ROOT / new).parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "mv", old, new], cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--move"]:
        move()
        argv = argv[1:]
    files = [Path(a) for a in argv] or _tracked()
    for path in files:
        text = path.read_text(encoding="utf-8")
        new = rewrite(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print("rewrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
