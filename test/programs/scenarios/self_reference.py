"""Self-reference: a Connection that points at itself (seed 000).

`use_connection()` makes `conn.self_reference = conn` and returns.  The frame's reference is gone,
but the instance still holds one reference to itself, so reference counting cannot free it and
`__del__` ("closing") has not run.  At the capture line the collector finds exactly one unreachable
object: the Connection.  Its attributes live in CPython 3.11's managed (inline) storage, so there is
no separate `__dict__` object to collect; its name is a str (untracked).

Expected (generation 2): collected {"__main__.Connection": 1}; one finalizer (`__del__`) runs and
appends "closing Production-DB" to FINALIZED.  The still-open "Staging-DB" connection held by the
module global `kept` is reachable and must not be reported.
"""

FINALIZED = []


class Connection:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        FINALIZED.append("closing " + self.name)


def use_connection():
    conn = Connection("Production-DB")
    # Creating a circular reference that leaks
    conn.self_reference = conn


kept = Connection("Staging-DB")
kept.self_reference = kept
use_connection()
marker = 1  # @capture
print("Function finished executing. Has the connection closed?", FINALIZED)
