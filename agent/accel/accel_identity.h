/*
 * identity_match (accel_identity.c): the previous capture's mark at each weakable node's address,
 * for identity.observe.  Not part of the kernel contract: identity.py uses it when the native
 * kernel has it and does the same in Python otherwise.
 */
#ifndef HI_ACCEL_IDENTITY_H
#define HI_ACCEL_IDENTITY_H

#include <Python.h>

PyObject *hi_identity_match(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);

#define HI_IDENTITY_METHODS                                                                         \
    {"identity_match", (PyCFunction)(void (*)(void))hi_identity_match, METH_FASTCALL | METH_KEYWORDS, \
     "identity_match(weak, weak_ids, addresses, marks, no_mark) -> (olds, same, found)"},

#endif
