"""A connection pool whose connections close themselves in __del__ -- and leak (seed 000).

The leak: Connection closes its socket in __del__, and handle_request() sets
`conn.self_reference = conn` on some requests (a stand-in for any back-reference: a callback bound
to the connection, a cursor pointing back at it...).  Without the cycle, the connection closes
the moment handle_request() returns.  With it, the reference count never reaches zero: the
connection stays open until the cyclic collector happens to run -- maybe seconds, maybe never
(gc.disable(), interpreter exit).  A pool that relies on __del__ slowly runs out of connections.

Capture at the "Inspect here" line: the three leaked Connections are unreachable, each in its own
self-cycle, each with a pending __del__ -- the next collection will close them; the pool itself is
reachable and survives.

The fix: never rely on __del__ for cleanup.  Make Connection a context manager and close
explicitly (`with pool.connect(name) as conn: ...`), and break back-references (or make them weak)
when the object is done.
"""
import gc


class Connection:
    def __init__(self, pool, name):
        self.pool = pool
        self.name = name
        pool.open_names.add(name)

    def close(self):
        self.pool.open_names.discard(self.name)

    def __del__(self):
        self.close()  # "best effort" cleanup: runs only when the object dies


class ConnectionPool:
    def __init__(self):
        self.open_names = set()

    def connect(self, name):
        return Connection(self, name)


def handle_request(pool, name, leak):
    conn = pool.connect(name)
    if leak:
        # Creating a circular reference that leaks
        conn.self_reference = conn
    return len(conn.name)


pool = ConnectionPool()
for i in range(6):
    handle_request(pool, "db-%d" % i, leak=(i % 2 == 0))

still_open = sorted(pool.open_names)  # Inspect here: 3 leaked Connections wait for the collector
print("after 6 requests, still open:", still_open)
gc.collect()
print("after gc.collect(), still open:", sorted(pool.open_names))
