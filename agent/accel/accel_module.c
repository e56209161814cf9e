/*
 * The heap inspector's optional native accelerator: the module, and what it was built for.
 *
 * Loaded by the agent (heap_inspector_agent/accel_loader.py) with _imp.create_dynamic, never
 * imported: multi-phase initialisation (PEP 489) keeps it out of sys.modules and out of the
 * interpreter's cache of single-phase extensions.  It keeps no state of its own; what loading it
 * adds to the heap (the module, its functions, the address set type's dict and its entry among
 * object's subclasses) the loader records as the agent's own.
 *
 * ABI_MARKER is a plain string in the built file.  The loader reads it from the file before
 * loading anything, and again from the loaded module, and loads the module only when it names
 * this interpreter: its version (major and minor; the exact release unless both are final), debug
 * and reference-debug builds, reference tracing, the free-threaded build and the pointer size.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "accel_identity.h"
#include "accel_texts.h"
#include "accel_newtypes.h"
#include "accel_strings.h"
#include "accel_addressset.h"
#include "accel_kernel.h"

#if PY_VERSION_HEX < 0x03080000
#error "the accelerator needs CPython 3.8 or newer"
#endif
#if PY_VERSION_HEX >= 0x030E0000
/* Each new version's objects and collector are checked before the accelerator supports it. */
#error "the accelerator is not verified on this CPython version (newer than 3.13)"
#endif
#ifdef Py_GIL_DISABLED
/* Other threads run while the walk reads objects: the walk's reads would race with them. */
#error "the accelerator does not support free-threaded CPython"
#endif

#define HI_STRINGIFY_(x) #x
#define HI_STRINGIFY(x) HI_STRINGIFY_(x)

#ifdef Py_DEBUG
#define HI_DEBUG "1"
#else
#define HI_DEBUG "0"
#endif
#ifdef Py_REF_DEBUG
#define HI_REF_DEBUG "1"
#else
#define HI_REF_DEBUG "0"
#endif
#ifdef Py_TRACE_REFS
#define HI_TRACE_REFS "1"
#else
#define HI_TRACE_REFS "0"
#endif
#ifndef HI_ACCEL_SOURCE_DIGEST
#define HI_ACCEL_SOURCE_DIGEST "unknown"
#endif

/* Fields, in this order: major, minor, micro, release level, serial, Py_DEBUG, Py_REF_DEBUG,
 * Py_TRACE_REFS, pointer size, kernel interface, source digest. */
#define ABI_MARKER_PREFIX "heap-inspector-accel-abi:"
static const char ABI_MARKER[] = ABI_MARKER_PREFIX HI_STRINGIFY(PY_MAJOR_VERSION) ";" HI_STRINGIFY(
    PY_MINOR_VERSION) ";" HI_STRINGIFY(PY_MICRO_VERSION) ";" HI_STRINGIFY(PY_RELEASE_LEVEL) ";" HI_STRINGIFY(PY_RELEASE_SERIAL) ";" HI_DEBUG
    ";" HI_REF_DEBUG ";" HI_TRACE_REFS ";" HI_STRINGIFY(SIZEOF_VOID_P) ";" HI_STRINGIFY(
        HI_KERNEL_INTERFACE) ";" HI_ACCEL_SOURCE_DIGEST ";";

static PyObject *
built_for(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyUnicode_FromString(ABI_MARKER + sizeof(ABI_MARKER_PREFIX) - 1);
}

static PyMethodDef accel_methods[] = {
    {"built_for", built_for, METH_NOARGS,
     "built_for() -> str: the ABI this module was built for (see ABI_MARKER)."},
    HI_KERNEL_METHODS HI_DEFLATE_METHODS HI_IDENTITY_METHODS HI_TEXT_METHODS HI_NEWTYPE_METHODS HI_STRING_METHODS{NULL, NULL, 0, NULL},
};

/* The kernel's constants (kernel_py NAME, INTERFACE, ADDRESS_TYPECODE) and the set type. */
static int
accel_exec(PyObject *module)
{
    if (PyType_Ready(&hi_address_set_type) < 0) {
        return -1;
    }
    if (PyModule_AddStringConstant(module, "NAME", HI_KERNEL_NAME) < 0
        || PyModule_AddIntConstant(module, "INTERFACE", HI_KERNEL_INTERFACE) < 0
        || PyModule_AddStringConstant(module, "ADDRESS_TYPECODE", HI_ADDRESS_TYPECODE) < 0) {
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot accel_slots[] = {
    {Py_mod_exec, accel_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* No state: safe in any interpreter, though the agent only uses the main one. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef accel_module = {
    PyModuleDef_HEAD_INIT,
    "_heap_inspector_accel",
    "The heap inspector's native kernel (see heap_inspector_agent/accel_loader.py).",
    0,
    accel_methods,
    accel_slots,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__heap_inspector_accel(void)
{
    return PyModuleDef_Init(&accel_module);
}
