"""What this interpreter can do. Feature checks first; version numbers only for memory layouts."""
import gc
import sys

VERSION = sys.version_info[:2]
IS_CPYTHON = sys.implementation.name == "cpython"
POINTER_SIZE = 8 if sys.maxsize > 2**32 else 4
# Free-threaded builds (3.13t+, PEP 703) lay objects out differently and let other threads run in
# parallel with the walk.  Told by the ABI flag ("t", POSIX) and, everywhere, by the object header
# below (sysconfig would tell too, but importing it would add modules to the program).
FREE_THREADED = "t" in getattr(sys, "abiflags", "")
# An object header of exactly a reference count and a type pointer: not so on free-threaded builds
# (thread id, shared count…) or Py_TRACE_REFS builds (two more pointers).
PLAIN_OBJECT_HEADER = object.__basicsize__ == 2 * POINTER_SIZE
# The newest CPython whose memory layouts the agent knows (memory.py); newer ones are not assumed.
LAST_KNOWN_LAYOUT = (3, 13)

HAS_MONITORING = hasattr(sys, "monitoring")  # 3.12+: sys.monitoring line events
HAS_IS_FINALIZED = hasattr(gc, "is_finalized")  # 3.9+: PEP 442 "already finalized" flag
HAS_FREEZE = hasattr(gc, "get_freeze_count")  # 3.7+
# 3.13+ (PEP 667): frame.f_locals is a write-through proxy; reading it creates no dict.
FRAME_LOCALS_IS_PROXY = VERSION >= (3, 13)
# 3.11+: a live frame's traverse does not visit its locals (they are owned by the C stack).
LIVE_FRAME_TRAVERSES_LOCALS = VERSION < (3, 11)
# 3.12+: immortal objects (PEP 683) report a huge, meaningless reference count.
IMMORTAL_REFCOUNT_FLOOR = (1 << 30) if VERSION >= (3, 12) else None
# 3.14+: the collector is incremental: a young generation and increments of the old one.
INCREMENTAL_GC = VERSION >= (3, 14)
NUM_GENERATIONS = 3
