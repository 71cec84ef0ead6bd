"""tools/relayout.py, which rewrites old module paths in branches merged after the move."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def relayout() -> ModuleType:
    spec = importlib.util.spec_from_file_location("relayout", ROOT / "tools" / "relayout.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["relayout"] = module
    spec.loader.exec_module(module)
    return module


def test_every_move_landed(relayout: ModuleType) -> None:
    for old, new in relayout.MOVES.items():
        assert not (ROOT / old).exists() or old == new, old
    moved = [new for new in relayout.MOVES.values() if not new.startswith("tests/unit/ui/fake_session")]
    assert all((ROOT / new).exists() for new in moved)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("from auditviewer.store import Filter, Store", "from auditviewer.store.store import Filter, Store"),
        ("from auditviewer import workspace, workspace_cache",
         "from auditviewer.workspace import inputs as workspace, cache as workspace_cache"),
        ("    from auditviewer.ui import about_dialog", "    from auditviewer.ui.dialogs import about as about_dialog"),
        ('monkeypatch.setattr("auditviewer.workspace_cache.open_store", f)',
         'monkeypatch.setattr("auditviewer.workspace.cache.open_store", f)'),
        ("import auditviewer.export as export_module", "import auditviewer.export.plan as export_module"),
        ("from auditviewer.formats.jsonl import read_jsonl", "from auditviewer.input.formats.jsonl import read_jsonl"),
        ("from tests.conftest import ACME_KEY, VECTORS",
         "from tests.helpers.vectors import VECTOR_KEY as ACME_KEY, VECTORS"),
        ("from tests.bundle_builder import make_entry", "from tests.helpers.bundle_builder import make_entry"),
        ("see `auditviewer/limits.py`", "see `auditviewer/core/limits.py`"),
        ('metadata[b"auditviewer.export"]', 'metadata[b"auditviewer.export"]'),  # data, not a module
        # Phase 2: moved again, and names split out of a module.
        ("from auditviewer.ui import loader", "from auditviewer.workspace import store_session as loader"),
        ("from auditviewer.ui.session import FilterState", "from auditviewer.workspace.session import FilterState"),
        ('monkeypatch.setattr("auditviewer.ui.loader.open_store", f)',
         'monkeypatch.setattr("auditviewer.workspace.store_session.open_store", f)'),
        ("from auditviewer.ui.scope_tree import ALL, ScopeTree",
         "from auditviewer.workspace.scopes import ALL\nfrom auditviewer.ui.widgets.scope_tree import ScopeTree"),
        ("from auditviewer.workspace.scopes import Scope", "from auditviewer.workspace.scopes import Scope"),
        ("from auditviewer.integrity.memory import CheckpointMemory, verify_with_memory",
         "from auditviewer.integrity.memory import CheckpointMemory\n"
         "from auditviewer.workspace.memory import verify_with_memory"),
        ("from auditviewer.sample import write_sample_bundle", "from auditviewer.demo import write_sample_bundle"),
        ("from auditviewer.demo.sample import _plan, sample_origin",
         "from auditviewer.demo.writer import _plan\nfrom auditviewer.demo import sample_origin"),
        ("from auditviewer import sample", "from auditviewer import demo as sample"),
    ],
)
def test_rewrite(relayout: ModuleType, old: str, new: str) -> None:
    assert relayout.rewrite(old) == new
    assert relayout.rewrite(new) == new  # idempotent


def test_every_rewritten_module_imports(relayout: ModuleType) -> None:
    auditviewer_modules = {
        new for new in relayout.MODULES.values()
        if new.startswith("auditviewer.") and not new.startswith("auditviewer.ui")
    }
    for name in sorted(auditviewer_modules):
        importlib.import_module(name)
