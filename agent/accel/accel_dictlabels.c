/*
 * member_labels for an exact dict off the str-keyed fast path (labelplans.py RECIPE_DICT): a dict
 * whose traverse visits each entry's value then its key (a table of general keys: a key that is
 * not a str was ever stored in it).
 *
 * label() names such a dict from dict.items() (labels._dict_candidates): per entry in order, the
 * value (STR_KEY for an exact str key, else OTHER_KEY) and the key (KEY_OBJECT), both named by the
 * key's text, then matches the referents to these candidates by address, each taking the first
 * unused one.  When the referents are exactly value, key, value, key... in entry order, the
 * candidates' addresses are that very sequence, so the k-th referent with an address takes the
 * k-th candidate with it -- the one at its own position, repeats or not: the labels are
 * positional.  That sequence is checked here, entry by entry; any other dict is left to label().
 *
 * The texts are made only where no user code can run: an exact str key is itself, cut at the str
 * limit with "..." (labels.key_label); an exact int key is int.__repr__ (the type's own slot), cut
 * at the int limit, or "<int of N bits>" where repr refuses that many digits (safe.key_text).  A
 * dict with any other key is left to label().
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "accel_labels.h"

#define ELLIPSIS 0x2026

/* `text` (stolen) cut to `limit` characters as the agent cuts labels: its first limit - 1, then
 * the ellipsis. NULL with an exception. */
static PyObject *
cut(PyObject *text, Py_ssize_t limit, PyObject *ellipsis)
{
    if (text == NULL) {
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GetLength(text);
    if (length < 0) {
        Py_DECREF(text);
        return NULL;
    }
    if (length <= limit) {
        return text;
    }
    PyObject *head = PyUnicode_Substring(text, 0, limit - 1);
    Py_DECREF(text);
    if (head == NULL) {
        return NULL;
    }
    PyObject *joined = PyUnicode_Concat(head, ellipsis);
    Py_DECREF(head);
    return joined;
}

/* The text of an exact int key (safe.key_text), or NULL with an exception. */
static PyObject *
int_text(PyObject *key, Py_ssize_t limit, PyObject *ellipsis)
{
    PyObject *text = PyLong_Type.tp_repr(key);
    if (text == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_ValueError)) {
            return NULL;
        }
        PyErr_Clear(); /* more digits than sys.int_max_str_digits allows */
        size_t bits = _PyLong_NumBits(key);
        if (bits == (size_t)-1 && PyErr_Occurred()) {
            return NULL;
        }
        return PyUnicode_FromFormat("<int of %zu bits>", bits);
    }
    return cut(text, limit, ellipsis);
}

static int
small_number(PyObject *recipe, Py_ssize_t index, long *number)
{
    PyObject *item = PyTuple_GET_ITEM(recipe, index);
    if (!PyLong_CheckExact(item)) {
        return -1;
    }
    *number = PyLong_AsLong(item);
    if (*number < 1 || *number > 1000000) {
        PyErr_Clear();
        return -1;
    }
    return 0;
}

PyObject *
hi_dict_labels(PyObject *dict, PyObject *recipe, const hi_words *referents)
{
    long str_kind, other_kind, key_kind, str_limit, int_limit;
    if (!PyDict_CheckExact(dict) || PyTuple_GET_SIZE(recipe) != 7 || small_number(recipe, 2, &str_kind) < 0
        || small_number(recipe, 3, &other_kind) < 0 || small_number(recipe, 4, &key_kind) < 0
        || small_number(recipe, 5, &str_limit) < 0 || small_number(recipe, 6, &int_limit) < 0 || str_kind > 255
        || other_kind > 255 || key_kind > 255) {
        Py_RETURN_FALSE;
    }
    Py_ssize_t n = referents->length;
    if (n != 2 * PyDict_GET_SIZE(dict)) {
        Py_RETURN_FALSE;
    }
    PyObject *kinds = PyBytes_FromStringAndSize(NULL, n);
    PyObject *names = PyList_New(n);
    PyObject *ellipsis = PyUnicode_FromOrdinal(ELLIPSIS);
    if (kinds == NULL || names == NULL || ellipsis == NULL) {
        goto fail;
    }
    char *kind_of = PyBytes_AS_STRING(kinds);
    Py_ssize_t position = 0, i = 0;
    PyObject *key, *value;
    while (PyDict_Next(dict, &position, &key, &value)) {
        if (i + 2 > n || referents->items[i] != (uintptr_t)value || referents->items[i + 1] != (uintptr_t)key) {
            goto left;
        }
        PyObject *text;
        if (PyUnicode_CheckExact(key)) {
            Py_INCREF(key);
            text = cut(key, str_limit, ellipsis);
            kind_of[i] = (char)str_kind;
        }
        else if (PyLong_CheckExact(key)) {
            text = int_text(key, int_limit, ellipsis);
            kind_of[i] = (char)other_kind;
        }
        else {
            goto left;
        }
        if (text == NULL) {
            /* No memory, or a str that cannot be read: label() meets the same and says so. */
            PyErr_Clear();
            goto left;
        }
        kind_of[i + 1] = (char)key_kind;
        Py_INCREF(text);
        PyList_SET_ITEM(names, i, text);
        PyList_SET_ITEM(names, i + 1, text);
        i += 2;
    }
    if (i != n) {
        goto left;
    }
    Py_DECREF(ellipsis);
    PyObject *pair = PyTuple_Pack(2, kinds, names);
    Py_DECREF(kinds);
    Py_DECREF(names);
    return pair;
left:
    Py_DECREF(kinds);
    Py_DECREF(names); /* the slots not yet set are NULL: list_dealloc skips them */
    Py_DECREF(ellipsis);
    Py_RETURN_FALSE;
fail:
    Py_XDECREF(kinds);
    Py_XDECREF(names);
    Py_XDECREF(ellipsis);
    return NULL;
}
