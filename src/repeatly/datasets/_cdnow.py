"""The CDNOW and donations reference data, bundled with the package.

CDNOW: every purchase of the 23,570 customers who first bought at the online CD
retailer CDNOW in the first quarter of 1997, followed to the end of June 1998 (Fader,
Hardie & Lee 2005). Donations: the 11,104 donors of Fader, Hardie & Shang (2010),
aggregated over 6 annual opportunities.
"""

from __future__ import annotations

import gzip
from importlib import resources
from typing import Literal

import pandas as pd

from repeatly.exceptions import InputError

__all__ = ["load_cdnow", "load_cdnow_summary", "load_donations"]


def _open(name: str) -> resources.abc.Traversable:
    return resources.files("repeatly.datasets").joinpath("data", name)


def load_cdnow(kind: Literal["master", "sample"] = "master") -> pd.DataFrame:
    """CDNOW purchase records as canonical order lines.

    Parameters
    ----------
    kind
        ``"master"``: all 23,570 customers (69,659 records); ``"sample"``: the 1/10
        sample of 2,357 customers used in the papers (6,919 records).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (the master id, as text), ``ordered_at`` (the day), ``quantity``
        (CDs), ``amount`` (dollars); the sample also has ``sample_id``. Several records
        of one customer on one day are one transaction in the papers, and are one
        order here too (orders default to customer and day).

    Examples
    --------
    >>> lines = load_cdnow()
    >>> lines.customer_id.nunique(), len(lines)
    (23570, 69659)
    """
    if kind not in ("master", "sample"):
        raise InputError(f'kind: expected "master" or "sample", got {kind!r}')
    names = (
        ["customer_id", "date", "quantity", "amount"]
        if kind == "master"
        else ["customer_id", "sample_id", "date", "quantity", "amount"]
    )
    with _open(f"cdnow_{kind}.txt.gz").open("rb") as raw, gzip.open(raw, "rt") as text:
        frame = pd.read_csv(
            text,
            sep=r"\s+",
            header=None,
            names=names,
            dtype=str,
            skiprows=1 if kind == "master" else 0,
        )
    out = pd.DataFrame({"customer_id": frame.customer_id.astype(int).astype(str)})
    if kind == "sample":
        out["sample_id"] = frame.sample_id.astype(int).astype(str)
    out["ordered_at"] = pd.to_datetime(frame.date, format="%Y%m%d").astype("datetime64[us]")
    out["quantity"] = frame.quantity.astype(int)
    out["amount"] = frame.amount.astype(float)
    return out


def load_cdnow_summary() -> pd.DataFrame:
    """The CDNOW sample summarised for the 39-week calibration period (weeks).

    Returns
    -------
    pandas.DataFrame
        One row per sample customer: ``customer_id`` (the sample's 1-based id),
        ``frequency`` (repeat transactions), ``recency`` (week of the last one),
        ``T`` (weeks observed) and ``monetary_value`` (mean repeat-transaction value,
        the Gamma-Gamma input; 0 without repeats).
    """
    with _open("cdnow_summary.csv.gz").open("rb") as raw, gzip.open(raw, "rt") as text:
        frame = pd.read_csv(text)
    return pd.DataFrame(
        {
            "customer_id": frame["ID"].astype(str),
            "frequency": frame["x"].astype(int),
            "recency": frame["t_x"].astype(float),
            "T": frame["T"].astype(float),
            "monetary_value": frame["zbar"].astype(float),
        }
    )


def load_donations() -> pd.DataFrame:
    """The donations data of the discrete-time (BG/BB) example, aggregated.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``periods`` (opportunities, 6) and ``weights``
        (donors sharing the row; 11,104 in all).
    """
    with _open("donations.csv").open("r", encoding="utf-8") as text:
        return pd.read_csv(text).astype(int)
