/* Arguments of the kernel's functions (accel_args.h). */
#include "accel_args.h"

int
hi_arguments(const char *function, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
             const char *const *names, Py_ssize_t count, Py_ssize_t required, PyObject **out)
{
    if (nargs > count) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zd arguments (%zd given)", function, count, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        out[i] = i < nargs ? args[i] : NULL;
    }
    Py_ssize_t keywords = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t k = 0; k < keywords; k++) {
        PyObject *keyword = PyTuple_GET_ITEM(kwnames, k);
        Py_ssize_t i = 0;
        /* Keyword names are always exact str: comparing them runs no code. */
        while (i < count && PyUnicode_CompareWithASCIIString(keyword, names[i]) != 0) {
            i++;
        }
        if (i == count || out[i] != NULL) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected or repeated argument %R", function, keyword);
            return -1;
        }
        out[i] = args[nargs + k];
    }
    for (Py_ssize_t i = 0; i < required; i++) {
        if (out[i] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing argument '%s'", function, names[i]);
            return -1;
        }
    }
    return 0;
}

int
hi_ssize(PyObject *value, const char *name, Py_ssize_t *out)
{
    if (!PyLong_CheckExact(value)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int", name);
        return -1;
    }
    *out = PyLong_AsSsize_t(value);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

int
hi_flag(PyObject *value, const char *name, int *out)
{
    if (value == NULL) {
        *out = 0;
        return 0;
    }
    if (!PyBool_Check(value) && !PyLong_CheckExact(value)) {
        PyErr_Format(PyExc_TypeError, "%s must be a bool", name);
        return -1;
    }
    *out = PyObject_IsTrue(value);
    return *out < 0 ? -1 : 0;
}

int
hi_bytes(PyObject *value, const char *name, Py_buffer *out)
{
    if (PyObject_GetBuffer(value, out, PyBUF_SIMPLE) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a bytes-like object", name);
        return -1;
    }
    return 0;
}

int
hi_address_buffer(PyObject *value, const char *name, Py_buffer *out, Py_ssize_t *count)
{
    if (hi_bytes(value, name, out) < 0) {
        return -1;
    }
    if (out->len % (Py_ssize_t)sizeof(uintptr_t) != 0) {
        PyBuffer_Release(out);
        PyErr_Format(PyExc_ValueError, "%s must hold addresses", name);
        return -1;
    }
    *count = out->len / (Py_ssize_t)sizeof(uintptr_t);
    return 0;
}
