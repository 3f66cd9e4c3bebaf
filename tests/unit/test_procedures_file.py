"""The procedures file of ``[kiosk] procedures_file``: the demo's example is valid, and every
mistake stops the start with a message naming the file, the procedure and the field."""

from __future__ import annotations

import copy

import pytest
import tomllib
from click.testing import CliRunner

from api.cli import cli
from api.demo import DEMO_PROCEDURES
from locker.config import config_from_dict, load_config
from locker.errors import ConfigError
from locker.procedures import load_procedures, procedures_from_dict

EXAMPLE = tomllib.loads(DEMO_PROCEDURES.read_text(encoding="utf-8"))


def test_the_demo_ships_a_handful_of_common_procedures_in_both_languages():
    catalog = load_procedures(str(DEMO_PROCEDURES))
    names = [p.name.en for p in catalog.items]
    assert len(names) >= 5 and {"Birth registration", "Marriage registration"} <= set(names)
    for procedure in catalog.items:
        assert procedure.portal_url.startswith("https://dichvucong.gov.vn/")
        assert procedure.documents and all(d.vi and d.en for d in procedure.documents)
        assert "(ví dụ)" in procedure.fee.vi and "(example)" in procedure.fee.en  # marked as examples
    assert catalog.find("2.000815").view()["documents"][0] == {"vi": "Bản chính giấy tờ cần chứng thực",
                                                                "en": "The original document"}


def broken(change) -> dict:
    raw = copy.deepcopy(EXAMPLE)
    change(raw["procedure"][1])
    return raw


def drop(key):
    return lambda p: p.pop(key)


def put(key, value):
    return lambda p: p.__setitem__(key, value)


@pytest.mark.parametrize(("change", "procedure", "field", "problem"), [
    (drop("fee"), "1.000894", "fee", "missing"),
    (lambda p: p["name"].pop("en"), "1.000894", "name.en", "missing"),
    (lambda p: p["documents"][1].pop("en"), "1.000894", "documents[2].en", "missing"),
    (lambda p: p["documents"][0].__setitem__("vi", "   "), "1.000894", "documents[1].vi", "not empty"),
    (lambda p: p["name"].__setitem__("fr", "Mariage"), "1.000894", "name.fr", "unknown language"),
    (put("documents", []), "1.000894", "documents", "1 to 40"),
    (put("documents", "CCCD"), "1.000894", "documents", "1 to 40"),
    (put("fee", "Free"), "1.000894", "fee", "vi = "),
    (put("processing_time", {"vi": "1 ngày\n2 ngày", "en": "1 day"}), "1.000894", "processing_time.vi", "one line"),
    (put("processing_time", {"vi": "x" * 201, "en": "1 day"}), "1.000894", "processing_time.vi", "200"),
    (put("portal_url", "http://dichvucong.gov.vn/x"), "1.000894", "portal_url", "https://"),
    (put("portal_url", "https://dichvucong.gov.vn.evil.example/x"), "1.000894", "portal_url", "*.gov.vn"),
    (put("portal_url", "https://user@dichvucong.gov.vn/x"), "1.000894", "portal_url", "*.gov.vn"),
    (put("portal_url", "https://dichvucong.gov.vn/a b"), "1.000894", "portal_url", "without spaces"),
    (drop("portal_url"), "1.000894", "portal_url", "missing"),
    (put("fees", {"vi": "0", "en": "0"}), "1.000894", "fees", "unknown key"),
    (put("code", "1.001193"), "1.001193", "code", "listed twice"),
    (put("code", "../etc"), "#2", "code", "letters, digits"),
    (drop("code"), "#2", "code", "missing"),
])
def test_a_mistake_names_the_file_the_procedure_and_the_field(change, procedure, field, problem):
    with pytest.raises(ConfigError) as caught:
        procedures_from_dict(broken(change), source="procedures.toml")
    assert caught.value.key == f"procedures.toml: procedure {procedure}"
    assert caught.value.problem.startswith(f"{field}: ") and problem in caught.value.problem


@pytest.mark.parametrize(("raw", "problem"), [
    ({}, "lists no procedure"),
    ({"procedure": []}, "lists no procedure"),
    ({"procedure": {"code": "1"}}, "lists no procedure"),
    ({"procedures": EXAMPLE["procedure"]}, "unknown key 'procedures'"),
    ({"procedure": EXAMPLE["procedure"] * 40}, "at most 200"),
])
def test_a_file_without_procedures_or_with_other_tables_is_refused(raw, problem):
    with pytest.raises(ConfigError) as caught:
        procedures_from_dict(raw, source="procedures.toml")
    assert caught.value.key == "procedures.toml" and problem in caught.value.problem


def test_the_configuration_reads_the_file_and_refuses_a_missing_or_broken_one(tmp_path):
    good = config_from_dict({"kiosk": {"procedures_file": str(DEMO_PROCEDURES)}}, env={})
    assert [p.code for p in good.procedures.items][:2] == ["1.001193", "1.000894"]
    assert config_from_dict({}, env={}).procedures.items == ()
    from_env = config_from_dict({}, env={"LOCKER_KIOSK_PROCEDURES_FILE": str(DEMO_PROCEDURES)})
    assert from_env.procedures == good.procedures
    with pytest.raises(ConfigError, match="kiosk.procedures_file: procedures file .*nowhere.toml not found"):
        config_from_dict({"kiosk": {"procedures_file": str(tmp_path / "nowhere.toml")}}, env={})
    bad = tmp_path / "bad.toml"
    bad.write_text('[[procedure]]\ncode = "1"\nname = { vi = "A"', encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{bad}: not valid TOML"):
        config_from_dict({"kiosk": {"procedures_file": str(bad)}}, env={})
    with pytest.raises(ConfigError, match="kiosk.lookups_per_minute"):
        config_from_dict({"kiosk": {"lookups_per_minute": 0}}, env={})


def test_locker_serve_refuses_to_start_with_a_bad_file_and_touches_nothing(tmp_path):
    """The check comes before the port, the buses and the database (a unit test may not open sockets:
    one opened here would fail it)."""
    procedures = tmp_path / "procedures.toml"
    procedures.write_text(DEMO_PROCEDURES.read_text(encoding="utf-8").replace(
        'fee = { vi = "Miễn lệ phí (ví dụ)", en = "Free (example)" }', 'fee = { vi = "Miễn lệ phí (ví dụ)" }'),
        encoding="utf-8")
    database = tmp_path / "locker.db"
    config = tmp_path / "locker.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{database}"\n[kiosk]\nprocedures_file = "{procedures}"\n'
                      f'[security]\nsecret_file = "{tmp_path / "secret"}"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["serve", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert f"configuration error: {procedures}: procedure 1.000894: fee.en: missing" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locker.toml", "procedures.toml"]
    with pytest.raises(ConfigError):
        load_config(config)
