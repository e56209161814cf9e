/*
 * long_texts(texts, limit) -> the positions, in order, of the texts longer than `limit` (in code
 * points), as `[i for i, text in enumerate(texts) if len(text) > limit]`.  `texts` is a list of
 * exact str (TypeError otherwise: the Python it stands for, str.__len__, refuses anything else
 * too); only their lengths are read.
 */
#include "accel_texts.h"

#include "accel_args.h"

PyObject *
hi_long_texts(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"texts", "limit"};
    PyObject *found[2];
    Py_ssize_t limit;
    (void)module;
    if (hi_arguments("long_texts", args, nargs, kwnames, names, 2, 2, found) < 0) {
        return NULL;
    }
    PyObject *texts = found[0];
    if (!PyList_CheckExact(texts)) {
        PyErr_SetString(PyExc_TypeError, "long_texts: texts must be a list");
        return NULL;
    }
    if (hi_ssize(found[1], "limit", &limit) < 0) {
        return NULL;
    }
    PyObject *positions = PyList_New(0);
    if (positions == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(texts); i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_CheckExact(text)) {
            PyErr_SetString(PyExc_TypeError, "long_texts: every text must be an exact str");
            Py_DECREF(positions);
            return NULL;
        }
        /* As str.__len__ (before 3.12 a legacy string is made ready first). */
        Py_ssize_t length = PyUnicode_GetLength(text);
        if (length < 0) {
            Py_DECREF(positions);
            return NULL;
        }
        if (length > limit) {
            PyObject *position = PyLong_FromSsize_t(i);
            if (position == NULL || PyList_Append(positions, position) < 0) {
                Py_XDECREF(position);
                Py_DECREF(positions);
                return NULL;
            }
            Py_DECREF(position);
        }
    }
    return positions;
}
