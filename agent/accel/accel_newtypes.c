/*
 * new_type_positions(type_addresses, indices) -> the position of the first occurrence of each
 * distinct address of `type_addresses` (an address array) whose entry in `indices` (array('I'),
 * as type_indices gives it) is the missing word 0xFFFFFFFF, in order of first occurrence.  Reads
 * only the two arrays.
 */
#include "accel_newtypes.h"

#include <stdint.h>

#include "accel_addressset.h"
#include "accel_args.h"

#define MISSING 0xFFFFFFFFu

PyObject *
hi_new_type_positions(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"type_addresses", "indices"};
    PyObject *found[2];
    (void)module;
    if (hi_arguments("new_type_positions", args, nargs, kwnames, names, 2, 2, found) < 0) {
        return NULL;
    }
    Py_buffer addresses_view, indices_view;
    Py_ssize_t count;
    if (hi_address_buffer(found[0], "type_addresses", &addresses_view, &count) < 0) {
        return NULL;
    }
    if (hi_bytes(found[1], "indices", &indices_view) < 0) {
        PyBuffer_Release(&addresses_view);
        return NULL;
    }
    PyObject *positions = NULL;
    hi_address_set *seen = NULL;
    if (indices_view.len != count * (Py_ssize_t)sizeof(unsigned int)) {
        PyErr_SetString(PyExc_ValueError, "new_type_positions: an address and an index per node");
        goto done;
    }
    const uintptr_t *words = addresses_view.buf;
    const unsigned int *indices = indices_view.buf;
    /* The addresses already given (0 is never a type's address). */
    seen = hi_address_set_new();
    positions = PyList_New(0);
    if (seen == NULL || positions == NULL) {
        Py_CLEAR(positions);
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (indices[i] != MISSING || words[i] == 0) {
            continue;
        }
        int added = hi_address_set_add(seen, words[i]);
        if (added < 0) {
            PyErr_NoMemory();
            Py_CLEAR(positions);
            goto done;
        }
        if (added == 0) {
            continue;
        }
        PyObject *position = PyLong_FromSsize_t(i);
        if (position == NULL || PyList_Append(positions, position) < 0) {
            Py_XDECREF(position);
            Py_CLEAR(positions);
            goto done;
        }
        Py_DECREF(position);
    }
done:
    Py_XDECREF((PyObject *)seen);
    PyBuffer_Release(&addresses_view);
    PyBuffer_Release(&indices_view);
    return positions;
}
