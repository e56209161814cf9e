/*
 * object_records (kernel_py.object_records, labelplans.object_records): the `label.kind` bytes and
 * `label.name` u32 column of a chunk's nodes labelled one by one, from each node's (kinds, names),
 * the texts turned into string indices by the capture's StringTable (strings.py).
 *
 * Exactly the Python function's results and table: an unlabelled node (None) is `length` zeros; a
 * name whose kind is INDEX is its number, 0xFFFFFFFF when that is outside 0..2**32-1; an exact str
 * is its string index, the texts new to the table added in order of first use (the very objects,
 * as StringTable.add_all adds them); the exact int 0 is 0.  A group with anything else -- a bool,
 * a str or int subclass, None or another int as a name, labels in another shape -- is left to the
 * Python function (None is returned), decided before any text is added.
 *
 * No user code runs: only exact str and exact int names are read, and the table's dict holds only
 * exact str keys (hashing and comparing them is the str type's own code).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string.h>

#include "accel_args.h"
#include "accel_kernel.h"
#include "accel_strings.h"

#define KIND_INDEX 4 /* labels.INDEX */
#define U32_MAX 0xFFFFFFFFLL

/* The labels of one node: `count` kinds (bytes or a list of ints) and names (a list or tuple). */
typedef struct {
    PyObject *kinds;
    PyObject *const *names;
    Py_ssize_t count;
} node_labels;

/* 1 with `node` filled when `entry` is a (kinds, names) this function reads: a tuple whose kinds
 * are exact bytes or a list of exact ints 0..255, and whose names are an exact list or tuple as
 * long; 0 when not (left to Python).  The kinds' values are checked when `check` is set (the first
 * pass; the group is then read again unchanged: no code runs in between). */
static int
read_entry(PyObject *entry, node_labels *node, int check)
{
    if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) < 2) {
        return 0;
    }
    PyObject *kinds = PyTuple_GET_ITEM(entry, 0);
    PyObject *names = PyTuple_GET_ITEM(entry, 1);
    if (!PyList_CheckExact(names) && !PyTuple_CheckExact(names)) {
        return 0;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(names);
    if (PyBytes_CheckExact(kinds)) {
        if (PyBytes_GET_SIZE(kinds) != count) {
            return 0;
        }
    }
    else if (PyList_CheckExact(kinds)) {
        if (PyList_GET_SIZE(kinds) != count) {
            return 0;
        }
        for (Py_ssize_t i = 0; check && i < count; i++) {
            PyObject *kind = PyList_GET_ITEM(kinds, i);
            int overflow;
            long value = PyLong_CheckExact(kind) ? PyLong_AsLongAndOverflow(kind, &overflow) : -1;
            if (value < 0 || value > 255 || overflow) {
                return 0;
            }
        }
    }
    else {
        return 0;
    }
    node->kinds = kinds;
    node->names = PySequence_Fast_ITEMS(names);
    node->count = count;
    return 1;
}

static unsigned char
kind_at(const node_labels *node, Py_ssize_t i)
{
    if (PyBytes_CheckExact(node->kinds)) {
        return (unsigned char)PyBytes_AS_STRING(node->kinds)[i];
    }
    return (unsigned char)PyLong_AsLong(PyList_GET_ITEM(node->kinds, i)); /* checked by read_entry */
}

/* An exact int as a name or index: its value when in 0..2**32-1, else -1. */
static long long
u32_value(PyObject *number)
{
    int overflow;
    long long value = PyLong_AsLongLongAndOverflow(number, &overflow);
    return overflow || value < 0 || value > U32_MAX ? -1 : value;
}

/* The group's shape: 1 when every node is None or an entry read_entry reads, every name an exact
 * int where its kind is INDEX and else an exact str or the int 0, with `edges` (all the nodes'
 * labels) and `texts` (the exact str names) counted; 0 when the group is left to Python. */
static int
group_shape(PyObject *labelled, const unsigned int *lengths, Py_ssize_t nodes, Py_ssize_t *edges, Py_ssize_t *texts)
{
    Py_ssize_t total = 0, text_count = 0;
    for (Py_ssize_t n = 0; n < nodes; n++) {
        PyObject *entry = PyList_GET_ITEM(labelled, n);
        node_labels node;
        if (entry == Py_None) {
            total += (Py_ssize_t)lengths[n];
            if (total > PY_SSIZE_T_MAX / 8) {
                return 0;
            }
            continue;
        }
        if (!read_entry(entry, &node, 1)) {
            return 0;
        }
        for (Py_ssize_t i = 0; i < node.count; i++) {
            PyObject *name = node.names[i];
            if (kind_at(&node, i) == KIND_INDEX) {
                if (!PyLong_CheckExact(name)) {
                    return 0;
                }
            }
            else if (PyUnicode_CheckExact(name)) {
                text_count++;
            }
            else if (!PyLong_CheckExact(name) || u32_value(name) != 0) {
                return 0;
            }
        }
        total += node.count;
        if (total > PY_SSIZE_T_MAX / 8) {
            return 0;
        }
    }
    *edges = total;
    *texts = text_count;
    return 1;
}

