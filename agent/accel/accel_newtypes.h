/*
 * new_type_positions (accel_newtypes.c): where each type new to the type table first appears in a
 * chunk, for nodefacts.TypeFacts.indices.  Not part of the kernel contract: nodefacts.py uses it
 * when the native kernel has it and finds the same types in Python otherwise.
 */
#ifndef HI_ACCEL_NEWTYPES_H
#define HI_ACCEL_NEWTYPES_H

#include <Python.h>

PyObject *hi_new_type_positions(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);

#define HI_NEWTYPE_METHODS                                                                              \
    {"new_type_positions", (PyCFunction)(void (*)(void))hi_new_type_positions,                           \
     METH_FASTCALL | METH_KEYWORDS,                                                                      \
     "new_type_positions(type_addresses, indices) -> [first position of each address whose index is "  \
     "missing]"},

#endif
