"""The forms' TOML is parsed once and kept beside the bytecode (forms/__pycache__/forms.json):
each click must still see exactly what the TOML files say, after an edit, a damaged cache or a
folder where nothing can be written."""
from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from macros_py.forms import spec

FORMS = Path(spec.__file__).parent


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A copy of the shipped forms that spec reads instead of its own folder."""
    for toml in FORMS.glob("*.toml"):
        shutil.copy2(toml, tmp_path / toml.name)
    monkeypatch.setattr(spec, "__file__", str(tmp_path / "spec.py"))
    return tmp_path


def _as_written(folder: Path) -> list[dict]:
    return [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.toml"))]


def test_the_cache_holds_the_specs_as_written(folder):
    assert spec._spec_data() == _as_written(folder)
    cached = json.loads((folder / "__pycache__" / "forms.json").read_text(encoding="utf-8"))
    assert cached["specs"] == _as_written(folder)
    assert spec._spec_data() == _as_written(folder)       # read back from the cache


def test_forms_built_from_the_cache_equal_forms_built_from_the_toml(folder):
    spec._spec_data()                                      # writes the cache
    cached = {d["id"]: d for d in spec._spec_data()}
    for data in _as_written(folder):
        assert spec._build(cached[data["id"]]) == spec._build(data)


def test_the_cache_is_read_when_the_files_have_not_changed(folder):
    spec._spec_data()
    cache = folder / "__pycache__" / "forms.json"
    cached = json.loads(cache.read_text(encoding="utf-8"))
    cached["specs"][0]["name"] = "ĐỌC TỪ BỘ NHỚ ĐỆM"
    cache.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
    assert spec._spec_data()[0]["name"] == "ĐỌC TỪ BỘ NHỚ ĐỆM"


def test_an_edited_spec_is_seen_at_once(folder):
    spec._spec_data()
    first = sorted(folder.glob("*.toml"))[0]
    text = first.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    first.write_text(text.replace(f'name = "{data["name"]}"', 'name = "Biểu đã sửa tên"', 1), encoding="utf-8")
    assert spec._spec_data()[0]["name"] == "Biểu đã sửa tên"
    assert spec._spec_data() == _as_written(folder)


def test_a_new_spec_file_is_seen_at_once(folder):
    spec._spec_data()
    source = sorted(folder.glob("*.toml"))[0]
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    (folder / "zz_them.toml").write_text(
        source.read_text(encoding="utf-8").replace(f'id = "{data["id"]}"', 'id = "bieu-them"', 1), encoding="utf-8")
    assert [d["id"] for d in spec._spec_data()][-1] == "bieu-them"


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"key": 1}', b"[]", b"\xff\xfe"])
def test_a_damaged_cache_is_replaced(folder, damage):
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "forms.json").write_bytes(damage)
    assert spec._spec_data() == _as_written(folder)
    assert json.loads((folder / "__pycache__" / "forms.json").read_text(encoding="utf-8"))["specs"] == \
        _as_written(folder)


def test_where_nothing_can_be_written_the_toml_is_read(folder):
    (folder / "__pycache__").write_text("a file where the cache folder would be", encoding="utf-8")
    assert spec._spec_data() == _as_written(folder)
    assert spec._spec_data() == _as_written(folder)
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []
