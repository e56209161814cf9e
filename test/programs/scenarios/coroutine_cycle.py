"""A coroutine that is never awaited, closed over into a cycle.

schedule() makes `state = {...}` and an `async def job()` that closes over `state`, then stores the
coroutine object in the dict: state -> coroutine -> (its frame) function job and the cell ->
state.  The closure: job.__closure__ is a tuple holding the cell, the cell holds `state`.  After
schedule() returns nothing outside references any of them.

Holder shows the method form: `self.task = self.run()` -- the coroutine's frame holds `self`.

Finalizing a never-started coroutine emits "RuntimeWarning: coroutine ... was never awaited"
(silenced here with warnings.filterwarnings); it does not run the body.

Expected (generation 2): collected {"__main__.Holder": 1, "builtins.cell": 1,
"builtins.coroutine": 2, "builtins.dict": 1, "builtins.function": 1, "builtins.tuple": 1};
finalizers: Holder's __del__ and the coroutines' tp_finalize (3); FINALIZED gains "holder".
"""
import gc
import warnings

warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)

FINALIZED = []


def schedule():
    state = {"name": "job"}

    async def job():
        return state["name"]

    state["coro"] = job()  # never awaited


class Holder:
    async def run(self):
        return self

    def __del__(self):
        FINALIZED.append("holder")


gc.collect()  # start from a heap without import-time garbage

schedule()
h = Holder()
h.task = h.run()
h = None
pass  # @capture
print("finalized:", FINALIZED)
