/*
 * Arguments of the kernel's functions (METH_FASTCALL | METH_KEYWORDS), by position or keyword.
 *
 * They stay the caller's: no tuple is made for them.  A tuple would hold a reference of its own to
 * every argument while the function reads reference counts, and an argument can be an object the
 * function counts (the int 0 passed as `start` is also a node of the heap); the pure-Python
 * kernel's arguments add nothing either.
 */
#ifndef HI_ACCEL_ARGS_H
#define HI_ACCEL_ARGS_H

#include <Python.h>

/* out[i] = the argument named names[i] (borrowed), or NULL when it is optional and absent.  The
 * first `required` are required.  -1 with TypeError when the call does not fit. */
int hi_arguments(const char *function, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                 const char *const *names, Py_ssize_t count, Py_ssize_t required, PyObject **out);
/* An exact int as a Py_ssize_t; -1 with an exception otherwise. */
int hi_ssize(PyObject *value, const char *name, Py_ssize_t *out);
/* An exact bool or int (absent: 0) as a flag; -1 with TypeError otherwise. */
int hi_flag(PyObject *value, const char *name, int *out);
/* A readable contiguous buffer; -1 with an exception otherwise.  Release it with PyBuffer_Release. */
int hi_bytes(PyObject *value, const char *name, Py_buffer *out);
/* hi_bytes of whole addresses (uintptr_t), `*count` of them; -1 with an exception otherwise (the
 * buffer then released: ValueError when its length is not a whole number of addresses). */
int hi_address_buffer(PyObject *value, const char *name, Py_buffer *out, Py_ssize_t *count);

#endif
