"""Built-in types the agent recognises, obtained without importing ``types``.

The ``types`` module is pure Python; importing it into a process that has not loaded it yet would
add hundreds of objects to the heap being measured.
"""
import sys


def _function():
    pass


class _Probe:
    def method(self):
        pass


def _generator():
    yield


async def _coroutine():
    pass


async def _async_generator():
    yield


def _cell_of(value):
    return (lambda: value).__closure__[0]


def _traceback():
    try:
        raise ValueError
    except ValueError as error:
        return error.__traceback__


FunctionType = type(_function)
CodeType = type(_function.__code__)
FrameType = type(sys._getframe())
ModuleType = type(sys)
MethodType = type(_Probe().method)
CellType = type(_cell_of(None))
TracebackType = type(_traceback())
GeneratorType = type(_generator())
_coroutine_object = _coroutine()
CoroutineType = type(_coroutine_object)
_coroutine_object.close()  # never awaited on purpose; closing it avoids a RuntimeWarning
del _coroutine_object
AsyncGeneratorType = type(_async_generator())
BuiltinFunctionType = type(len)
WrapperDescriptorType = type(object.__init__)
MethodDescriptorType = type(str.join)
MethodWrapperType = type(object().__str__)
ClassMethodDescriptorType = type(dict.__dict__["fromkeys"])
GetSetDescriptorType = type(FunctionType.__dict__["__code__"])
MemberDescriptorType = type(FunctionType.__dict__["__globals__"])
MappingProxyType = type(type.__dict__)
NoneType = type(None)

GENERATOR_TYPES = (GeneratorType, CoroutineType, AsyncGeneratorType)
BUILTIN_CALLABLE_TYPES = (
    BuiltinFunctionType,
    WrapperDescriptorType,
    MethodDescriptorType,
    MethodWrapperType,
    ClassMethodDescriptorType,
)
# Objects that never reference other objects: the agent never asks for their referents.
ATOM_TYPES = (str, int, float, bool, NoneType, bytes, complex, CodeType)
