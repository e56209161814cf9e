/*
 * new_type_positions(type_addresses, indices) -> the position of the first occurrence of each
 * distinct address of `type_addresses` (an address array) whose entry in `indices` (array('I'),
 * as type_indices gives it) is the missing word 0xFFFFFFFF, in order of first occurrence.  Reads
 * only the two arrays.
 */
#include "accel_newtypes.h"

#include <stdint.h>

#include "accel_args.h"

#define MISSING 0xFFFFFFFFu

static Py_ssize_t
slot_of(uintptr_t address, Py_ssize_t capacity)
{
    uint64_t key = (uint64_t)(address >> 3) * UINT64_C(0x9E3779B97F4A7C15);
    return (Py_ssize_t)((key >> 17) & (uint64_t)(capacity - 1));
}

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
    if (hi_bytes(found[0], "type_addresses", &addresses_view) < 0) {
        return NULL;
    }
    if (hi_bytes(found[1], "indices", &indices_view) < 0) {
        PyBuffer_Release(&addresses_view);
        return NULL;
    }
    PyObject *positions = NULL;
    uintptr_t *slots = NULL;
    Py_ssize_t count = addresses_view.len / (Py_ssize_t)sizeof(uintptr_t);
    if (addresses_view.len % (Py_ssize_t)sizeof(uintptr_t) != 0
        || indices_view.len != count * (Py_ssize_t)sizeof(unsigned int)) {
        PyErr_SetString(PyExc_ValueError, "new_type_positions: an address and an index per node");
        goto done;
    }
    const uintptr_t *words = addresses_view.buf;
    const unsigned int *indices = indices_view.buf;
    Py_ssize_t missing = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        missing += indices[i] == MISSING;
    }
    /* At most half full: a set of the addresses already given (0 is never a type's address). */
    Py_ssize_t capacity = 16;
    while (capacity < 2 * missing) {
        capacity *= 2;
    }
    slots = PyMem_RawCalloc((size_t)capacity, sizeof(uintptr_t));
    positions = PyList_New(0);
    if (slots == NULL || positions == NULL) {
        if (slots == NULL) {
            PyErr_NoMemory();
        }
        Py_CLEAR(positions);
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (indices[i] != MISSING || words[i] == 0) {
            continue;
        }
        Py_ssize_t slot = slot_of(words[i], capacity);
        while (slots[slot] != 0 && slots[slot] != words[i]) {
            slot = (slot + 1) & (capacity - 1);
        }
        if (slots[slot] == words[i]) {
            continue;
        }
        slots[slot] = words[i];
        PyObject *position = PyLong_FromSsize_t(i);
        if (position == NULL || PyList_Append(positions, position) < 0) {
            Py_XDECREF(position);
            Py_CLEAR(positions);
            goto done;
        }
        Py_DECREF(position);
    }
done:
    PyMem_RawFree(slots);
    PyBuffer_Release(&addresses_view);
    PyBuffer_Release(&indices_view);
    return positions;
}
