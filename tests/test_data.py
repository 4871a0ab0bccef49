import pytest

from eval.data import Columns, DataError, examples_from_rows, join_eval_rows, split_documents

ROWS = [
    {"id": "duc-1", "documents": ["Doc one.", "Doc two."], "summaries": ["Ref A.", "Ref B."]},
    {"id": "mn-1", "documents": "First story. ||||| Second story. |||||", "summaries": ["Ref."]},
    {"id": "mn-2", "documents": "Only one.", "summaries": "Single ref."},
]


def test_examples_with_multi_news_splitting_and_filters():
    examples = examples_from_rows(ROWS)
    assert [e.id for e in examples] == ["duc-1", "mn-1", "mn-2"]
    assert examples[1].documents == ["First story.", "Second story."]
    assert examples[2].references == ["Single ref."]
    assert [e.id for e in examples_from_rows(ROWS, id_prefix="mn")] == ["mn-1", "mn-2"]
    assert [e.id for e in examples_from_rows(ROWS, id_prefix="mn", limit=1)] == ["mn-1"]


def test_configurable_columns_and_row_ids():
    rows = [{"article": "Text here.", "highlights": "Short."}]
    (example,) = examples_from_rows(rows)  # detected: article, highlights
    assert example.id == "row-0" and example.references == ["Short."]
    rows = [{"key": "k1", "body": "Text.", "gist": "Gist."}]
    (example,) = examples_from_rows(rows, Columns(id="key", documents="body", references="gist"))
    assert (example.id, example.documents, example.references) == ("k1", ["Text."], ["Gist."])


@pytest.mark.parametrize(
    "rows, columns, message",
    [
        ([{"id": "a", "body": "x", "summary": "y"}], Columns(), "cannot find the documents column"),
        ([{"id": "a", "text": "x", "summary": "y"}], Columns(documents="body"), "no column 'body'"),
        ([{"id": "a", "text": "x", "summary": "y"}, {"id": "a", "text": "x", "summary": "y"}], Columns(), "appears twice"),
        ([{"id": "a", "text": 5, "summary": "y"}], Columns(), "documents must be a string"),
        ([{"id": "a", "text": "x", "summary": None}], Columns(), "is empty"),
        ([{"id": "a", "text": " ", "summary": "y"}], Columns(), "no document text"),
        ([], Columns(), "no rows"),
    ],
)
def test_bad_rows_give_one_line_errors(rows, columns, message):
    with pytest.raises(DataError, match=message) as info:
        examples_from_rows(rows, columns, origin="data.jsonl")
    assert "\n" not in str(info.value)


def test_no_examples_after_prefix():
    with pytest.raises(DataError, match="no examples with ids starting 'zzz'"):
        examples_from_rows(ROWS, id_prefix="zzz")


def test_split_documents():
    assert split_documents("a ||||| b") == ["a", "b"]
    assert split_documents(["a", " ", "b"]) == ["a", "b"]


def numbered(rows):
    return list(enumerate(rows, start=1))


def test_join_eval_rows():
    items = join_eval_rows(
        numbered([{"id": 1, "summary": "p1"}, {"id": 2, "summary": "p2"}]),
        numbered([{"id": 2, "summaries": ["r2a", "r2b"]}, {"id": 1, "summary": "r1"}]),
        numbered([{"id": 1, "documents": ["d1"]}, {"id": 2, "documents": "d2 ||||| d3"}]),
    )
    assert [(i.id, i.prediction, i.references, i.sources) for i in items] == [
        ("1", "p1", ["r1"], ["d1"]),
        ("2", "p2", ["r2a", "r2b"], ["d2", "d3"]),
    ]


def test_join_errors_name_the_file_and_reason():
    preds = numbered([{"id": "a", "summary": "p"}, {"id": "b", "summary": "q"}])
    with pytest.raises(DataError, match="ids do not match.*1 prediction ids not in refs.jsonl \\(e.g. 'b'\\)"):
        join_eval_rows(preds, numbered([{"id": "a", "summary": "r"}]), names=("pred.jsonl", "refs.jsonl", "src"))
    with pytest.raises(DataError, match="pred.jsonl:2: row has no 'summary' field"):
        join_eval_rows(numbered([{"id": "a", "summary": "p"}, {"id": "b", "text": "q"}]), [], names=("pred.jsonl", "r", "s"))
    with pytest.raises(DataError, match="refs.jsonl:1: row has no 'id'"):
        join_eval_rows(preds, numbered([{"summary": "r"}]), names=("p", "refs.jsonl", "s"))
    with pytest.raises(DataError, match="appears twice"):
        join_eval_rows(preds + [(3, {"id": "a", "summary": "again"})], [], names=("p", "r", "s"))
