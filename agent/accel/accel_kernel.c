/*
 * The kernel's per-object functions (kernel_py.py is the contract; the walk is in accel_walk.c,
 * dict_keys in accel_dictkeys.c).
 *
 * What keeps the user's process safe here:
 * - no user code: objects are only read (type pointer, reference count, collector header) or
 *   handed to their type's tp_traverse with a visit function that only records the address, as
 *   the collector itself does; sys.getsizeof runs only where the caller vouched that __sizeof__ is
 *   a built-in type's own C method (kernel_py.sizes);
 * - no reference is taken while anything is read, so every count read is the count as the
 *   caller's list holds the object: nothing to subtract;
 * - the GIL is held throughout each call and never released (no I/O, no callback into Python that
 *   could switch threads): no other thread runs while a call reads the heap;
 * - memory is raw (PyMem_Raw*), every size is checked before it is multiplied, and nothing
 *   recurses: a deep structure is a long list of addresses, never a deep C stack.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "accel_args.h"
#include "accel_kernel.h"

#define HI_IMMORTAL_FLOOR (1LL << 30)

/* Borrowed: accel_loader.py keeps both alive for the life of the process (a reference held from
 * C would make them look referenced from outside the agent in every snapshot). */
static PyObject *array_type = NULL;
static PyObject *getsizeof = NULL;

PyObject *
hi_setup(PyObject *module, PyObject *args)
{
    PyObject *new_array_type, *new_getsizeof;
    (void)module;
    if (!PyArg_ParseTuple(args, "O!O:_setup", &PyType_Type, &new_array_type, &new_getsizeof)) {
        return NULL;
    }
    if (!PyCallable_Check(new_getsizeof)) {
        PyErr_SetString(PyExc_TypeError, "_setup: getsizeof must be callable");
        return NULL;
    }
    array_type = new_array_type;
    getsizeof = new_getsizeof;
    Py_RETURN_NONE;
}

PyObject *
hi_array(const char *typecode, const void *data, Py_ssize_t nbytes)
{
    if (array_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the native kernel was not set up (accel_loader._load)");
        return NULL;
    }
    /* array(typecode, bytes): the constructor copies the bytes in.  No method is looked up by a
     * name made here: a fresh name string would take a slot of the interpreter's method cache
     * each time (releasing the reference to None the slot held), which plain Python code, with
     * its interned names, does not do, and which would show in the counts a snapshot records. */
    PyObject *bytes = PyBytes_FromStringAndSize((const char *)data, nbytes);
    if (bytes == NULL) {
        return NULL;
    }
    PyObject *result = PyObject_CallFunction(array_type, "sO", typecode, bytes);
    Py_DECREF(bytes);
    return result;
}

int
hi_check_range(PyObject *items, Py_ssize_t start, Py_ssize_t end)
{
    if (!PyList_CheckExact(items)) {
        PyErr_SetString(PyExc_TypeError, "items must be a list");
        return -1;
    }
    if (start < 0 || end < start || end > PyList_GET_SIZE(items)) {
        PyErr_Format(PyExc_ValueError, "start=%zd, end=%zd do not select from %zd items", start, end,
                     PyList_GET_SIZE(items));
        return -1;
    }
    return 0;
}

void *
hi_raw_array(Py_ssize_t count, size_t size)
{
    if (count < 0 || (size_t)count > PY_SSIZE_T_MAX / size) {
        PyErr_NoMemory();
        return NULL;
    }
    void *memory = PyMem_RawMalloc(count == 0 ? 1 : (size_t)count * size);
    if (memory == NULL) {
        PyErr_NoMemory();
    }
    return memory;
}

PyObject *
hi_word_column(PyObject *items, Py_ssize_t start, Py_ssize_t end, enum hi_word_kind kind)
{
    if (hi_check_range(items, start, end) < 0) {
        return NULL;
    }
    Py_ssize_t count = end - start;
    uintptr_t *words = hi_raw_array(count, sizeof(uintptr_t));
    if (words == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(items, start + i);
        words[i] = kind == HI_ADDRESS ? (uintptr_t)item : (uintptr_t)Py_TYPE(item);
    }
    PyObject *result = hi_array(HI_ADDRESS_TYPECODE, words, count * (Py_ssize_t)sizeof(uintptr_t));
    PyMem_RawFree(words);
    return result;
}

