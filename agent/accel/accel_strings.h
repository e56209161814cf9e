/*
 * string_indices (accel_records.c, beside object_records, whose reading of the StringTable it
 * shares): texts to string indices.  Not part of the kernel contract: strings.py uses it when the
 * native kernel has it and does the same in Python otherwise.
 */
#ifndef HI_ACCEL_STRINGS_H
#define HI_ACCEL_STRINGS_H

#include <Python.h>

PyObject *hi_string_indices(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);

#define HI_STRING_METHODS                                                                         \
    {"string_indices", (PyCFunction)(void (*)(void))hi_string_indices, METH_FASTCALL | METH_KEYWORDS, \
     "string_indices(texts, strings) -> array('I') of string indices, or None"},

#endif
