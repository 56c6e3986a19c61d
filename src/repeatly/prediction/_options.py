"""A forecast's options: checked once, when made, before any order is read."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from repeatly._checks import check_choice, check_share, parse_date
from repeatly.analytics import UNIT_DAYS, Unit
from repeatly.exceptions import InputError

__all__ = ["AUTO_MODELS", "MODEL_NAMES", "ForecastOptions"]

#: Every model a forecast can use, and those ``model="auto"`` chooses between (they share
#: one data summary).
MODEL_NAMES = ("bgnbd", "mbgnbd", "pnbd", "bgbb")
AUTO_MODELS = ("bgnbd", "mbgnbd", "pnbd")


@dataclass(frozen=True, kw_only=True)
class ForecastOptions:
    """What a forecast fits and predicts (see :func:`repeatly.prediction.forecast`).

    Parameters
    ----------
    model
        ``"bgnbd"``, ``"mbgnbd"``, ``"pnbd"``, ``"bgbb"`` or ``"auto"``.
    unit
        Time unit of frequency/recency/T and of ``horizon``: ``"day"``, ``"week"`` or
        ``"month"``.
    as_of
        End of the history (a date or ISO text); the day of the last order when not given.
    calibration_end
        Also fit up to this day and judge the models on the purchases after it.
    horizon
        Length of the forecast of purchases, in ``unit`` (default: one year).
    clv_months
        Months of purchases the customer lifetime value counts.
    margin
        Share of spend that is margin; ``None`` for 1.0 (CLV in revenue) unless the job
        finds it from the lines' costs.
    discount_rate
        Yearly discount rate of future margin (0.10 = 10% a year), applied monthly.
    penalizer
        L2 penalty on the model parameters.
    """

    model: str = "auto"
    unit: Unit = "week"
    as_of: dt.date | None = None
    calibration_end: dt.date | None = None
    horizon: float | None = None
    clv_months: int = 12
    margin: float | None = None
    discount_rate: float = 0.10
    penalizer: float = 0.0

    def __post_init__(self) -> None:
        if self.model != "auto" and self.model not in MODEL_NAMES:
            raise InputError(
                f"model: expected auto, {', '.join(MODEL_NAMES)}; got {self.model!r}",
                option="model",
            )
        check_choice("unit", self.unit, tuple(UNIT_DAYS))
        object.__setattr__(self, "as_of", parse_date(self.as_of, "as_of"))
        object.__setattr__(
            self, "calibration_end", parse_date(self.calibration_end, "calibration_end")
        )
        cut, end = self.calibration_end, self.as_of
        if cut is not None and end is not None and not cut < end:
            raise InputError(
                f"calibration_end: expected a day before the end of the history ({end}), got {cut}",
                option="calibration_end",
            )
        if self.horizon is not None and not (math.isfinite(self.horizon) and self.horizon > 0):
            raise InputError(
                f"horizon: expected a positive number of {self.unit}s, got {self.horizon}",
                option="horizon",
            )
        if not isinstance(self.clv_months, int) or self.clv_months < 1:
            raise InputError(
                f"clv_months: expected 1 or more, got {self.clv_months}", option="clv_months"
            )
        check_share("margin", self.margin, above_zero=True)
        if not 0 <= self.discount_rate < 10:
            raise InputError(
                f"discount_rate: expected a yearly rate such as 0.1, got {self.discount_rate}",
                option="discount_rate",
            )
        if not 0 <= self.penalizer < math.inf:
            raise InputError(
                f"penalizer: expected 0 or more, got {self.penalizer}", option="penalizer"
            )

    @property
    def unit_days(self) -> float:
        """Days in one ``unit``."""
        return UNIT_DAYS[self.unit]

    @property
    def horizon_units(self) -> float:
        """The horizon in units (a year when not given)."""
        return 365.25 / self.unit_days if self.horizon is None else float(self.horizon)

    def to_dict(self) -> dict[str, Any]:
        """The options as plain data (dates as ISO text)."""
        return {
            name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in vars(self).items()
        }
