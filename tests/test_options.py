"""Options objects check every value once, when made, and name the option that is wrong."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import repeatly
from repeatly.exceptions import InputError
from repeatly.jobs import AnalyzeOptions, LoadOptions, PlanOptions, SegmentOptions
from repeatly.prediction import ForecastOptions


@pytest.mark.parametrize(
    ("make", "message", "option"),
    [
        (lambda: LoadOptions(on_bad_rows="maybe"), 'expected "error" or "skip"', "on_bad_rows"),
        (lambda: LoadOptions(as_of="yesterday"), "expected a date like 2024-12-31", "as_of"),
        (lambda: AnalyzeOptions(lang="de"), 'expected "en" or "ru"', "lang"),
        (
            lambda: AnalyzeOptions(margin_rate=1.5),
            "expected a share between 0 and 1",
            "margin_rate",
        ),
        (lambda: ForecastOptions(model="lifetimes"), "expected auto, bgnbd", "model"),
        (lambda: ForecastOptions(unit="year"), 'expected "day" or "week" or "month"', "unit"),
        (lambda: ForecastOptions(margin=0.0), "expected a share above 0", "margin"),
        (lambda: ForecastOptions(horizon=-1), "expected a positive number of weeks", "horizon"),
        (lambda: ForecastOptions(clv_months=0), "expected 1 or more", "clv_months"),
        (
            lambda: ForecastOptions(as_of="2024-01-31", calibration_end="2024-02-01"),
            "expected a day before the end of the history (2024-01-31)",
            "calibration_end",
        ),
        (lambda: PlanOptions(playbook="win_back", language="fr"), 'expected "en" or "ru"', "lang"),
        (lambda: SegmentOptions(golden_share=0), "expected a share above 0", "golden_share"),
        (lambda: AnalyzeOptions(currency=" "), "expected a currency code", "currency"),
        (lambda: LoadOptions(header_row=0), "expected a row number of 1 or more", "header_row"),
        (lambda: LoadOptions(sheet=0), "expected a sheet's name or number", "sheet"),
        (
            lambda: LoadOptions(as_of="01/02/2023"),
            "could be 2023-02-01 (day first) or 2023-01-02 (month first); write it as "
            "YYYY-MM-DD (2023-02-01) or DD.MM.YYYY (01.02.2023)",
            "as_of",
        ),
        (lambda: LoadOptions(as_of="2023-12"), "is a month; write the day", "as_of"),
    ],
)
def test_a_wrong_option_is_named_when_the_options_are_made(make, message, option):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        make()
    assert info.value.option == option


def test_options_read_dates_and_give_their_json_form():
    options = AnalyzeOptions(
        as_of=dt.date(2024, 6, 30),
        predict={"calibration_end": "2024-01-31", "model": "bgnbd"},
    )
    assert options.predict == ForecastOptions(calibration_end=dt.date(2024, 1, 31), model="bgnbd")
    plain = json.loads(json.dumps(options.to_dict()))
    assert plain["as_of"] == "2024-06-30"
    assert plain["predict"]["calibration_end"] == "2024-01-31"
    assert ForecastOptions(unit="month").horizon_units == pytest.approx(12.0)


def test_a_job_checks_its_options_before_it_reads_a_line(tmp_path):
    missing = tmp_path / "not-there.csv"  # reading it would fail: the options fail first
    with pytest.raises(InputError, match="model: expected auto"):
        repeatly.predict(missing, model="lifetimes")
    with pytest.raises(InputError, match="on_bad_rows"):
        repeatly.analyze(missing, on_bad_rows="sometimes")
    with pytest.raises(InputError, match=r"not-there\.csv"):
        repeatly.predict(missing)