/* The `items, start, end` that most functions take; -1 with an exception. */
static int
selection(const char *function, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, PyObject **items,
          Py_ssize_t *start, Py_ssize_t *end)
{
    static const char *const names[] = {"items", "start", "end"};
    PyObject *found[3];
    if (hi_arguments(function, args, nargs, kwnames, names, 3, 3, found) < 0 || hi_ssize(found[1], "start", start) < 0
        || hi_ssize(found[2], "end", end) < 0 || hi_check_range(found[0], *start, *end) < 0) {
        return -1;
    }
    *items = found[0];
    return 0;
}

PyObject *
hi_addresses(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"items", "start", "end"};
    PyObject *found[3];
    Py_ssize_t start = 0, end;
    (void)module;
    if (hi_arguments("addresses", args, nargs, kwnames, names, 3, 1, found) < 0) {
        return NULL;
    }
    if (!PyList_CheckExact(found[0])) {
        PyErr_SetString(PyExc_TypeError, "items must be a list");
        return NULL;
    }
    if (found[1] != NULL && hi_ssize(found[1], "start", &start) < 0) {
        return NULL;
    }
    end = PyList_GET_SIZE(found[0]);
    if (found[2] != NULL && found[2] != Py_None && hi_ssize(found[2], "end", &end) < 0) {
        return NULL;
    }
    return hi_word_column(found[0], start, end, HI_ADDRESS);
}

PyObject *
hi_type_addresses(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *items;
    Py_ssize_t start, end;
    (void)module;
    if (selection("type_addresses", args, nargs, kwnames, &items, &start, &end) < 0) {
        return NULL;
    }
    return hi_word_column(items, start, end, HI_TYPE_ADDRESS);
}

PyObject *
hi_refcounts(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *items;
    Py_ssize_t start, end;
    (void)module;
    if (selection("refcounts", args, nargs, kwnames, &items, &start, &end) < 0) {
        return NULL;
    }
    Py_ssize_t count = end - start;
    long long *counts = hi_raw_array(count, sizeof(long long));
    if (counts == NULL) {
        return NULL;
    }
    /* Read without a reference of ours: the count as the list holds the object.  From 3.12 every
     * count at or above 2**30 is reported as exactly 2**30, "immortal" (PEP 683: their own number
     * is fixed, huge and differs between versions), as kernel_py.refcounts reports it. */
    for (Py_ssize_t i = 0; i < count; i++) {
        long long value = (long long)Py_REFCNT(PyList_GET_ITEM(items, start + i));
#if PY_VERSION_HEX >= 0x030C0000
        if (value > HI_IMMORTAL_FLOOR) {
            value = HI_IMMORTAL_FLOOR;
        }
#endif
        counts[i] = value;
    }
    PyObject *result = hi_array("q", counts, count * (Py_ssize_t)sizeof(long long));
    PyMem_RawFree(counts);
    return result;
}

/* Measuring through sys.getsizeof costs a bound method, two ints and a call per object.  The
 * type's own __sizeof__ (a method descriptor of a built-in type, the only ones the caller asks to
 * measure) is called directly instead, and sys.getsizeof's addition (the collector's header, and
 * from 3.12 the other pre-header fields: a fixed number per type) is learnt per type from one
 * object measured both ways.  Types whose header depends on the object (tp_is_gc: type objects
 * before 3.12) and anything odd go through sys.getsizeof itself. */
#define HI_SIZE_TYPES 16

typedef struct {
    PyTypeObject *type;
    PyObject *method; /* a reference of ours while the call lasts, or NULL: use getsizeof */
    long long extra;
} size_rule;

static long long
size_by_getsizeof(PyObject *item, int *fatal)
{
    PyObject *size = PyObject_CallFunctionObjArgs(getsizeof, item, NULL);
    long long value = -1;
    if (size != NULL) {
        value = PyLong_AsLongLong(size);
        Py_DECREF(size);
    }
    if (size == NULL || (value == -1 && PyErr_Occurred())) {
        if (!PyErr_ExceptionMatches(PyExc_Exception)) {
            *fatal = 1; /* KeyboardInterrupt, SystemExit: not ours to swallow */
            return -1;
        }
        PyErr_Clear();
        value = -1;
    }
    return value;
}

/* The type's own __sizeof__ called on `item`: its result, or -1 (an Exception cleared) when it
 * fails or is not a non-negative int.  Anything else raised (KeyboardInterrupt…) sets `fatal`. */
