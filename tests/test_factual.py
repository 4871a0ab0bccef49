import pytest

from eval.factual import entity_report

SOURCE = (
    "KYIV (Reuters) - Ukraine's President Volodymyr Zelenskiy met U.S. officials on Oct. 14, 1998 in Kyiv. "
    "Sales rose 12.5 percent to $3.5 million and four people were hurt."
)


def test_corpus_report_with_several_references():
    report = entity_report(
        ["a", "b"],
        ["Zelensky met Putin in Kyiv.", "Sales rose 12.5 percent."],
        sources=[[SOURCE], [SOURCE]],
        references=[["Zelenskiy met officials in Kyiv.", "Putin and Zelensky talked."], ["Sales rose 12.5%."]],
    )
    a, b = report.examples
    assert a.unsupported == ["Putin"] and b.unsupported == []
    # a: Zelensky, Putin, Kyiv ("Putin" unsupported); b: 12.5 percent. Micro: 3 of 4.
    assert report.precision_source == pytest.approx(3 / 4)
    # a: each reference holds 2 of the 3 summary entities (mean 2); b: 1 of 1
    assert report.precision_target == pytest.approx((2 + 1) / 4)
    assert report.recall_target == pytest.approx(1.0)  # every reference entity is in its summary
    assert "micro" in report.to_dict()["convention"]
    no_sources = entity_report(["a"], ["Putin spoke."], references=[["Putin spoke."]])
    assert no_sources.precision_source is None and no_sources.precision_target == 1.0
