"""Customers near a place: great-circle distance on the customers' coordinates."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from repeatly.exceptions import InputError

__all__ = ["EARTH_RADIUS_KM", "distance_km", "near"]

#: Mean Earth radius (IUGG), the sphere the distances are measured on.
EARTH_RADIUS_KM = 6371.0088


def distance_km(
    lat1: ir.NumericValue | float,
    lon1: ir.NumericValue | float,
    lat2: ir.NumericValue | float,
    lon2: ir.NumericValue | float,
) -> ir.FloatingValue:
    """Great-circle (haversine) distance in kilometres between two points in degrees.

    Examples
    --------
    >>> round(float(distance_km(ibis.literal(55.7558), 37.6173, 59.9343, 30.3351)
    ...       .execute()))
    633
    """

    def radians(value: ir.NumericValue | float) -> ir.FloatingValue:
        degrees = ibis.literal(float(value)) if isinstance(value, float | int) else value
        return degrees.cast("float64").radians()

    p1, p2 = radians(lat1), radians(lat2)
    dlat = p2 - p1
    dlon = radians(lon2) - radians(lon1)
    a = (dlat / 2).sin() ** 2 + p1.cos() * p2.cos() * (dlon / 2).sin() ** 2
    return 2 * EARTH_RADIUS_KM * a.sqrt().asin()


def near(customers: ir.Table, *, latitude: float, longitude: float, km: float) -> ir.Table:
    """Customers within ``km`` of a place (a store, an event), nearest first.

    Parameters
    ----------
    customers
        The customers table with ``latitude`` and ``longitude``.
    latitude, longitude
        The place, in degrees.
    km
        The radius.

    Returns
    -------
    ibis.Table
        ``customer_id, distance_km`` for the customers within the radius.
    """
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        raise InputError(
            f"place: expected latitude -90..90 and longitude -180..180, got {latitude}, {longitude}"
        )
    if km <= 0:
        raise InputError(f"km: expected a positive radius, got {km}")
    located = customers.filter(customers.latitude.notnull() & customers.longitude.notnull())
    distance = distance_km(located.latitude, located.longitude, latitude, longitude)
    measured = located.select("customer_id", distance_km=distance)
    return measured.filter(measured.distance_km <= km).order_by(["distance_km", "customer_id"])