static long long
size_by_method(PyObject *method, PyObject *item, int *fatal)
{
    PyObject *size = PyObject_CallFunctionObjArgs(method, item, NULL);
    long long value = -1;
    if (size != NULL) {
        value = PyLong_CheckExact(size) ? PyLong_AsLongLong(size) : -1;
        Py_DECREF(size);
    }
    if (PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_Exception)) {
            *fatal = 1;
            return -1;
        }
        PyErr_Clear();
        value = -1;
    }
    return value < 0 ? -1 : value;
}

/* The rule for `type` (added on first sight, measured on `item` both ways); NULL when the table is
 * full. */
static size_rule *
size_rule_of(size_rule *rules, int *count, PyTypeObject *type, PyObject *item, PyObject *name, long long *first,
             int *fatal)
{
    for (int i = 0; i < *count; i++) {
        if (rules[i].type == type) {
            return &rules[i];
        }
    }
    if (*count == HI_SIZE_TYPES) {
        return NULL;
    }
    size_rule *rule = &rules[(*count)++];
    rule->type = type;
    rule->method = NULL;
    rule->extra = 0;
    *first = size_by_getsizeof(item, fatal);
    if (*fatal || *first < 0 || type->tp_is_gc != NULL || name == NULL) {
        return rule;
    }
    /* The same lookup sys.getsizeof makes (the same interned name, so the same cache entry). */
    PyObject *method = _PyType_Lookup(type, name);
    if (method == NULL || Py_TYPE(method) != &PyMethodDescr_Type) {
        return rule;
    }
    Py_INCREF(method);
    long long direct = size_by_method(method, item, fatal);
    if (*fatal || direct < 0 || direct > *first) {
        Py_DECREF(method);
        return rule;
    }
    rule->method = method;
    rule->extra = *first - direct;
    return rule;
}

PyObject *
hi_sizes(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"items", "start", "end", "measure"};
    PyObject *found[4];
    Py_ssize_t start, end;
    Py_buffer measure;
    (void)module;
    if (hi_arguments("sizes", args, nargs, kwnames, names, 4, 4, found) < 0 || hi_ssize(found[1], "start", &start) < 0
        || hi_ssize(found[2], "end", &end) < 0 || hi_bytes(found[3], "measure", &measure) < 0) {
        return NULL;
    }
    PyObject *items = found[0];
    PyObject *result = NULL;
    PyObject *name = NULL;
    long long *sizes = NULL;
    size_rule rules[HI_SIZE_TYPES];
    int rule_count = 0;
    if (hi_check_range(items, start, end) < 0) {
        goto done;
    }
    Py_ssize_t count = end - start;
    if (measure.len != count) {
        PyErr_Format(PyExc_ValueError, "measure has %zd bytes for %zd items", measure.len, count);
        goto done;
    }
    if (getsizeof == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the native kernel was not set up (accel_loader._load)");
        goto done;
    }
    sizes = hi_raw_array(count, sizeof(long long));
    if (sizes == NULL) {
        goto done;
    }
    /* Interned, as the interpreter's own "__sizeof__" (held for this call only: a reference kept
     * would add one to the count of a string the heap's type dicts use as a key). */
    name = PyUnicode_InternFromString("__sizeof__");
    if (name == NULL) {
        PyErr_Clear(); /* every object then goes through sys.getsizeof */
    }
    const unsigned char *wanted = measure.buf;
    int fatal = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        sizes[i] = 0;
        if (!wanted[i]) {
            continue;
        }
        PyObject *item = PyList_GET_ITEM(items, start + i);
        long long first = -2;
        size_rule *rule = size_rule_of(rules, &rule_count, Py_TYPE(item), item, name, &first, &fatal);
        long long value;
        if (fatal) {
            goto done;
        }
        if (first != -2) {
            value = first; /* measured by sys.getsizeof while the rule was made */
        }
        else if (rule != NULL && rule->method != NULL) {
            value = size_by_method(rule->method, item, &fatal);
            if (!fatal) {
                value = value < 0 ? size_by_getsizeof(item, &fatal) : value + rule->extra;
            }
        }
        else {
            value = size_by_getsizeof(item, &fatal);
        }
        if (fatal) {
            goto done;
        }
        sizes[i] = value;
    }
    result = hi_array("q", sizes, count * (Py_ssize_t)sizeof(long long));
done:
    for (int i = 0; i < rule_count; i++) {
        Py_XDECREF(rules[i].method);
    }
    Py_XDECREF(name);
    PyMem_RawFree(sizes);
    PyBuffer_Release(&measure);
    return result;
}