/* The table's parts, new references: 1, or 0 when they are not a dict, a list and an int (left to
 * Python), -1 with an exception. */
static int
table_parts(PyObject *strings, PyObject **index, PyObject **fresh, Py_ssize_t *first)
{
    /* Interned names, as the table's own code looks them up: a name made here would take a slot
     * of the interpreter's type-attribute cache that Python code does not take. */
    static const char *const attributes[] = {"_index", "_fresh", "_first"};
    PyObject *found[3] = {NULL, NULL, NULL};
    int result = -1;
    for (int k = 0; k < 3; k++) {
        PyObject *name = PyUnicode_InternFromString(attributes[k]);
        if (name == NULL) {
            goto done;
        }
        found[k] = PyObject_GetAttr(strings, name);
        Py_DECREF(name);
        if (found[k] == NULL) {
            goto done;
        }
    }
    result = 0;
    if (PyDict_CheckExact(found[0]) && PyList_CheckExact(found[1]) && PyLong_CheckExact(found[2])) {
        *first = PyLong_AsSsize_t(found[2]);
        if (*first == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            goto done;
        }
        *index = found[0];
        *fresh = found[1];
        found[0] = found[1] = NULL;
        result = 1;
    }
done:
    for (int k = 0; k < 3; k++) {
        Py_XDECREF(found[k]);
    }
    return result;
}

/* Fills `kinds` and `names`, the texts' names left 0. */
static void
fill_numbers(PyObject *labelled, const unsigned int *lengths, Py_ssize_t nodes, unsigned char *kinds,
             unsigned int *names)
{
    Py_ssize_t at = 0;
    for (Py_ssize_t n = 0; n < nodes; n++) {
        PyObject *entry = PyList_GET_ITEM(labelled, n);
        node_labels node;
        if (entry == Py_None) {
            memset(kinds + at, 0, lengths[n]);
            memset(names + at, 0, (size_t)lengths[n] * sizeof(unsigned int));
            at += (Py_ssize_t)lengths[n];
            continue;
        }
        read_entry(entry, &node, 0);
        for (Py_ssize_t i = 0; i < node.count; i++, at++) {
            kinds[at] = kind_at(&node, i);
            names[at] = 0;
            if (kinds[at] == KIND_INDEX) {
                long long value = u32_value(node.names[i]);
                names[at] = value < 0 ? 0xFFFFFFFFU : (unsigned int)value;
            }
        }
    }
}

/* The string index of the exact str `text` in the table (`index`, `fresh`, `first`: table_parts),
 * added as StringTable.add_all adds a new text (the very object, at the next index): 0 with
 * `*value` set (-1 when the index is not a u32), or -1 with an exception. */
