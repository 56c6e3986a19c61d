"""The control group: a seeded random share of each stratum that gets nothing.

Within every stratum (a segment) the share is kept as closely as whole customers allow:
each stratum gets the floor or the ceiling of its share, and the strata that round up
are those with the largest remainders, so the whole control group is the share of the
whole audience, rounded half up. Small bases still get a control group of the right size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from repeatly.exceptions import InputError

__all__ = ["control_group"]


def control_group(
    customer_ids: Sequence[str], strata: Sequence[str], *, share: float, seed: int
) -> NDArray[np.bool_]:
    """Which customers are in the control group (``True``), stratum by stratum.

    The draw depends only on the set of (customer, stratum) pairs, the share and the
    seed, not on the order the customers come in.

    Parameters
    ----------
    customer_ids
        The audience, each customer once.
    strata
        Each customer's stratum (e.g. their RFM segment).
    share
        Share of each stratum to keep as control, from 0 to below 1.
    seed
        Seed of the random draw; the same seed draws the same group.

    Examples
    --------
    >>> from repeatly.campaigns import control_group
    >>> ids = [f"c{i}" for i in range(20)]
    >>> int(control_group(ids, ["a"] * 10 + ["b"] * 10, share=0.1, seed=1).sum())
    2
    """
    if not 0 <= share < 1:
        raise InputError(f"control share: expected a share from 0 to below 1, got {share}")
    if len(customer_ids) != len(strata):
        raise InputError("control group: expected one stratum per customer")
    ids = np.asarray(customer_ids, dtype=object).astype(str)
    if len(set(ids.tolist())) != len(ids):
        raise InputError("control group: expected each customer once")
    labels = np.asarray(["" if s is None else str(s) for s in strata], dtype=object)
    rng = np.random.default_rng(seed)
    names = sorted(set(labels.tolist()))
    members = {name: np.sort(np.flatnonzero(labels == name)) for name in names}
    # sort each stratum by customer id, so the draw does not depend on the input order
    members = {
        name: index[np.argsort(ids[index], kind="stable")] for name, index in members.items()
    }
    quotas = {name: len(index) * share for name, index in members.items()}
    # the small epsilon keeps 0.29 * 100 (28.999999999999996 in floating point) at 29
    counts = {name: math.floor(q + 1e-9) for name, q in quotas.items()}
    extra = math.floor(len(ids) * share + 0.5 + 1e-9) - sum(counts.values())
    if extra > 0:
        ties = rng.random(len(names))
        order = sorted(
            range(len(names)), key=lambda i: (-(quotas[names[i]] - counts[names[i]]), ties[i])
        )
        for i in order[:extra]:
            counts[names[i]] += 1
    control = np.zeros(len(ids), dtype=bool)
    for name in names:
        index = members[name]
        control[index[rng.permutation(len(index))[: counts[name]]]] = True
    return control
