import json

import pytest

from eval import io
from eval.data import DataError


def test_read_jsonl_errors(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        io.read_jsonl(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n\n{"id": 2,\n')
    with pytest.raises(DataError, match=r"bad.jsonl:3: invalid JSON"):
        io.read_jsonl(bad)
    scalar = tmp_path / "scalar.jsonl"
    scalar.write_text('{"id": 1}\n[1, 2]\n')
    with pytest.raises(DataError, match="scalar.jsonl:2: expected a JSON object, got list"):
        io.read_jsonl(scalar)
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": 1}\n\n{"id": 2}\n')
    assert io.read_jsonl(good) == [(1, {"id": 1}), (3, {"id": 2})]


def test_tolerant_reading_skips_a_torn_last_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "summary": "x"}\n{"id": "b", "summ')
    assert io.read_jsonl_tolerant(path) == [{"id": "a", "summary": "x"}]
    assert io.read_jsonl_tolerant(tmp_path / "none.jsonl") == []
    io.append_jsonl(tmp_path / "q.jsonl", {"id": "é"})
    io.rewrite_jsonl(path, [{"id": "a"}])
    assert path.read_text() == '{"id": "a"}\n'


def _rows():
    return [
        {"id": "x1", "documents": ["Doc a.", "Doc b."], "summaries": ["Ref."]},
        {"id": "x2", "documents": ["Doc c."], "summaries": ["Ref 2."]},
    ]


def test_local_datasets_in_three_formats(tmp_path):
    pd = pytest.importorskip("pandas")
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in _rows()))
    rows, origin = io.load_dataset_rows(str(jsonl), cache_dir=tmp_path / "cache")
    assert [r["id"] for r in rows] == ["x1", "x2"] and rows[0]["documents"] == ["Doc a.", "Doc b."]
    assert origin == str(jsonl)
    csv_path = tmp_path / "d.csv"
    pd.DataFrame([{"id": "c1", "article": "Text ||||| More", "highlights": "Short"}]).to_csv(csv_path, index=False)
    rows, _ = io.load_dataset_rows(str(csv_path), cache_dir=tmp_path / "cache")
    assert rows == [{"id": "c1", "article": "Text ||||| More", "highlights": "Short"}]
    parquet = tmp_path / "d.parquet"
    pd.DataFrame(_rows()).to_parquet(parquet)
    rows, _ = io.load_dataset_rows(str(parquet), cache_dir=tmp_path / "cache")
    assert rows[1]["summaries"] == ["Ref 2."]


def test_dataset_errors(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        io.load_dataset_rows(str(tmp_path / "gone.jsonl"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\nnot json\n')
    with pytest.raises(DataError, match="bad.jsonl:2: invalid JSON"):
        io.load_dataset_rows(str(bad), cache_dir=tmp_path / "cache")
    other = tmp_path / "d.txt"
    other.write_text("x")
    with pytest.raises(DataError, match="unknown file type"):
        io.load_dataset_rows(str(other))
    # a hub name with the hub unreachable (tests run with HF_HUB_OFFLINE=1)
    with pytest.raises(DataError, match="not a local file, and loading it from the hub failed"):
        io.load_dataset_rows("no-such-user/no-such-dataset", cache_dir=tmp_path / "cache")


def test_pathological_jsonl_lines_are_one_line_errors(tmp_path):
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"id": "a", "summary": "s"}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(DataError, match=r"^.*deep.jsonl:2: invalid JSON \(nested too deeply to read\)$"):
        io.read_jsonl(deep)
    huge = tmp_path / "huge.jsonl"
    huge.write_text('{"id": ' + "9" * 5000 + "}\n")
    with pytest.raises(DataError, match=r"huge.jsonl:1: invalid JSON \(a number of more than 4300 digits\)"):
        io.read_jsonl(huge)
    with pytest.raises(DataError, match=r"huge.jsonl:1: invalid JSON"):
        io.load_dataset_rows(str(huge), cache_dir=tmp_path / "cache")


def test_special_files_are_refused_not_waited_on(tmp_path):
    import os

    os.mkfifo(tmp_path / "pred.jsonl")
    with pytest.raises(DataError, match=r"pred.jsonl: is a named pipe \(FIFO\), not a regular file"):
        io.read_jsonl(tmp_path / "pred.jsonl")
    os.mkfifo(tmp_path / "data.csv")
    with pytest.raises(DataError, match=r"data.csv: is a named pipe \(FIFO\), not a regular file"):
        io.load_dataset_rows(str(tmp_path / "data.csv"))
