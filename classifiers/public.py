"""Public English data sets mapped onto the shop's departments (or out of scope).

None of the three sets is about an online shop's complaints: Bitext is generated customer-service
requests, BANKING77 is online-banking questions and CLINC150 is a voice assistant's intents. Only
the labels whose messages a shop department would act on are kept; everything else is dropped,
with the reason next to it, so a reviewer can argue with each line.

Users do not have ``/work/shared/data``, so ``python -m classifiers.public DATA_DIR`` writes the
mapped rows into ``classifiers/data/public/`` (``train.tsv`` and ``eval.tsv``, split by a hash of
the text so the split never changes and no eval row is ever trained on) with their licences.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from classifiers.model import DATA, OUT_OF_SCOPE, Example

PUBLIC = DATA / "public"
EVAL_SHARE = 0.2
"""Share of the mapped rows kept for evaluation only, chosen by a hash of the text."""

# Bitext (CDLA-Sharing-1.0): generated requests of a shop's customers, by intent.
BITEXT: Mapping[str, str | None] = {
    "cancel_order": "orders",
    "change_order": "orders",
    "place_order": None,  # "I want to buy ...": a pre-sales request, and wording close to orders
    "track_order": "logistics",  # where is my parcel: tracking
    "delivery_period": "logistics",  # when will it arrive
    "delivery_options": None,  # which carriers do you offer: pre-sales, but full of delivery words
    "change_shipping_address": "logistics",  # wrong address
    "set_up_shipping_address": "website",  # saving an address in the account
    "check_invoice": "billing",
    "get_invoice": "billing",
    "get_refund": "billing",
    "track_refund": "billing",
    "check_refund_policy": None,  # a question about the rules, not a refund owed
    "check_cancellation_fee": None,  # a question about fees before cancelling: neither orders nor billing
    "check_payment_methods": None,  # pre-sales question
    "payment_issue": "billing",
    "create_account": "website",
    "delete_account": "website",
    "edit_account": "website",
    "switch_account": "website",
    "recover_password": "website",
    "registration_problems": "website",
    "newsletter_subscription": "marketing",  # (un)subscribing the newsletter
    "contact_customer_service": None,  # "how do I reach you": not a complaint about the staff
    "contact_human_agent": None,  # same: asks for a person, says nothing of who must act
    "complaint": None,  # "I want to file a complaint": no department in the text
    "review": None,  # "I want to leave a review": feedback of any kind
}

# BANKING77 (CC BY 4.0): a bank's app. Card payments and refunds read like a shop's billing; the
# delivery of the card reads like a parcel; passcode and personal details like a shop account.
# Transfers, top-ups, ATMs, exchange rates and identity checks are banking only: dropped, since as
# out-of-scope rows they would teach "charge" and "refund" words to mean "not a complaint".
BANKING77: Mapping[str, str] = {
    "Refund_not_showing_up": "billing",
    "request_refund": "billing",
    "transaction_charged_twice": "billing",
    "card_payment_fee_charged": "billing",
    "extra_charge_on_statement": "billing",
    "card_payment_not_recognised": "billing",
    "pending_card_payment": "billing",
    "reverted_card_payment?": "billing",
    "declined_card_payment": "billing",
    "card_payment_wrong_exchange_rate": "billing",
    "card_arrival": "logistics",
    "card_delivery_estimate": "logistics",
    "passcode_forgotten": "website",
    "edit_personal_details": "website",
    "terminate_account": "website",
}

# CLINC150 (CC BY 3.0): the "oos" queries and the domains no shop complaint comes from are out of
# scope. The banking and credit-card domains are dropped (bills, payments and cards are too close
# to billing), and so are a few intents of other domains a shop customer might write about.
CLINC_OUT_OF_SCOPE_DOMAINS = frozenset(
    {"kitchen_dining", "home", "auto_commute", "travel", "utility", "work", "small_talk", "meta"}
)
CLINC_DROPPED_INTENTS = frozenset(
    {
        "order",  # "order more paper towels": an order, not out of scope
        "order_status",  # "where is my package": logistics wording
        "shopping_list",
        "shopping_list_update",
        "lost_luggage",  # lost in transit: logistics wording
        "cancel",  # "cancel that": would teach "cancel" as out of scope
        "cancel_reservation",
        "repeat",
        "yes",
        "no",
        "maybe",
    }
)
CLINC_PER_INTENT = 12
"""Rows kept per out-of-scope CLINC intent (by hash), so 100-odd assistant intents do not swamp the rest."""

LICENCES = """\
Public data in classifiers/data/public/ (mapped by classifiers/public.py; only the rows whose
labels map onto a department or out of scope are kept, texts unchanged):

- Bitext customer-support sample ("source" bitext): Bitext Innovations International, Inc.
  Customer Support LLM Chatbot Training Dataset,
  https://github.com/bitext/customer-support-llm-chatbot-training-dataset
  Licence: Community Data License Agreement - Sharing, Version 1.0 (CDLA-Sharing-1.0),
  https://cdla.dev/sharing-1-0/ . Redistributions of this data must keep this licence.
