"""A small web-framework-like dispatcher: each request builds a request/response pair that
reference each other, plus closures bound to the request (middleware), and most of them are
dropped when the handler returns."""
import gc


class Headers:
    def __init__(self, pairs):
        self.items = dict(pairs)


class Request:
    def __init__(self, number, path):
        self.number = number
        self.path = path
        self.headers = Headers([("host", "example.org"), ("x-request", str(number))])
        self.response = None
        self.hooks = []


class Response:
    def __init__(self, request, status, body):
        self.request = request
        self.status = status
        self.body = body
        request.response = self


def logging_middleware(request):
    def after(response):
        return (request.number, response.status)

    request.hooks.append(after)


def handle(request):
    logging_middleware(request)
    if request.path.endswith("/missing"):
        response = Response(request, 404, b"not found")
    else:
        response = Response(request, 200, ("page %s" % request.path).encode())
    for hook in request.hooks:
        hook(response)
    return response


access_log = []
for number in range(3000):
    path = "/items/%d" % (number % 37) if number % 11 else "/items/missing"
    response = handle(Request(number, path))
    if number % 250 == 0:
        access_log.append(response)  # a few are kept, with their whole cycle
    del response
print("served", len(access_log), "kept")
gc.set_debug(gc.DEBUG_COLLECTABLE); gc.collect(); gc.set_debug(0)  # heap-inspector: capture
print("done")
