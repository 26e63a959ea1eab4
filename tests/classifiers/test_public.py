"""The public data mapping: which labels become which department, what is dropped, the fixed
train/eval split and the attribution that must travel with the files."""

from __future__ import annotations

import json
from pathlib import Path

from bot.config import DEFAULT_DEPARTMENTS
from classifiers.model import OUT_OF_SCOPE
from classifiers.public import (
    BANKING77,
    BITEXT,
    PUBLIC,
    is_eval,
    main,
    map_banking77,
    map_bitext,
    map_clinc150,
    read_public,
)

KEYS = {d.key for d in DEFAULT_DEPARTMENTS}


def test_every_mapped_label_is_a_department_or_dropped() -> None:
    assert {label for label in BITEXT.values() if label} <= KEYS
    assert set(BANKING77.values()) <= KEYS


def test_bitext_intents_map_to_who_must_act() -> None:
    rows = [
        {"text": "I need to cancel order 123", "intent": "cancel_order", "category": "ORDER"},
        {"text": "where is my package", "intent": "track_order", "category": "ORDER"},
        {"text": "i was charged but the refund never came", "intent": "get_refund", "category": "REFUND"},
        {"text": "cannot log into my account", "intent": "recover_password", "category": "ACCOUNT"},
        {
            "text": "stop sending me the newsletter",
            "intent": "newsletter_subscription",
            "category": "NEWSLETTER",
        },
        {
            "text": "what payment methods do you take",
            "intent": "check_payment_methods",
            "category": "PAYMENT",
        },
        {"text": "I want to file a complaint", "intent": "complaint", "category": "FEEDBACK"},
    ]
    assert [(r.text, r.label) for r in map_bitext(rows)] == [
        ("I need to cancel order 123", "orders"),
        ("where is my package", "logistics"),
        ("i was charged but the refund never came", "billing"),
        ("cannot log into my account", "website"),
        ("stop sending me the newsletter", "marketing"),
    ]


def test_banking_keeps_payments_and_drops_banking_only_intents() -> None:
    rows = [
        {"text": "I was charged twice", "category": "transaction_charged_twice"},
        {"text": "my card has not arrived", "category": "card_arrival"},
        {"text": "top up failed", "category": "top_up_failed"},
        {"text": "exchange rate?", "category": "exchange_rate"},
    ]
    assert [(r.label, r.source) for r in map_banking77(rows)] == [
        ("billing", "banking77"),
        ("logistics", "banking77"),
    ]


def test_clinc_gives_out_of_scope_from_oos_and_unrelated_domains_only() -> None:
    rows = [
        {"text": "what is the meaning of life", "intent": "oos", "domain": "oos"},
        {"text": "tell me a joke", "intent": "tell_joke", "domain": "small_talk"},
        {"text": "pay my electric bill", "intent": "pay_bill", "domain": "banking"},
        {"text": "where is my order", "intent": "order_status", "domain": "home"},
        *(
            {"text": f"set a timer for {n} minutes", "intent": "timer", "domain": "utility"}
            for n in range(30)
        ),
    ]
    mapped = list(map_clinc150(rows, per_intent=5))
    assert {r.label for r in mapped} == {OUT_OF_SCOPE}
    texts = [r.text for r in mapped]
    assert "what is the meaning of life" in texts and "tell me a joke" in texts
    assert "pay my electric bill" not in texts and "where is my order" not in texts
    assert sum(t.startswith("set a timer") for t in texts) == 5
    assert texts == [r.text for r in map_clinc150(rows, per_intent=5)]  # the sample is fixed


def test_the_split_is_fixed_by_the_text() -> None:
    texts = [f"message number {n}" for n in range(2000)]
    share = sum(map(is_eval, texts)) / len(texts)
    assert 0.15 < share < 0.25
    assert [is_eval(t) for t in texts] == [is_eval(t) for t in texts]


def test_the_command_writes_both_splits_and_the_licences(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "bitext-customer-support").mkdir(parents=True)
    (data / "banking77").mkdir()
    (data / "clinc150").mkdir()
    bitext = ["text,intent,category"] + [f"cancel my order {n} please,cancel_order,ORDER" for n in range(50)]
    (data / "bitext-customer-support" / "bitext_customer_support.csv").write_text(
        "\n".join(bitext), encoding="utf-8"
    )
    for name in ("train.csv", "test.csv"):
        rows = ["text,category"] + [f"charged twice {name} {n},transaction_charged_twice" for n in range(20)]
        (data / "banking77" / name).write_text("\n".join(rows), encoding="utf-8")
    clinc = [
        json.dumps({"text": f"weather in city {n}", "intent": "oos", "domain": "oos"}) for n in range(20)
    ]
    (data / "clinc150" / "clinc150.jsonl").write_text("\n".join(clinc), encoding="utf-8")
    out = tmp_path / "public"

    assert main([str(data), "--out", str(out)]) == 0

    train, held = read_public("train", out), read_public("eval", out)
    assert len(train) + len(held) == 50 + 40 + 20
    assert {e.text for e, _ in train}.isdisjoint({e.text for e, _ in held})
    assert all(is_eval(e.text) for e, _ in held)
    licences = (out / "LICENSES.txt").read_text(encoding="utf-8")
    for name in ("CDLA-Sharing-1.0", "CC BY 4.0", "CC BY 3.0"):
        assert name in licences
    assert main([str(tmp_path / "missing"), "--out", str(out)]) == 1


def test_the_bundled_public_files_are_mapped_and_attributed() -> None:
    train, held = read_public("train"), read_public("eval")
    assert len(train) > 1000 and len(held) > 200
    assert {e.label for e, _ in train} <= KEYS | {OUT_OF_SCOPE}
    assert {e.text for e, _ in train}.isdisjoint({e.text for e, _ in held})
    assert (PUBLIC / "LICENSES.txt").exists()
