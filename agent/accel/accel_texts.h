/*
 * long_texts (accel_texts.c): where a list of texts has one longer than a limit, for
 * nodefacts.short_texts.  Not part of the kernel contract: nodefacts.py uses it when the native
 * kernel has it and does the same in Python otherwise.
 */
#ifndef HI_ACCEL_TEXTS_H
#define HI_ACCEL_TEXTS_H

#include <Python.h>

PyObject *hi_long_texts(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);

#define HI_TEXT_METHODS                                                                           \
    {"long_texts", (PyCFunction)(void (*)(void))hi_long_texts, METH_FASTCALL | METH_KEYWORDS,       \
     "long_texts(texts, limit) -> [positions of the texts longer than limit]"},

#endif
