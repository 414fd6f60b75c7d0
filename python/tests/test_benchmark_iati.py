"""The IATI benchmark task, run tiny, so that it cannot rot: the corpus and
a generated file are read by partnercrm, into a store, and walked by lxml,
and every activity is counted by each."""

from pathlib import Path

import pytest

from test_benchmark_suite import load_suite


def test_the_iati_task_reads_the_corpus_and_a_generated_file(capsys: pytest.CaptureFixture[str]) -> None:
    suite = load_suite()
    tasks = suite.main(["--only", "iati", "--iati-activities", "1500", "--repeat", "1"])
    assert [t.name for t in tasks] == [
        "iati_corpus_read", "iati_corpus_import", "iati_generated_read", "iati_generated_import",
    ]
    for task in tasks:
        assert [e.name for e in task.entries] == ["partnercrm", "lxml parse + walk"], task.name
        assert all(e.best > 0 for e in task.entries), task.name
    assert "1,300 activities" in tasks[0].check and "MB/s" in tasks[0].check
    assert "1,500 activities" in tasks[2].check
    table = capsys.readouterr().out
    assert "IATI 1,500 activities: read" in table
    assert "partnercrm benchmark suite: IATI files (1,500 generated activities)" in table


def test_the_generated_file_repeats_real_activities_under_new_identifiers(tmp_path: Path) -> None:
    suite = load_suite()
    path = tmp_path / "generated.xml"
    suite.generate_iati(path, 2000)
    text = path.read_text(encoding="utf-8")
    assert text.count("<iati-activity ") + text.count("<iati-activity>") == 2000
    assert "-r1</iati-identifier>" in text and "-r2</iati-identifier>" in text
    activities, transactions = suite.lxml_walk([path])
    assert activities == 2000 and transactions > 2000
