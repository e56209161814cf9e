/*
 * kernel_py.dict_keys in C: which exact dicts label their references by str keys alone.
 *
 * A dict qualifies when it has as many entries as it has referents, every key is an exact str and
 * its values, in entry order, are its referents as the walk recorded them (by address: identity,
 * never ==).  Entries are read with PyDict_Next, which runs no code of the keys or the values.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "accel_args.h"
#include "accel_kernel.h"

static int
labelled_by_str_keys(PyObject *dict, const uintptr_t *targets, Py_ssize_t count)
{
    Py_ssize_t position = 0, entry = 0;
    PyObject *key, *value;
    while (PyDict_Next(dict, &position, &key, &value)) {
        if (entry >= count || !PyUnicode_CheckExact(key) || (uintptr_t)value != targets[entry]) {
            return 0;
        }
        entry++;
    }
    return entry == count;
}

static int
append_keys(PyObject *keys, PyObject *dict)
{
    Py_ssize_t position = 0;
    PyObject *key, *value;
    while (PyDict_Next(dict, &position, &key, &value)) {
        if (PyList_Append(keys, key) < 0) {
            return -1;
        }
    }
    return 0;
}

int
hi_keyed_dict(PyObject *dict, Py_ssize_t referents, const uintptr_t *target, Py_ssize_t target_count,
              Py_ssize_t edge, PyObject *keys)
{
    /* Referents past the end of targets never match (an empty dict matches nothing). */
    int fits = referents == 0 || (edge <= target_count && referents <= target_count - edge);
    if (!fits || PyDict_GET_SIZE(dict) != referents
        || !labelled_by_str_keys(dict, referents ? target + edge : NULL, referents)) {
        return 0;
    }
    return append_keys(keys, dict) < 0 ? -1 : 1;
}

PyObject *
hi_dict_keys(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"items", "start", "end", "dict_mask", "lengths", "targets", "first_edge"};
    PyObject *found[7];
    Py_ssize_t start, end, first_edge = 0;
    Py_buffer mask, lengths, targets;
    (void)module;
    if (hi_arguments("dict_keys", args, nargs, kwnames, names, 7, 6, found) < 0 || hi_ssize(found[1], "start", &start) < 0
        || hi_ssize(found[2], "end", &end) < 0 || (found[6] != NULL && hi_ssize(found[6], "first_edge", &first_edge) < 0)) {
        return NULL;
    }
    if (hi_bytes(found[3], "dict_mask", &mask) < 0) {
        return NULL;
    }
    if (hi_bytes(found[4], "lengths", &lengths) < 0) {
        PyBuffer_Release(&mask);
        return NULL;
    }
    if (hi_bytes(found[5], "targets", &targets) < 0) {
        PyBuffer_Release(&mask);
        PyBuffer_Release(&lengths);
        return NULL;
    }
    PyObject *items = found[0];
    PyObject *fast = NULL, *keys = NULL, *result = NULL;
    if (hi_check_range(items, start, end) < 0) {
        goto done;
    }
    Py_ssize_t count = end - start;
    /* Buffers in bytes: the item sizes are those of walk's arrays ('I' lengths, address targets). */
    if (mask.len != count || lengths.len != count * (Py_ssize_t)sizeof(unsigned int)
        || targets.len % (Py_ssize_t)sizeof(uintptr_t) != 0 || first_edge < 0) {
        PyErr_SetString(PyExc_ValueError, "dict_keys: dict_mask, lengths and targets do not fit the items");
        goto done;
    }
    const unsigned char *is_dict = mask.buf;
    const unsigned int *length = lengths.buf;
    const uintptr_t *target = targets.buf;
    Py_ssize_t target_count = targets.len / (Py_ssize_t)sizeof(uintptr_t);
    fast = PyBytes_FromStringAndSize(NULL, count);
    keys = PyList_New(0);
    if (fast == NULL || keys == NULL) {
        goto done;
    }
    char *flags = PyBytes_AS_STRING(fast);
    memset(flags, 0, (size_t)count);
    Py_ssize_t edge = first_edge;
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t referents = (Py_ssize_t)length[i];
        if (is_dict[i]) {
            PyObject *dict = PyList_GET_ITEM(items, start + i);
            if (!PyDict_Check(dict)) {
                PyErr_SetString(PyExc_TypeError, "dict_keys: dict_mask selects an object that is not a dict");
                goto done;
            }
            int keyed = hi_keyed_dict(dict, referents, target, target_count, edge, keys);
            if (keyed < 0) {
                goto done;
            }
            flags[i] = (char)keyed;
        }
        if (referents > PY_SSIZE_T_MAX - edge) {
            PyErr_SetString(PyExc_OverflowError, "dict_keys: too many referents");
            goto done;
        }
        edge += referents;
    }
    result = PyTuple_Pack(2, fast, keys);
done:
    Py_XDECREF(fast);
    Py_XDECREF(keys);
    PyBuffer_Release(&mask);
    PyBuffer_Release(&lengths);
    PyBuffer_Release(&targets);
    return result;
}
