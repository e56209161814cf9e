"""What keeps things alive from outside the object graph: modules, thread stacks, frame locals."""
import gc
import sys

from . import builtin_types as bt
from . import bulk
from . import compat
from . import ownership
from . import safe

_address = bulk.address_of

# Root kinds (protocol/snapshot.ts RootKind).
MODULE = 1
FRAME_LOCAL = 2
THREAD = 3
PAUSED_FRAME = 4
STACK_FRAME = 5
GC_GARBAGE = 6


def user_stack(frame):
    """The frames from ``frame`` outwards, stopping at the first frame of the agent's runner."""
    frames = []
    while frame is not None:
        if ownership.is_agent_file(safe.code_filename(safe.frame_code(frame))):
            break
        frames.append(frame)
        frame = safe.frame_back(frame)
    return frames


def agent_frames(start):
    """Frame objects of the agent between ``start`` (inclusive) and the first user frame."""
    frames = []
    frame = start
    while frame is not None and ownership.is_agent_file(safe.code_filename(safe.frame_code(frame))):
        frames.append(frame)
        frame = safe.frame_back(frame)
    return frames


def other_thread_stacks(current_ident):
    """[(ident, [frames innermost first])] for every other thread that runs Python code."""
    stacks = []
    frames = sys._current_frames()
    # This thread's entry is this very frame: drop it before anything can keep it.
    dict.pop(frames, current_ident, None)
    for ident, frame in dict.items(frames):
        stacks.append((ident, user_stack(frame)))
    return stacks


def thread_names(memory):
    """{ident: name} from threading's registry, read without calling Thread methods."""
    threading = safe.module_named("threading")
    if threading is None:
        return {}
    namespace = safe.module_dict(threading)
    active = safe.str_key_get(namespace, "_active") if namespace is not None else None
    if type(active) is not dict:
        return {}
    names = {}
    for ident, thread in list(dict.items(active)):
        name = read_instance_attribute(thread, "_name", memory)
        if type(name) is str:
            names[ident] = name
    return names


def read_instance_attribute(obj, name, memory):
    """An attribute stored in the instance itself (never a descriptor or __getattr__), or None.

    From managed storage (3.11+), the value is the referent of ``obj`` whose id is the address
    read for ``name``: an object taken from ``gc.get_referents`` (a reference held), never from
    the address itself -- another thread may rebind the attribute and free the old value at any
    moment."""
    obj_type = type(obj)
    flags = safe.type_flags(obj_type)
    if flags & (safe.TPFLAGS_MANAGED_DICT | safe.TPFLAGS_INLINE_VALUES) and memory.instance_attrs:
        pairs = memory.instance_attributes(obj, obj_type, flags)
        if pairs is not None:
            for key, address in pairs:
                if key == name:
                    for referent in gc.get_referents(obj):
                        if _address(referent) == address:
                            return referent
            return None
    for klass in safe.mro(obj_type):
        descriptor = safe.str_key_get(safe.type_dict(klass), "__dict__")
        if type(descriptor) is bt.GetSetDescriptorType:
            if compat.VERSION >= (3, 11) and flags & safe.TPFLAGS_MANAGED_DICT:
                return None  # reading __dict__ would materialise it
            namespace = descriptor.__get__(obj, obj_type)
            return safe.str_key_get(namespace, name) if type(namespace) is dict else None
    return None


def frame_locals(frame, memory, own_thread):
    """[(name, address, taken)] of a live frame's bound locals, or None when they cannot be read.
    ``taken``: ``(value,)`` when the value itself was taken, else ``()``.  A local slot read from
    memory is an address.  For the capturing thread's own frames (which cannot change while the
    capture runs) the value is read with its reference in one step and checked against the
    address.  Another thread's slot stays an address: the reader keeps it only if it is the
    address of a node, an object the capture held all along (so it was alive, and that object,
    whatever the frame's thread did meanwhile)."""
    code = safe.frame_code(frame)
    if memory.frame_locals:
        slots = memory.frame_locals_addresses(frame, code)
        if slots is not None:
            found = []
            for name, address in slots:
                if not own_thread:
                    found.append((name, address, ()))
                    continue
                taken = memory.take_local(frame, code, name, address)
                if taken:
                    found.append((name, address, (taken[0],)))
            return found
    if compat.FRAME_LOCALS_IS_PROXY:
        # The proxy's items() takes each value with its reference in C, in one call.
        proxy = type(frame).f_locals.__get__(frame)
        return [(name, None, (value,)) for name, value in proxy.items()]
    return None


