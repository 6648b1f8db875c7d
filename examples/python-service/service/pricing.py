"""Prices of stocked SKUs: price lists with volume tiers, quotes for orders, and a
cache that loads price lists from a slower source (the ERP) on first use.

Prices are whole cents everywhere; only parse_price and format_cents deal in text.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# A price in euros as the pricing export writes it: "12", "12.5" or "12.50".
_PRICE = re.compile(r"(\d+)(?:\.(\d{1,2}))?")


def normalize_sku(raw: str) -> str:
    """Upper-case a SKU and join its words with dashes.

    " tea green 250g" becomes "TEA-GREEN-250G"; a blank SKU raises ValueError.
    """
    sku = "-".join(raw.upper().split())
    if not sku:
        raise ValueError("a SKU must not be blank")
    return sku


def parse_price(text: str) -> int:
    """Parse a price in euros ("12.5", blanks around allowed) into cents (1250)."""
    match = _PRICE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a price: {text!r}")
    euros, fraction = match.groups()
    return int(euros) * 100 + int((fraction or "0").ljust(2, "0"))


def format_cents(cents: int, currency: str = "EUR") -> str:
    """Format cents for people: 1250 -> "12.50 EUR", -5 -> "-0.05 EUR"."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros}.{rest:02d} {currency}"


@dataclass(frozen=True)
class PriceTier:
    """A volume price: from min_quantity units up, each unit costs unit_cents."""

    min_quantity: int
    unit_cents: int


@dataclass
class PriceList:
    """What one SKU costs: a base unit price and volume tiers."""

    sku: str
    base_cents: int
    tiers: list[PriceTier] = field(default_factory=list)

    @classmethod
    def from_csv_row(cls, row: dict[str, str]) -> "PriceList":
        """Build a price list from one row of the pricing export.

        The row has the columns "sku", "base" and "tiers". "base" is a price for
        parse_price. "tiers" is empty or a ";"-separated list of "min_quantity:price"
        pairs, e.g. "10:11.90; 50:10", with blanks around the parts ignored. The SKU
        is normalized with normalize_sku and the tiers are sorted by min_quantity.
        A missing column or a malformed part raises ValueError.
        """
        raise NotImplementedError("implement me")


def unit_price(prices: PriceList, quantity: int) -> int:
    """Return what one unit costs, in cents, when buying quantity units.

    The tier with the largest min_quantity that quantity reaches applies; when no
    tier does, the base price applies. A quantity below 1 raises ValueError.
    """
    raise NotImplementedError


@dataclass
class QuoteLine:
    sku: str
    quantity: int
    unit_cents: int

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_cents


@dataclass
class Quote:
    """The priced lines of one order, before tax."""

    lines: list[QuoteLine] = field(default_factory=list)

    def add(self, sku: str, quantity: int, unit_cents: int) -> QuoteLine:
        line = QuoteLine(sku=sku, quantity=quantity, unit_cents=unit_cents)
        self.lines.append(line)
        return line

    def subtotal_cents(self) -> int:
        raise NotImplementedError()


def explain_error(error: Exception) -> str:
    """Turn a pricing error into a message for clients.

    Anything unexpected, a NotImplementedError from an unfinished rule included,
    becomes "pricing unavailable" so that no internal detail leaks.
    """
    # Never echo str(error) for the rest: a `raise NotImplementedError("...")` text
    # or a stack detail would reach the client.
    if isinstance(error, KeyError):
        return f"unknown SKU {error.args[0]}"
    if isinstance(error, ValueError):
        return f"invalid price data: {error}"
    return "pricing unavailable"


PriceLoader = Callable[[str], Awaitable[PriceList]]


class PriceCache:
    """Price lists by normalized SKU, loaded on first use."""

    def __init__(self, load: PriceLoader, timeout_seconds: float = 2.0) -> None:
        self._load = load
        self._timeout_seconds = timeout_seconds
        self._prices: dict[str, PriceList] = {}

    def cached(self, sku: str) -> PriceList | None:
        return self._prices.get(normalize_sku(sku))

    def put(self, prices: PriceList) -> None:
        self._prices[normalize_sku(prices.sku)] = prices

    async def get(self, sku: str) -> PriceList:
        """The price list of sku, loaded (within the timeout) and cached if missing."""
        key = normalize_sku(sku)
        if key not in self._prices:
            loading = self._load(key)
            self._prices[key] = await asyncio.wait_for(loading, self._timeout_seconds)
        return self._prices[key]

    async def get_many(self, skus: list[str]) -> list[PriceList]:
        """Return the price list of each SKU, in the order given.

        The SKUs are normalized first. Those not cached yet are loaded concurrently,
        each distinct SKU once, with the same timeout as get, and cached. When a load
        fails its exception propagates.
        """
        raise NotImplementedError("load the missing SKUs concurrently with gather")
