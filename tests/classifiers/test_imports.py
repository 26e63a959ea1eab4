"""Importing a shop's history: CSV, TSV and JSON Lines with named columns and a label map; every
skipped row is reported with its reason, and a bad file imports nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import DEFAULT_DEPARTMENTS
from classifiers.imports import DataFileError, LabelMap, import_file, read_label_map

KEYS = tuple(d.key for d in DEFAULT_DEPARTMENTS)


@pytest.fixture
def label_map(tmp_path: Path) -> LabelMap:
    path = tmp_path / "labels.toml"
    path.write_text(
        '[labels]\n"配送遅延" = "logistics"\n"Refund" = "billing"\n"その他" = "out_of_scope"\n'
        'skip = ["テスト"]\n',
        encoding="utf-8",
    )
    return read_label_map(path, KEYS)


def test_csv_with_named_columns_and_a_map_reports_counts_and_every_skipped_row(
    tmp_path: Path, label_map: LabelMap
) -> None:
    path = tmp_path / "history.csv"
    path.write_text(
        "id,body,category\n"
        '1,"荷物が届かない, もう一週間",配送遅延\n'
        "2,返金はまだですか,refund\n"
        "3,在庫ありますか,その他\n"
        "4,,配送遅延\n"
        "5,テスト送信,テスト\n"
        "6,ポイントが消えた,ポイント\n"
        "7,返金はまだですか,Refund\n",
        encoding="utf-8",
    )
    report = import_file(path, KEYS, text_column="body", label_column="category", label_map=label_map)
    assert [(e.text, e.label, e.language) for e in report.examples] == [
        ("荷物が届かない, もう一週間", "logistics", "ja"),
        ("返金はまだですか", "billing", "ja"),
        ("在庫ありますか", "out_of_scope", "ja"),
    ]
    assert report.counts == {"billing": 1, "logistics": 1, "out_of_scope": 1}
    assert [(s.line, s.reason) for s in report.skipped] == [
        (5, "empty text"),
        (6, "label 'テスト' is skipped by the map"),
        (7, "label 'ポイント' is not in the map"),
        (8, "the same text again (the first one counts)"),
    ]
    text = "\n".join(report.lines())
    assert "3 rows imported (billing 1, logistics 1, out_of_scope 1), 4 skipped" in text
    assert "テスト送信" not in text  # no customer text in the report


def test_tsv_and_jsonl_without_a_map_take_department_keys(tmp_path: Path) -> None:
    tsv = tmp_path / "history.tsv"
    tsv.write_text("text\tdepartment\nlogin fails\twebsite\nhello there\t\nmy cat\tpets\n", encoding="utf-8")
    report = import_file(tsv, KEYS)
    assert [(e.label, e.language) for e in report.examples] == [("website", "en"), ("out_of_scope", "en")]
    assert [(s.line, s.reason) for s in report.skipped] == [(4, "unknown department 'pets'")]

    jsonl = tmp_path / "history.jsonl"
    rows = [{"message": "배송이 늦어요", "tag": "logistics"}, {"message": 5, "tag": "orders"}]
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    report = import_file(jsonl, KEYS, text_column="message", label_column="tag")
    assert [(e.text, e.label, e.language) for e in report.examples] == [("배송이 늦어요", "logistics", "ko")]
    assert [(s.line, s.reason) for s in report.skipped] == [(2, "empty text")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("h.csv", "body,label\nx,orders\n", "no column 'text'"),
        ("h.jsonl", '{"text": "a", "department": "orders"}\n{not json}\n', "line 2: not JSON"),
        ("h.jsonl", '["a", "orders"]\n', "a JSON object per line"),
        ("h.csv", 'text,department\nb,orders\n"a,orders,extra\n', "not a readable CSV"),
        ("h.tsv", "text\tdepartment\nb\torders\nc\n", "line 3: fewer fields"),
        ("h.csv", "text,department\na,b,c\n", "more fields than the header"),
        ("h.csv", "text,department\na,pets\n", "no usable rows"),
        ("h.csv", "", "empty file"),
        ("h.xlsx", "text,department\n", "unknown format"),
    ],
)
def test_a_bad_file_is_an_error_naming_it(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        import_file(path, KEYS)


def test_a_file_that_goes_bad_halfway_imports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes("text,department\n届かない,logistics\n".encode() + b"\xff\xfe,orders\n")
    with pytest.raises(DataFileError, match="not UTF-8"):
        import_file(path, KEYS)
    with pytest.raises(DataFileError, match="no such file"):
        import_file(tmp_path / "missing.csv", KEYS)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('"a" = "logistics"\n', r"needs a \[labels\] table"),
        ('[labels]\n"a" = "pets"\n', "'pets', which is not a department"),
        ("[labels\n", "not a readable TOML"),
    ],
)
def test_a_bad_map_is_an_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "labels.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        read_label_map(path, KEYS)
