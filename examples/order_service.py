"""A small order service (handlers in a registry, a pricing cache, per-request loggers) whose memory
grows; try: heap-inspector diff --at examples/order_service.py:76 --hits 100,600,1100,1600 examples/order_service.py"""
import functools
import json
import logging
import time
from dataclasses import dataclass, field

logging.basicConfig(level=logging.WARNING)
HANDLERS = {}


def route(path):
    def register(fn):
        HANDLERS[path] = fn
        return fn
    return register


@dataclass
class Order:
    order_id: int
    items: list
    created: float = field(default_factory=time.time)


class PriceBook:
    def __init__(self):
        self.prices = {"apple": 3, "pear": 4, "plum": 2}

    @functools.lru_cache(maxsize=1024)
    def quote(self, item, quantity):
        return self.prices[item] * quantity


class Request:
    def __init__(self, request_id, path, body):
        self.request_id = request_id
        self.path = path
        self.body = body
        self.log = logging.getLogger("orders.request.%d" % request_id)


prices = PriceBook()
orders = {}


@route("/order")
def create_order(request):
    payload = json.loads(request.body)
    total = sum(prices.quote(item, qty) for item, qty in payload["items"])
    order = Order(request.request_id, payload["items"])
    orders[order.order_id] = order
    request.log.info("order %d total %d", order.order_id, total)
    return {"id": order.order_id, "total": total}


@route("/cancel")
def cancel_order(request):
    payload = json.loads(request.body)
    orders.pop(payload["id"], None)
    return {"cancelled": payload["id"]}


def serve(request):
    handler = HANDLERS[request.path]
    return handler(request)


def main():
    for request_id in range(1, 2001):
        body = json.dumps({"items": [["apple", request_id % 7], ["pear", 1]]})
        serve(Request(request_id, "/order", body))
        if request_id > 1:
            serve(Request(100000 + request_id, "/cancel", json.dumps({"id": request_id - 1})))
        request_id = request_id  # end of one request


main()
