"""An object whose type has no MRO at the moment of the capture (as a class being built, or a C
type not fully initialised, has): the capture must succeed and say so.  The MRO is taken out of
the type object's memory just before the CAPTURE line and put back right after."""
import ctypes
import gc
import sys

gc.disable()


class Odd:
    pass


odd = Odd()
odd.me = odd  # unreachable once `odd` is deleted
mro = Odd.__mro__
words = (ctypes.c_void_p * (type.__basicsize__ // ctypes.sizeof(ctypes.c_void_p))).from_address(id(Odd))
slot = [i for i, w in enumerate(words) if w == id(mro)]
assert len(slot) == 1, slot
del odd
words[slot[0]] = None  # tp_mro = NULL (the tuple stays alive in `mro`)
CAPTURE = 1  # CAPTURE
words[slot[0]] = id(mro)
print("found", gc.collect(), file=sys.stderr)
