/*
 * The walk (kernel_py.walk, add_leaves, address_set): each object's referents through its type's
 * tp_traverse, as the collector reads them, and the leaves they lead to.
 *
 * The visit function only records an address; nothing recurses (a deep structure is a long list
 * of addresses, never a deep C stack); the GIL is held throughout each call, so the referents
 * read stay alive until the call returns (no code runs that could free them).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "accel_addressset.h"
#include "accel_args.h"
#include "accel_buffer.h"
#include "accel_kernel.h"

PyObject *
hi_new_address_set(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"initial"};
    PyObject *initial;
    (void)module;
    if (hi_arguments("address_set", args, nargs, kwnames, names, 1, 1, &initial) < 0) {
        return NULL;
    }
    hi_address_set *set = hi_address_set_new();
    if (set == NULL) {
        return NULL;
    }
    PyObject *iterator = PyObject_GetIter(initial);
    if (iterator == NULL) {
        Py_DECREF(set);
        return NULL;
    }
    PyObject *value;
    while ((value = PyIter_Next(iterator)) != NULL) {
        if (!PyLong_CheckExact(value)) {
            PyErr_SetString(PyExc_TypeError, "address_set: addresses must be ints");
            Py_DECREF(value);
            break;
        }
        void *address = PyLong_AsVoidPtr(value);
        Py_DECREF(value);
        if (address == NULL && PyErr_Occurred()) {
            break;
        }
        if (address != NULL && hi_address_set_add(set, (uintptr_t)address) < 0) {
            PyErr_NoMemory();
            break;
        }
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred()) {
        Py_DECREF(set);
        return NULL;
    }
    return (PyObject *)set;
}

/* The collector's visit function, as gc.get_referents uses it: record, nothing else. */
static int
record(PyObject *referent, void *words)
{
    return hi_words_append((hi_words *)words, (uintptr_t)referent);
}

static int
is_gc(PyObject *object)
{
    return PyObject_IS_GC(object);
}

static int
is_tracked(PyObject *object)
{
#if PY_VERSION_HEX >= 0x03090000
    return PyObject_GC_IsTracked(object);
#else
    return PyObject_IS_GC(object) && _PyObject_GC_IS_TRACKED(object);
#endif
}

/* A referent (or an object the caller found) becomes a leaf when it is untracked, or always with
 * `every`, and not seen yet: its address goes into `seen` and the object into `leaves`.  0 or -1
 * with an exception. */
static int
discover(PyObject *object, hi_address_set *seen, PyObject *leaves, int every)
{
    if (!every && is_tracked(object)) {
        return 0;
    }
    int added = hi_address_set_add(seen, (uintptr_t)object);
    if (added < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return added ? PyList_Append(leaves, object) : 0;
}

/* The set and the list of leaves a walk fills: -1 with TypeError when they are not. */
static int
walk_targets(PyObject *seen, PyObject *leaves)
{
    if (Py_TYPE(seen) != &hi_address_set_type || !PyList_CheckExact(leaves)) {
        PyErr_SetString(PyExc_TypeError, "seen must come from this kernel's address_set, leaves must be a list");
        return -1;
    }
    return 0;
}

PyObject *
hi_add_leaves(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"objects", "seen", "leaves", "every_referent"};
    PyObject *found[4];
    int every_referent;
    (void)module;
    if (hi_arguments("add_leaves", args, nargs, kwnames, names, 4, 3, found) < 0
        || walk_targets(found[1], found[2]) < 0 || hi_flag(found[3], "every_referent", &every_referent) < 0) {
        return NULL;
    }
    PyObject *objects = found[0], *seen = found[1], *leaves = found[2];
    if (!PyList_CheckExact(objects)) {
        PyErr_SetString(PyExc_TypeError, "objects must be a list");
        return NULL;
    }
    /* Addresses first: appending to `leaves` may grow `objects` if they are the same list. */
    Py_ssize_t count = PyList_GET_SIZE(objects);
    PyObject *addresses = hi_word_column(objects, 0, count, HI_ADDRESS);
    if (addresses == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count && i < PyList_GET_SIZE(objects); i++) {
        if (discover(PyList_GET_ITEM(objects, i), (hi_address_set *)seen, leaves, every_referent) < 0) {
            Py_DECREF(addresses);
            return NULL;
        }
    }
    return addresses;
}

PyObject *
hi_walk(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"items", "start", "end", "seen", "leaves", "every_referent"};
    PyObject *found[6];
    Py_ssize_t start, end;
    int every_referent;
    (void)module;
    if (hi_arguments("walk", args, nargs, kwnames, names, 6, 5, found) < 0 || hi_ssize(found[1], "start", &start) < 0
        || hi_ssize(found[2], "end", &end) < 0 || hi_check_range(found[0], start, end) < 0
        || walk_targets(found[3], found[4]) < 0 || hi_flag(found[5], "every_referent", &every_referent) < 0) {
        return NULL;
    }
    PyObject *items = found[0], *leaves = found[4];
    hi_address_set *seen = (hi_address_set *)found[3];
    Py_ssize_t count = end - start;
    unsigned int *lengths = hi_raw_array(count, sizeof(unsigned int));
    if (lengths == NULL) {
        return NULL;
    }
    hi_words targets;
    hi_words_init(&targets);
    PyObject *result = NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(items, start + i);
        Py_ssize_t first = targets.length;
        traverseproc traverse = Py_TYPE(item)->tp_traverse;
        /* What gc.get_referents asks: GC objects only, through their type's tp_traverse. */
        if (is_gc(item) && traverse != NULL && traverse(item, record, &targets) != 0) {
            if (targets.failed) {
                PyErr_NoMemory();
            }
            else if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_SystemError, "a tp_traverse reported an error");
            }
            goto done;
        }
        if ((size_t)(targets.length - first) > UINT_MAX) {
            PyErr_SetString(PyExc_OverflowError, "an object has more than 2**32 referents");
            goto done;
        }
        lengths[i] = (unsigned int)(targets.length - first);
        /* Leaves in order of first occurrence: untracked referents (or all of them) not seen. */
        for (Py_ssize_t j = first; j < targets.length; j++) {
            if (discover((PyObject *)targets.items[j], seen, leaves, every_referent) < 0) {
                goto done;
            }
        }
    }
    PyObject *target_array =
        hi_array(HI_ADDRESS_TYPECODE, targets.items, targets.length * (Py_ssize_t)sizeof(uintptr_t));
    if (target_array == NULL) {
        goto done;
    }
    PyObject *length_array = hi_array("I", lengths, count * (Py_ssize_t)sizeof(unsigned int));
    if (length_array == NULL) {
        Py_DECREF(target_array);
        goto done;
    }
    result = PyTuple_Pack(2, target_array, length_array);
    Py_DECREF(target_array);
    Py_DECREF(length_array);
done:
    hi_words_free(&targets);
    PyMem_RawFree(lengths);
    return result;
}
