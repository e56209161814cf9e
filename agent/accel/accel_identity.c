/*
 * identity_match(weak, weak_ids, addresses, marks, no_mark) -> (olds, same, found), exactly what
 * identity.observe computes in Python:
 *
 *   olds  = list(map(dict(zip(addresses, marks)).get, weak_ids, repeat(no_mark)))
 *   same  = bytes(map(is_, map(ReferenceType.__call__, olds), weak))
 *   found = bytes(map(is_not, olds, repeat(no_mark)))
 *
 * `weak`: a list of objects; `weak_ids`, `addresses`: address arrays (one per item of `weak`, of
 * `marks`); `marks`: a list of weak references (the agent's marks), `no_mark` one more.  A later
 * duplicate address wins, as in a dict.  Reads only pointers and the marks' referents: no object
 * is hashed or compared, no code runs.
 */
#include "accel_identity.h"

#include <stdint.h>
#include <string.h>

#include "accel_addressset.h"
#include "accel_args.h"
#include "accel_kernel.h"

/* A referent without a new reference where the API allows it (3.13 deprecates the borrowing one). */
static PyObject *
referent_of(PyObject *mark, int *failed)
{
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *strong = NULL;
    if (PyWeakref_GetRef(mark, &strong) < 0) {
        *failed = 1;
        return NULL;
    }
    /* Only its address is compared; the object lives on (the caller's list holds it, or another
     * object does if it is not one of them). */
    Py_XDECREF(strong);
    return strong;
#else
    (void)failed;
    return PyWeakref_GET_OBJECT(mark);
#endif
}

PyObject *
hi_identity_match(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"weak", "weak_ids", "addresses", "marks", "no_mark"};
    PyObject *found_args[5];
    (void)module;
    if (hi_arguments("identity_match", args, nargs, kwnames, names, 5, 5, found_args) < 0) {
        return NULL;
    }
    PyObject *weak = found_args[0];
    PyObject *marks = found_args[3];
    PyObject *no_mark = found_args[4];
    if (!PyList_CheckExact(weak) || !PyList_CheckExact(marks) || !PyWeakref_CheckRef(no_mark)) {
        PyErr_SetString(PyExc_TypeError, "identity_match: weak and marks must be lists, no_mark a weak reference");
        return NULL;
    }
    Py_buffer ids_view, addresses_view;
    Py_ssize_t count, previous;
    if (hi_address_buffer(found_args[1], "weak_ids", &ids_view, &count) < 0) {
        return NULL;
    }
    if (hi_address_buffer(found_args[2], "addresses", &addresses_view, &previous) < 0) {
        PyBuffer_Release(&ids_view);
        return NULL;
    }
    PyObject *result = NULL, *olds = NULL, *same = NULL, *found = NULL;
    Py_ssize_t *slots = NULL;
    if (count != PyList_GET_SIZE(weak) || previous != PyList_GET_SIZE(marks)) {
        PyErr_SetString(PyExc_ValueError, "identity_match: an address array and its list differ in length");
        goto done;
    }
    for (Py_ssize_t i = 0; i < previous; i++) {
        if (!PyWeakref_CheckRef(PyList_GET_ITEM(marks, i))) {
            PyErr_SetString(PyExc_TypeError, "identity_match: marks must be weak references");
            goto done;
        }
    }
    /* Open addressing, at most half full: slot -> 1 + position in `addresses` (0: empty). */
    Py_ssize_t capacity = 16;
    while (capacity < 2 * previous) {
        if (capacity > PY_SSIZE_T_MAX / 4 / (Py_ssize_t)sizeof(Py_ssize_t)) {
            PyErr_NoMemory();
            goto done;
        }
        capacity *= 2;
    }
    slots = PyMem_RawCalloc((size_t)capacity, sizeof(Py_ssize_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const uintptr_t *addresses = addresses_view.buf;
    for (Py_ssize_t i = 0; i < previous; i++) {
        Py_ssize_t slot = hi_address_slot(addresses[i], capacity);
        while (slots[slot] != 0 && addresses[slots[slot] - 1] != addresses[i]) {
            slot = (slot + 1) & (capacity - 1);
        }
        slots[slot] = i + 1; /* a later duplicate replaces the earlier one, as in a dict */
    }
    olds = PyList_New(count);
    same = PyBytes_FromStringAndSize(NULL, count);
    found = PyBytes_FromStringAndSize(NULL, count);
    if (olds == NULL || same == NULL || found == NULL) {
        goto done;
    }
    unsigned char *same_bytes = (unsigned char *)PyBytes_AS_STRING(same);
    unsigned char *found_bytes = (unsigned char *)PyBytes_AS_STRING(found);
    const uintptr_t *ids = ids_view.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t slot = hi_address_slot(ids[i], capacity);
        while (slots[slot] != 0 && addresses[slots[slot] - 1] != ids[i]) {
            slot = (slot + 1) & (capacity - 1);
        }
        PyObject *mark = slots[slot] != 0 ? PyList_GET_ITEM(marks, slots[slot] - 1) : no_mark;
        int failed = 0;
        PyObject *referent = referent_of(mark, &failed);
        if (failed) {
            goto done;
        }
        Py_INCREF(mark);
        PyList_SET_ITEM(olds, i, mark);
        same_bytes[i] = referent == PyList_GET_ITEM(weak, i);
        found_bytes[i] = mark != no_mark;
    }
    result = PyTuple_Pack(3, olds, same, found);
done:
    PyMem_RawFree(slots);
    Py_XDECREF(olds);
    Py_XDECREF(same);
    Py_XDECREF(found);
    PyBuffer_Release(&ids_view);
    PyBuffer_Release(&addresses_view);
    return result;
}
