"""Issue #12 point 5: every command, against each failure class, ends with one clear line
and its exit code (README "Exit codes": 2 usage or config, 3 the work failed at run
time), never a traceback.

Commands run in this process through ``mpsync.cli.main`` (the console script's entry),
so what is checked is what a user sees; a few run as the installed script too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.operator.conftest import Cli, write_config

WB = """
[[accounts]]
id = "wb"
marketplace = "wildberries"
token = "t0ken"
api_base_url = "http://127.0.0.1:9"
{mapping}
"""


def run_main(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``mpsync ARGS`` through the console script's ``main``: (exit code, stderr). Standard
    output (a progress bar, say) may hold more, but never a traceback."""
    from mpsync.cli import main

    saved = sys.argv
    sys.argv = ["mpsync", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = saved
    out, err = capsys.readouterr()
    assert "Traceback" not in out, out
    return code, err


def one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert "Traceback" not in output, output
    assert len(lines) == 1, output
    return lines[0]


# --- bad mapping files -------------------------------------------------------------


def _mapping(tmp_path: Path, kind: str) -> Path:
    builtin = Path(__file__).parents[2] / "mappings" / "wildberries.toml"
    text = builtin.read_text(encoding="utf-8")
    path = tmp_path / "mapping.toml"
    if kind == "bad jmespath":
        path.write_text(text.replace('path = "supplierStatus"', 'path = "supplierStatus[?"'))
    elif kind == "unknown transform":
        path.write_text(text.replace('external_id = { path = "id", type = "str" }',
                                     'external_id = { path = "id", transform = "shout" }'))  # fmt: skip
    elif kind == "unknown type":
        path.write_text(text.replace('external_id = { path = "id", type = "str" }',
                                     'external_id = { path = "id", type = "strr" }'))  # fmt: skip
    elif kind == "a directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\x00\xff\xfe\x89PNG\r\n" * 50)
    elif kind == "missing":
        path = tmp_path / "nowhere.toml"
    return path


MAPPING_KINDS = ["bad jmespath", "unknown transform", "unknown type", "a directory", "binary",
                 "missing"]  # fmt: skip


@pytest.mark.parametrize("kind", MAPPING_KINDS)
def test_a_bad_mapping_file_is_one_line(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = _mapping(tmp_path, kind)
    config = write_config(tmp_path, WB.format(mapping=f'mapping = "{mapping}"'))
    assert run_main("db", "upgrade", "--config", str(config), capsys=capsys)[0] == 0
    for command in (["sync"], ["sync", "--account", "wb"], ["resync", "--account", "wb",
                    "--since", "2026-11-01"]):  # fmt: skip
        code, output = run_main(*command, "--config", str(config), capsys=capsys)
        line = one_line(output)
        assert code == 2, (command, output)
        assert str(mapping.name) in line and "mapping" in line, line


# --- the store: PostgreSQL unreachable, or its database missing --------------------

STORE_COMMANDS = [
    ["status"], ["status", "--json"], ["sync"], ["orders", "list"], ["orders", "show", "1"],
    ["invoices", "list"], ["stock", "list"], ["prices", "list"], ["products", "list"],
    ["deadletters", "list"], ["inbox", "list"], ["report", "kpi"], ["customers", "list"],
    ["db", "upgrade"], ["db", "prune"],
]  # fmt: skip


@pytest.fixture
def missing_database() -> Iterator[str]:
    """A URL on the test PostgreSQL server naming a database that does not exist."""
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database="mpsync_no_such_db")
    yield url.render_as_string(hide_password=False)


@pytest.mark.parametrize("where", ["unreachable", "database missing"])
def test_a_store_that_cannot_be_opened_is_one_line(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    if where == "unreachable":
        url = "postgresql+psycopg://mpsync:pw-kept-out@127.0.0.1:9/crm"
        expected = "cannot reach the store"
    else:
        url = request.getfixturevalue("missing_database")
        expected = "does not exist"
    config = tmp_path / "mpsync.toml"
    config.write_text(f'[store]\nurl = "{url}"\n' + WB.format(mapping=""), encoding="utf-8")
    for command in STORE_COMMANDS:
        code, output = run_main(*command, "--config", str(config), capsys=capsys)
        line = one_line(output)
        assert code == 3 if where == "unreachable" else code == 2, (command, output)
        assert expected in line and "pw-kept-out" not in line, (command, line)


# --- output that cannot be written, ids that do not exist --------------------------


@pytest.fixture
def store_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    config = write_config(tmp_path, WB.format(mapping=""))
    assert run_main("db", "upgrade", "--config", str(config), capsys=capsys)[0] == 0
    return config


@pytest.mark.parametrize(
    "command",
    [["orders", "show", "999"], ["invoices", "show", "999"], ["invoices", "render", "999", "--out", "x.pdf"],
     ["deadletters", "drop", "999"],
     ["inbox", "show", "999"], ["sync", "--account", "nope"]],
)  # fmt: skip
def test_an_unknown_id_is_one_line(
    command: list[str], store_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run_main(*command, "--config", str(store_config), capsys=capsys)
    line = one_line(output)
    assert code in (2, 3) and ("999" in line or "nope" in line), (command, output)


def test_run_with_a_webhook_channel_missing_its_secret(cli: Cli, tmp_path: Path) -> None:
    """``check`` reported it; ``run`` printed a traceback."""
    config = write_config(tmp_path, WB.format(mapping="") + (
        '[[notifications.channels]]\nname = "crm"\ntype = "webhook"\n'
        'url = "https://crm.example/hook"\n'))  # fmt: skip
    done = cli("run", "--config", str(config))
    errors = [line for line in done.stderr.splitlines() if not line.startswith("{")]  # log
    line = one_line("\n".join(errors))
    assert done.returncode == 2 and "notifications.channels['crm'].secret" in line, done.stderr


def test_invoices_render_where_it_cannot_write_is_one_line(
    store_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out`` a directory, a path under a file, an existing file or a link: one line each,
    nothing overwritten, nothing written through the link."""
    from mpsync.store.engine import create_store_engine
    from tests.invoicing.helpers import issue, order_maker

    engine = create_store_engine(f"sqlite:///{tmp_path}/store.db")
    try:
        invoice = issue(engine, order_maker(engine)("42", lines=[("Кружка " * 400, 1, "5.00")]))
    finally:
        engine.dispose()
    existing, target, link = tmp_path / "kept.pdf", tmp_path / "precious", tmp_path / "link.pdf"
    existing.write_bytes(b"kept")
    target.write_text("keep me")
    link.symlink_to(target)
    cases = {tmp_path: (2, "is a directory"), existing / "x.pdf": (3, "cannot write"),
             existing: (2, "already exists; add --force"), link: (2, "symbolic link")}  # fmt: skip
    for out, (expected_code, words) in cases.items():
        code, output = run_main("invoices", "render", invoice.number, "--out", str(out),
                                "--config", str(store_config), capsys=capsys)  # fmt: skip
        assert code == expected_code and words in one_line(output), (out, output)
    assert existing.read_bytes() == b"kept" and target.read_text() == "keep me"
    # A ~3,000-character product name still renders (it gave fpdf's "row too high").
    code, _ = run_main("invoices", "render", invoice.number, "--out", str(tmp_path / "new.pdf"),
                       "--config", str(store_config), capsys=capsys)  # fmt: skip
    assert code == 0 and (tmp_path / "new.pdf").read_bytes().startswith(b"%PDF")
