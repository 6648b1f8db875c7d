"""Smoke run of the example: imports every module and uses what is implemented.

It never calls the stubs, so it exits 0 while they are still unimplemented.
Run it from this folder: python3 main.py
"""

import asyncio

import grpc
from inventory.v1 import inventory_pb2, inventory_pb2_grpc
from service import pricing
from service.inventory_service import InventoryService
from service.ledger import StockLedger


def check_service() -> None:
    ledger = StockLedger()
    ledger.receive("ams-1", "TEA-GREEN-250G", 40, reorder_point=10)
    ledger.receive("ams-1", "TEA-BLACK-250G", 8, reorder_point=12)
    ledger.receive("ams-1", "MUG-WHITE", 25, reorder_point=5)
    ledger.receive("rtm-2", "TEA-GREEN-250G", 3, reorder_point=5)
    ledger.hold("order-7", "ams-1", {"MUG-WHITE": 20})
    service = InventoryService(ledger)
    assert isinstance(service, inventory_pb2_grpc.InventoryServicer)

    context = grpc.ServicerContext()
    request = inventory_pb2.GetStockRequest(sku="MUG-WHITE", warehouse_id="ams-1")
    stock = service.GetStock(request, context).stock
    assert (stock.on_hand, stock.reserved, stock.available) == (25, 20, 5)

    context = grpc.ServicerContext()
    request = inventory_pb2.GetStockRequest(sku="MUG-WHITE", warehouse_id="rtm-2")
    try:
        service.GetStock(request, context)
    except grpc.RpcError as error:
        assert error.code is grpc.StatusCode.NOT_FOUND
    else:
        raise AssertionError("GetStock of an unstocked SKU must abort")
    assert context.code() is grpc.StatusCode.NOT_FOUND

    request = inventory_pb2.ListLowStockRequest(warehouse_id="ams-1")
    low = service.ListLowStock(request, grpc.ServicerContext()).stock
    assert [stock.sku for stock in low] == ["MUG-WHITE", "TEA-BLACK-250G"]
    request = inventory_pb2.ListLowStockRequest(warehouse_id="nowhere")
    assert service.ListLowStock(request, grpc.ServicerContext()).stock == []

    reservation = ledger.reservation("order-7")
    assert reservation is not None and reservation.reservation_id == "rsv-order-7"


def check_pricing() -> None:
    assert pricing.normalize_sku("  tea green 250g ") == "TEA-GREEN-250G"
    assert pricing.parse_price("12.5") == 1250
    assert pricing.parse_price(" 3 ") == 300
    assert pricing.parse_price("0.07") == 7
    assert pricing.format_cents(1250) == "12.50 EUR"
    assert pricing.format_cents(-5, "USD") == "-0.05 USD"

    quote = pricing.Quote()
    line = quote.add("MUG-WHITE", 3, 450)
    assert line.total_cents == 1350 and quote.lines == [line]

    assert pricing.explain_error(KeyError("MUG-RED")) == "unknown SKU MUG-RED"
    assert pricing.explain_error(RuntimeError("boom")) == "pricing unavailable"

    async def load(sku: str) -> pricing.PriceList:
        await asyncio.sleep(0)
        return pricing.PriceList(sku=sku, base_cents=450)

    cache = pricing.PriceCache(load)
    prices = asyncio.run(cache.get("mug white"))
    assert prices.sku == "MUG-WHITE" and cache.cached("MUG-WHITE") is prices
    cache.put(pricing.PriceList("tea green", 990, [pricing.PriceTier(10, 890)]))
    assert cache.cached("TEA-GREEN").base_cents == 990


def main() -> None:
    check_service()
    check_pricing()
    print("python-service: the implemented parts work")


if __name__ == "__main__":
    main()
