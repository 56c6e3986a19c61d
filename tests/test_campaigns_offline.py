"""Letters and call tasks: a PDF with one letter per recipient, a call sheet and back."""

from __future__ import annotations

import pandas as pd
import pytest
from pypdf import PdfReader

from repeatly.campaigns import (
    campaign_results,
    import_call_results,
    plan_campaign,
    send_campaign,
)
from repeatly.exceptions import DataValidationError
from repeatly.store import open_store

from .conftest import server_required
from .test_campaigns_send import AS_OF, NOON, _audience


def _letter_people(n: int = 7) -> pd.DataFrame:
    people = _audience(n).assign(
        status="lost", consent_email=False, consent_sms=False, consent_post=True
    )
    people["address"] = [f"Garden Lane {i + 1}, Flat {i + 10}, Tver" for i in range(n)]
    return people


def _needs_pango() -> None:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import weasyprint  # noqa: F401
    except OSError as exc:
        server_required(
            "Pango, which WeasyPrint draws letters with",
            f"apt-get install libpango-1.0-0 libpangoft2-1.0-0 ({exc})",
        )


def test_letters_are_a_pdf_with_one_page_per_recipient_and_its_address(tmp_path):
    _needs_pango()
    people = _letter_people()
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "win_back",
            people,
            store=store,
            as_of=AS_OF,
            control_share=0,
            shop={"name": "Test Shop", "address": "Main St 1, Tver"},
        )
        result = send_campaign(plan, store, smtp=None, files=tmp_path, now=NOON)
        path = tmp_path / "letters-win_back-2024-06-02-2024-06-02.pdf"
        assert result.by_channel == {"letter": 7} and result.files == {"letters": str(path)}
        first = [page.extract_text() for page in PdfReader(path).pages]
        path.unlink()  # as if the run had been killed before it wrote the file
        again = send_campaign(plan, store, smtp=None, files=tmp_path, now=NOON)
        second = [page.extract_text() for page in PdfReader(path).pages]
    assert again.sent == 0 and second == first
    assert len(first) == len(people)
    for text, person in zip(first, people.itertuples(), strict=True):
        lines = [line.strip() for line in text.splitlines()]
        street, flat, city = person.address.split(", ")
        block = lines.index(person.name)
        assert lines[block + 1 : block + 4] == [street, flat, city], lines
        assert "Test Shop" in lines[0] and "2 June 2024" in lines
        assert f"Dear {person.name.split()[0]}," in text  # the first name only
        assert "Thank you for" in text


def test_call_sheet_goes_out_and_its_results_come_back(tmp_path):
    people = _audience(9).assign(golden=True, consent_email=False, consent_phone=True)
    with open_store("sqlite://") as store:
        plan = plan_campaign(
            "golden_care", people, store=store, as_of=AS_OF, control_share=0.2, name="vip"
        )
        result = send_campaign(plan, store, smtp=None, files=tmp_path, now=NOON)
        sheet = pd.read_excel(tmp_path / "calls-vip.xlsx", dtype=str, keep_default_na=False)
        called = plan.treatment.set_index("customer_id")
        assert result.by_channel == {"call": len(called)} == {"call": len(sheet)}
        assert list(sheet.columns) == [
            "customer_id",
            "name",
            "phone",
            "step",
            "script",
            "facts",
            "result",
            "note",
            "message_id",
        ]
        for row in sheet.itertuples():
            assert row.script.startswith(
                f"Hello {row.name.split()[0]}, this is your personal manager"
            )
            assert f"code {called.loc[row.customer_id, 'coupon_code']}" in row.facts
        sheet.loc[0:1, "result"] = "ordered"
        sheet.loc[2, "result"] = "declined"
        sheet.loc[3, "result"] = "maybe later"
        filled = tmp_path / "filled.xlsx"
        sheet.to_excel(filled, index=False)
        with pytest.raises(DataValidationError) as info:
            import_call_results(store, "vip", filled)
        assert str(info.value) == (
            'filled.xlsx, row 5, column "result": expected one of '
            "ordered, interested, callback, declined, no_answer, "
            'wrong_number, got "maybe later"'
        )
        sheet.loc[3, "result"] = "no answer"
        sheet.to_excel(filled, index=False)
        imported = import_call_results(store, "vip", filled, at=NOON)
        twice = import_call_results(store, "vip", filled, at=NOON)
        no_orders = pd.DataFrame(
            {"customer_id": ["x"], "ordered_at": [pd.Timestamp(NOON.date())], "amount": [1.0]}
        )
        row = campaign_results(store, "vip", no_orders).overall
    assert (imported.recorded, imported.responses) == (4, 2)
    assert (twice.recorded, twice.already) == (0, 4)
    assert row["responders_treatment"] == 2  # ordered twice; declined and no answer do not