- BANKING77 ("source" banking77): PolyAI, Casanueva et al., "Efficient Intent Detection with Dual
  Sentence Encoders" (2020), https://github.com/PolyAI-LDN/task-specific-datasets
  Licence: Creative Commons Attribution 4.0 International (CC BY 4.0),
  https://creativecommons.org/licenses/by/4.0/ . Changes: rows selected and relabelled.
- CLINC150 / oos-eval ("source" clinc150): Clinc, Larson et al., "An Evaluation Dataset for
  Intent Classification and Out-of-Scope Prediction" (EMNLP 2019), https://github.com/clinc/oos-eval
  Licence: Creative Commons Attribution 3.0 Unported (CC BY 3.0),
  https://creativecommons.org/licenses/by/3.0/ . Changes: rows selected and relabelled.
"""


@dataclass(frozen=True)
class PublicRow:
    text: str
    label: str
    source: str


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def is_eval(text: str) -> bool:
    """Whether a public row belongs to the evaluation split: fixed by its text, never by chance."""
    return _digest(text) % 1000 < EVAL_SHARE * 1000


def map_bitext(rows: Iterable[Mapping[str, str]]) -> Iterator[PublicRow]:
    for row in rows:
        label = BITEXT.get(row["intent"])
        if label is not None:
            yield PublicRow(row["text"].strip(), label, "bitext")


def map_banking77(rows: Iterable[Mapping[str, str]]) -> Iterator[PublicRow]:
    for row in rows:
        label = BANKING77.get(row["category"])
        if label is not None:
            yield PublicRow(row["text"].strip(), label, "banking77")


def map_clinc150(
    rows: Iterable[Mapping[str, str]], per_intent: int = CLINC_PER_INTENT
) -> Iterator[PublicRow]:
    """The "oos" queries and a hashed sample of each intent of the unrelated domains."""
    by_intent: dict[str, list[str]] = {}
    for row in rows:
        intent, domain = row["intent"], row.get("domain", "")
        if intent == "oos" or (domain in CLINC_OUT_OF_SCOPE_DOMAINS and intent not in CLINC_DROPPED_INTENTS):
            by_intent.setdefault(intent, []).append(row["text"].strip())
    for intent, texts in sorted(by_intent.items()):
        chosen = texts if intent == "oos" else sorted(texts, key=_digest)[:per_intent]
        yield from (PublicRow(text, OUT_OF_SCOPE, "clinc150") for text in chosen)


def map_all(folder: Path) -> list[PublicRow]:
    """Reads the three sets from ``folder`` and returns the mapped rows, each text once."""
    with (folder / "bitext-customer-support" / "bitext_customer_support.csv").open(encoding="utf-8") as f:
        bitext = list(map_bitext(csv.DictReader(f)))
    banking: list[PublicRow] = []
    for name in ("train.csv", "test.csv"):
        with (folder / "banking77" / name).open(encoding="utf-8") as f:
            banking += map_banking77(csv.DictReader(f))
    with (folder / "clinc150" / "clinc150.jsonl").open(encoding="utf-8") as f:
        clinc = list(map_clinc150(json.loads(line) for line in f if line.strip()))
    seen: set[str] = set()
    unique = []
    for row in [*bitext, *banking, *clinc]:
        key = row.text.lower()
        if row.text and "\t" not in row.text and "\n" not in row.text and key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def write(rows: Sequence[PublicRow], target: Path = PUBLIC) -> dict[str, int]:
    """Writes ``train.tsv`` and ``eval.tsv`` (``label, lang, text, source``) and the licences."""
    target.mkdir(parents=True, exist_ok=True)
    counts = {"train": 0, "eval": 0}
    for split in counts:
        chosen = sorted(
            (row for row in rows if is_eval(row.text) == (split == "eval")),
            key=lambda row: (row.label, row.source, row.text),
        )
        with (target / f"{split}.tsv").open("w", encoding="utf-8", newline="") as handle:
            # Plain tab-joined lines: the reader takes quotes literally (csv.QUOTE_NONE).
            handle.write("label\tlang\ttext\tsource\n")
            handle.writelines(f"{row.label}\ten\t{row.text}\t{row.source}\n" for row in chosen)
        counts[split] = len(chosen)
    (target / "LICENSES.txt").write_text(LICENCES, encoding="utf-8")
    return counts


def read_public(split: str, folder: Path = PUBLIC) -> list[tuple[Example, str]]:
    """The mapped public rows of ``split`` (``train`` or ``eval``) with their source; empty if absent."""
    path = folder / f"{split}.tsv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if next(rows, None) != ["label", "lang", "text", "source"]:
            raise ValueError(f"{path}: expected the header label, lang, text, source")
        return [(Example(row[2], row[0], row[1]), row[3]) for row in rows if len(row) == 4]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifiers.public", description=__doc__)
    parser.add_argument(
        "data", type=Path, help="the folder holding bitext-customer-support, banking77, clinc150"
    )
    parser.add_argument("--out", type=Path, default=PUBLIC, help=f"where to write (default {PUBLIC})")
    args = parser.parse_args(argv)
    try:
        counts = write(map_all(args.data), args.out)
    except (OSError, KeyError, ValueError) as error:
        sys.stderr.write(f"classifiers.public: {error}\n")
        return 1
    sys.stdout.write(f"wrote {counts['train']} training and {counts['eval']} evaluation rows to {args.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
