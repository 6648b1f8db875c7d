"""Stock kept in memory, per warehouse and SKU, with the reservations held against it.

The ledger only records; the rules for what may be reserved live in the servicer.
"""

from dataclasses import dataclass, field

from inventory.v1 import inventory_pb2


@dataclass
class Item:
    """One SKU stocked in one warehouse."""

    on_hand: int
    reorder_point: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return max(self.on_hand - self.reserved, 0)


@dataclass
class Reservation:
    """Stock held for one order, per SKU, in the order the SKUs were first asked for."""

    reservation_id: str
    order_id: str
    warehouse_id: str
    quantities: dict[str, int] = field(default_factory=dict)


def reservation_id_for(order_id: str) -> str:
    return f"rsv-{order_id}"


class StockLedger:
    """Items by (warehouse, SKU) and reservations by order id."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Item] = {}
        self._reservations: dict[str, Reservation] = {}

    def receive(
        self, warehouse_id: str, sku: str, units: int, reorder_point: int | None = None
    ) -> Item:
        """Add delivered units, stocking the SKU in the warehouse if it was not yet.

        reorder_point, when given, replaces the item's reorder point.
        """
        if units < 0:
            raise ValueError(f"cannot receive {units} units of {sku}")
        item = self._items.setdefault((warehouse_id, sku), Item(on_hand=0))
        item.on_hand += units
        if reorder_point is not None:
            item.reorder_point = reorder_point
        return item

    def item(self, warehouse_id: str, sku: str) -> Item | None:
        return self._items.get((warehouse_id, sku))

    def level(self, warehouse_id: str, sku: str) -> inventory_pb2.StockLevel | None:
        item = self.item(warehouse_id, sku)
        if item is None:
            return None
        return _stock_level(warehouse_id, sku, item)

    def levels(self, warehouse_id: str) -> list[inventory_pb2.StockLevel]:
        """The stock of every SKU the warehouse holds, sorted by SKU."""
        return [
            _stock_level(warehouse, sku, item)
            for (warehouse, sku), item in sorted(self._items.items())
            if warehouse == warehouse_id
        ]

    def reservation(self, order_id: str) -> Reservation | None:
        return self._reservations.get(order_id)

    def hold(
        self, order_id: str, warehouse_id: str, quantities: dict[str, int]
    ) -> Reservation:
        """Book a reservation and add its quantities to the items' reserved units.

        Nothing is checked here: the caller makes sure the order holds nothing yet
        and that every SKU is stocked and available.
        """
        reservation = Reservation(
            reservation_id=reservation_id_for(order_id),
            order_id=order_id,
            warehouse_id=warehouse_id,
            quantities=dict(quantities),
        )
        for sku, units in quantities.items():
            self._items[(warehouse_id, sku)].reserved += units
        self._reservations[order_id] = reservation
        return reservation


def _stock_level(warehouse_id: str, sku: str, item: Item) -> inventory_pb2.StockLevel:
    return inventory_pb2.StockLevel(
        sku=sku,
        warehouse_id=warehouse_id,
        on_hand=item.on_hand,
        reserved=item.reserved,
        available=item.available,
        reorder_point=item.reorder_point,
    )
