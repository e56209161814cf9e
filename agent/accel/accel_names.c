/*
 * Node names (nodefacts.py names): name_texts reads the short name of an exact function, code
 * object or bound method from its own field; merge_u32 puts a chunk's name indices, computed
 * group by group, back into node order.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "accel_args.h"
#include "accel_kernel.h"

/* name_texts (nodefacts.py names): the text of an exact function's, code object's or bound
 * method's short name -- its __qualname__, its co_name, its function's __qualname__ -- read from
 * the object's own field; None for anything else (the agent names those in Python). */
PyObject *
hi_name_texts(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"items"};
    PyObject *items;
    (void)module;
    if (hi_arguments("name_texts", args, nargs, kwnames, names, 1, 1, &items) < 0) {
        return NULL;
    }
    if (!PyList_CheckExact(items)) {
        PyErr_SetString(PyExc_TypeError, "name_texts: items must be a list");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(items);
    PyObject *texts = PyList_New(count);
    if (texts == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(items, i);
        PyObject *text = NULL;
        if (Py_TYPE(item) == &PyMethod_Type) {
            item = PyMethod_GET_FUNCTION(item);
        }
        if (Py_TYPE(item) == &PyFunction_Type) {
            text = ((PyFunctionObject *)item)->func_qualname;
        }
        else if (Py_TYPE(item) == &PyCode_Type && PyList_GET_ITEM(items, i) == item) {
            text = ((PyCodeObject *)item)->co_name;
        }
        if (text == NULL) {
            text = Py_None;
        }
        Py_INCREF(text);
        PyList_SET_ITEM(texts, i, text);
    }
    return texts;
}

/* merge_u32 (kernel_py.merge_u32): a u32 column in node order from per-group sources, e.g. node
 * names: each node takes the next value of its group's source.  One source of it: None (zeros), a
 * range, a list of ints or an array('I'), read in order. */
typedef struct {
    PyObject *object;
    Py_ssize_t length;
    Py_ssize_t next;
    long long start, step; /* range */
    const unsigned int *words; /* array('I') */
    Py_buffer view;
    int kind; /* 0 none (zeros), 1 range, 2 list, 3 words */
} merge_source;

static int
open_source(PyObject *object, merge_source *source)
{
    memset(source, 0, sizeof(*source));
    source->object = object;
    if (object == Py_None) {
        return 0;
    }
    if (PyRange_Check(object)) {
        PyObject *start = PyObject_GetAttrString(object, "start");
        PyObject *step = PyObject_GetAttrString(object, "step");
        source->length = PyObject_Length(object);
        source->start = start ? PyLong_AsLongLong(start) : -1;
        source->step = step ? PyLong_AsLongLong(step) : -1;
        Py_XDECREF(start);
        Py_XDECREF(step);
        if (PyErr_Occurred() || source->length < 0) {
            return -1;
        }
        source->kind = 1;
        return 0;
    }
    if (PyList_CheckExact(object)) {
        source->length = PyList_GET_SIZE(object);
        source->kind = 2;
        return 0;
    }
    if (PyObject_GetBuffer(object, &source->view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) == 0) {
        if (source->view.itemsize != (Py_ssize_t)sizeof(unsigned int) || source->view.format == NULL
            || strcmp(source->view.format, "I") != 0) {
            PyBuffer_Release(&source->view);
            PyErr_SetString(PyExc_TypeError, "merge_u32: an array source must be array('I')");
            return -1;
        }
        source->words = source->view.buf;
        source->length = source->view.len / (Py_ssize_t)sizeof(unsigned int);
        source->kind = 3;
        return 0;
    }
    PyErr_SetString(PyExc_TypeError, "merge_u32: a source must be None, a range, a list or array('I')");
    return -1;
}

/* The next item of `source` as an unsigned 32-bit value: 0, or -1 with an exception. */
static int
take(merge_source *source, unsigned int *out)
{
    if (source->kind == 0) {
        *out = 0;
        return 0;
    }
    if (source->next >= source->length) {
        PyErr_SetString(PyExc_ValueError, "merge_u32: a source has fewer items than its nodes");
        return -1;
    }
    Py_ssize_t at = source->next++;
    long long value;
    if (source->kind == 1) {
        value = source->start + source->step * (long long)at;
    }
    else if (source->kind == 3) {
        *out = source->words[at];
        return 0;
    }
    else {
        PyObject *item = PyList_GET_ITEM(source->object, at);
        if (!PyLong_CheckExact(item)) {
            PyErr_SetString(PyExc_TypeError, "merge_u32: list sources hold ints");
            return -1;
        }
        value = PyLong_AsLongLong(item);
        if (value == -1 && PyErr_Occurred()) {
            return -1;
        }
    }
    if (value < 0 || value > 0xFFFFFFFFLL) {
        PyErr_SetString(PyExc_OverflowError, "merge_u32: a value outside 0..2**32-1");
        return -1;
    }
    *out = (unsigned int)value;
    return 0;
}

PyObject *
hi_merge_u32(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"group_of", "sources"};
    PyObject *found[2];
    Py_buffer group_of;
    (void)module;
    if (hi_arguments("merge_u32", args, nargs, kwnames, names, 2, 2, found) < 0) {
        return NULL;
    }
    PyObject *sources = found[1];
    if (!PyList_CheckExact(sources) || PyList_GET_SIZE(sources) > 256) {
        PyErr_SetString(PyExc_TypeError, "merge_u32: sources must be a list (at most 256)");
        return NULL;
    }
    if (hi_bytes(found[0], "group_of", &group_of) < 0) {
        return NULL;
    }
    Py_ssize_t kinds = PyList_GET_SIZE(sources);
    merge_source opened[256];
    Py_ssize_t ready = 0;
    PyObject *result = NULL;
    unsigned int *out = NULL;
    for (; ready < kinds; ready++) {
        if (open_source(PyList_GET_ITEM(sources, ready), &opened[ready]) < 0) {
            goto done;
        }
    }
    Py_ssize_t count = group_of.len;
    out = hi_raw_array(count > 0 ? count : 1, sizeof(unsigned int));
    if (out == NULL) {
        goto done;
    }
    const unsigned char *group = group_of.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (group[i] >= kinds) {
            PyErr_SetString(PyExc_IndexError, "merge_u32: a group without a source");
            goto done;
        }
        if (take(&opened[group[i]], &out[i]) < 0) {
            goto done;
        }
    }
    result = hi_array("I", out, count * (Py_ssize_t)sizeof(unsigned int));
done:
    PyMem_RawFree(out);
    for (Py_ssize_t k = 0; k < ready; k++) {
        if (opened[k].kind == 3) {
            PyBuffer_Release(&opened[k].view);
        }
    }
    PyBuffer_Release(&group_of);
    return result;
}
