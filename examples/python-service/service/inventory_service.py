"""The Inventory servicer: answers the rpcs of inventory.proto from a StockLedger."""

import grpc

from inventory.v1 import inventory_pb2, inventory_pb2_grpc
from service.ledger import StockLedger


class InventoryService(inventory_pb2_grpc.InventoryServicer):
    """Serves the Inventory rpcs of one site from an in-memory ledger."""

    def __init__(self, ledger: StockLedger) -> None:
        self._ledger = ledger

    def GetStock(self, request, context):
        stock = self._ledger.level(request.warehouse_id, request.sku)
        if stock is None:
            context.abort(
                grpc.StatusCode.NOT_FOUND,
                f"{request.warehouse_id} does not stock {request.sku}",
            )
        return inventory_pb2.GetStockReply(stock=stock)

    def ReserveStock(self, request, context):
        """Reserve stock for an order: hold the quantities of request.lines in
        request.warehouse_id for request.order_id. order_id must be set, there must be
        at least one line, and every line must name a SKU with a quantity above 0, else
        INVALID_ARGUMENT; lines naming the same SKU are added together. A SKU the
        warehouse does not stock is NOT_FOUND. All or nothing: when any SKU asks for
        more than is available, hold nothing and answer FAILED_PRECONDITION naming that
        SKU. Reserving again for an order_id that already holds stock returns the
        existing reservation unchanged, whatever the new lines say.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details("Method not implemented!")
        raise NotImplementedError("Method not implemented!")

    def ListLowStock(self, request, context):
        low = [
            stock
            for stock in self._ledger.levels(request.warehouse_id)
            if stock.available <= stock.reorder_point
        ]
        return inventory_pb2.ListLowStockReply(stock=low)
