"""Money as finance reads it: exact decimals with the currency's ISO 4217 minor units.

The minor units come from the `iso4217` package (the published ISO 4217 table: JPY 0,
USD 2, KWD 3). potrack never rounds money: `shown` only pads (12.5 KWD -> 12.500) or drops
zeros that say nothing (1234567.00 JPY -> 1234567); a value with more digits than the
currency has (a unit price of 0.0125 USD times a quantity) keeps them, so the figures
always add up to what the events said.
"""

from decimal import Decimal
from functools import lru_cache

import iso4217


@lru_cache(maxsize=512)
def minor_units(currency: str) -> int | None:
    """ISO 4217 minor units of `currency` (JPY 0, USD 2, KWD 3); None when ISO 4217 gives
    none (XAU) or does not know the code."""
    try:
        return iso4217.Currency(currency).exponent
    except ValueError:
        return None


def shown(amount: Decimal, units: int | None) -> Decimal:
    """`amount` with exactly `units` decimals when that loses nothing (12.5 -> 12.500,
    1234567.00 -> 1234567 for 0), else as it is (0.0125 stays): never rounded."""
    if units is None:
        return amount
    padded = amount.quantize(Decimal(1).scaleb(-units))
    return padded if padded == amount else amount


def in_currency(amount: Decimal, currency: str) -> Decimal:
    """`shown(amount, minor_units(currency))`."""
    return shown(amount, minor_units(currency))
