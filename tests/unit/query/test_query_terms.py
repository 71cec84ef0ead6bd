"""Issue 11.10: a query past ``max_query_terms`` is refused at once, with a clear error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from auditviewer.cli import main
from auditviewer.core.errors import QueryError
from auditviewer.core.limits import DEFAULT_LIMITS
from auditviewer.query.sql import compile_query
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

LIMIT = DEFAULT_LIMITS.max_query_terms


def test_terms_up_to_the_limit_compile() -> None:
    compiled = compile_query(" ".join(f"word{i}" for i in range(LIMIT)))
    assert len(compiled.params) == LIMIT


@pytest.mark.parametrize("words", [LIMIT + 1, 2_000, 20_000])
@pytest.mark.parametrize("joiner", [" ", " OR ", " -"])
def test_more_terms_are_refused_quickly(words: int, joiner: str) -> None:
    text = joiner.join(f"actor:user{i}@example.com" for i in range(words))
    started = time.perf_counter()
    with pytest.raises(QueryError, match=f"too many search terms \\(at most {LIMIT}\\)") as caught:
        compile_query(text)
    assert time.perf_counter() - started < 1.0  # stops at the limit, does not read all
    assert caught.value.column is not None and caught.value.column > 1


def test_cli_refuses_a_pasted_list_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = signer()
    bundle = write_bundle(tmp_path / "b", [make_entry(i) for i in range(3)], checkpoint_sizes=[3], key=key)
    query = " ".join(f"evt_{i:06d}" for i in range(4_000))
    assert main(["query", str(bundle), "-q", query, "--count"]) != 0
    err = capsys.readouterr().err
    assert "too many search terms" in err and "Traceback" not in err