static int
text_index(PyObject *text, PyObject *index, PyObject *fresh, Py_ssize_t first, long long *value)
{
    PyObject *known = PyDict_GetItemWithError(index, text);
    if (known != NULL) {
        *value = PyLong_CheckExact(known) ? u32_value(known) : -1;
        return 0;
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    Py_ssize_t next = first + PyList_GET_SIZE(fresh);
    PyObject *number = PyLong_FromSsize_t(next);
    if (number == NULL) {
        return -1;
    }
    int failed = PyDict_SetItem(index, text, number);
    Py_DECREF(number);
    if (failed < 0 || PyList_Append(fresh, text) < 0) {
        return -1;
    }
    *value = next <= U32_MAX ? (long long)next : -1;
    return 0;
}

/* The texts' string indices into `names`, the texts new to the table added in order of first
 * use, as StringTable.add_all adds them: 0, or -1 with an exception.  An index in the table that
 * is not a u32 (four billion texts) raises once every text is added, as the Python function's
 * array('I') raises then. */
static int
add_texts(PyObject *labelled, const unsigned int *lengths, Py_ssize_t nodes, const unsigned char *kinds,
          unsigned int *names, PyObject *index, PyObject *fresh, Py_ssize_t first)
{
    Py_ssize_t at = 0;
    int beyond_u32 = 0;
    for (Py_ssize_t n = 0; n < nodes; n++) {
        PyObject *entry = PyList_GET_ITEM(labelled, n);
        node_labels node;
        if (entry == Py_None) {
            at += (Py_ssize_t)lengths[n];
            continue;
        }
        read_entry(entry, &node, 0);
        for (Py_ssize_t i = 0; i < node.count; i++, at++) {
            PyObject *name = node.names[i];
            if (kinds[at] == KIND_INDEX || !PyUnicode_CheckExact(name)) {
                continue;
            }
            long long value;
            if (text_index(name, index, fresh, first, &value) < 0) {
                return -1;
            }
            beyond_u32 |= value < 0;
            names[at] = value < 0 ? 0 : (unsigned int)value;
        }
    }
    if (beyond_u32) {
        PyErr_SetString(PyExc_OverflowError, "object_records: a string index beyond 2**32-1");
        return -1;
    }
    return 0;
}

PyObject *
hi_object_records(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const argument_names[] = {"labelled", "lengths", "strings"};
    PyObject *found[3];
    Py_buffer lengths;
    (void)module;
    if (hi_arguments("object_records", args, nargs, kwnames, argument_names, 3, 3, found) < 0) {
        return NULL;
    }
    PyObject *labelled = found[0];
    /* Anything but a list and an array('I') is left to the Python function, which takes any
     * iterables. */
    if (!PyList_CheckExact(labelled)) {
        Py_RETURN_NONE;
    }
    if (PyObject_GetBuffer(found[1], &lengths, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    PyObject *index = NULL, *fresh = NULL, *kinds = NULL, *result = NULL;
    unsigned int *names = NULL;
    Py_ssize_t first = 0, edges = 0, texts = 0;
    if (lengths.itemsize != (Py_ssize_t)sizeof(unsigned int) || lengths.format == NULL
        || strcmp(lengths.format, "I") != 0) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    /* zip(labelled, lengths): as many nodes as the shorter has. */
    Py_ssize_t nodes = lengths.len / (Py_ssize_t)sizeof(unsigned int);
    if (PyList_GET_SIZE(labelled) < nodes) {
        nodes = PyList_GET_SIZE(labelled);
    }
    int readable = table_parts(found[2], &index, &fresh, &first);
    if (readable < 0) {
        goto done;
    }
    /* Decided before anything is added: a group this function does not read, or one whose new
     * texts could take indices beyond u32, is left to the Python function. */
    if (readable == 0 || !group_shape(labelled, lengths.buf, nodes, &edges, &texts)
        || first + PyList_GET_SIZE(fresh) > U32_MAX - texts) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    kinds = PyBytes_FromStringAndSize(NULL, edges);
    names = hi_raw_array(edges > 0 ? edges : 1, sizeof(unsigned int));
    if (kinds == NULL || names == NULL) {
        goto done;
    }
    unsigned char *kind_bytes = (unsigned char *)PyBytes_AS_STRING(kinds);
    fill_numbers(labelled, lengths.buf, nodes, kind_bytes, names);
    if (texts > 0 && add_texts(labelled, lengths.buf, nodes, kind_bytes, names, index, fresh, first) < 0) {
        goto done;
    }
    PyObject *column = hi_array("I", names, edges * (Py_ssize_t)sizeof(unsigned int));
    if (column != NULL) {
        result = PyTuple_Pack(2, kinds, column);
        Py_DECREF(column);
    }
done:
    PyMem_RawFree(names);
    Py_XDECREF(kinds);
    Py_XDECREF(index);
    Py_XDECREF(fresh);
    PyBuffer_Release(&lengths);
    return result;
}

/* string_indices(texts, strings) -> array('I'): each exact str of the list `texts` as its string
 * index in the StringTable `strings` (the texts new to it added in order of first use, the very
 * objects, as StringTable.add_all adds them), anything else as 0.  None, having changed nothing,
 * when `texts` is not a list, the table is not as strings.py makes it, or the new texts could take
 * indices beyond u32: the caller then does it in Python. */
PyObject *
hi_string_indices(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const argument_names[] = {"texts", "strings"};
    PyObject *found[2];
    (void)module;
    if (hi_arguments("string_indices", args, nargs, kwnames, argument_names, 2, 2, found) < 0) {
        return NULL;
    }
    PyObject *texts = found[0];
    if (!PyList_CheckExact(texts)) {
        Py_RETURN_NONE;
    }
    PyObject *index = NULL, *fresh = NULL, *result = NULL;
    unsigned int *indices = NULL;
    Py_ssize_t first = 0, count = PyList_GET_SIZE(texts);
    int readable = table_parts(found[1], &index, &fresh, &first);
    if (readable < 0) {
        return NULL;
    }
    if (readable == 0 || first + PyList_GET_SIZE(fresh) > U32_MAX - count) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    indices = hi_raw_array(count > 0 ? count : 1, sizeof(unsigned int));
    if (indices == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        indices[i] = 0;
        if (!PyUnicode_CheckExact(text)) {
            continue;
        }
        long long value;
        if (text_index(text, index, fresh, first, &value) < 0) {
            goto done;
        }
        if (value < 0) {
            PyErr_SetString(PyExc_OverflowError, "string_indices: a string index beyond 2**32-1");
            goto done;
        }
        indices[i] = (unsigned int)value;
    }
    result = hi_array("I", indices, count * (Py_ssize_t)sizeof(unsigned int));
done:
    PyMem_RawFree(indices);
    Py_XDECREF(index);
    Py_XDECREF(fresh);
    return result;
}
