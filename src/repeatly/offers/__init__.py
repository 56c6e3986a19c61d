"""Offers: coupons with terms and codes no one can guess.

An :class:`Offer` says what a customer gets (a share or an amount off, a gift) and for
how long; :func:`issue_coupons` gives each customer a code under it, and
:func:`save_coupons` keeps them in the operational database. Campaigns issue coupons
through this package; the loyalty programme and the checkout will share it.
"""

from repeatly.offers._codes import ALPHABET, CODE_LENGTH, coupon_code
from repeatly.offers._coupons import Coupon, issue_coupons, save_coupons
from repeatly.offers._terms import KINDS, Offer

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "KINDS",
    "Coupon",
    "Offer",
    "coupon_code",
    "issue_coupons",
    "save_coupons",
]
