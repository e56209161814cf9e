/*
 * The kernel's per-object functions and the walk (kernel_py.py is the contract; dict_keys is in
 * accel_dictkeys.c).
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

#include "accel_addressset.h"
#include "accel_buffer.h"
#include "accel_kernel.h"

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
    PyObject *result = PyObject_CallFunction(array_type, "s", typecode);
    if (result == NULL || nbytes == 0) {
        return result;
    }
    PyObject *view = PyMemoryView_FromMemory((char *)data, nbytes, PyBUF_READ);
    if (view == NULL) {
        Py_DECREF(result);
        return NULL;
    }
    PyObject *done = PyObject_CallMethod(result, "frombytes", "O", view);
    Py_DECREF(view);
    if (done == NULL) {
        Py_DECREF(result);
        return NULL;
    }
    Py_DECREF(done);
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

/* A raw array of `count` items of `size` bytes, or NULL (MemoryError set). */
static void *
raw_array(Py_ssize_t count, size_t size)
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

enum word_kind { ADDRESS, TYPE_ADDRESS };

static PyObject *
word_column(PyObject *items, Py_ssize_t start, Py_ssize_t end, enum word_kind kind)
{
    if (hi_check_range(items, start, end) < 0) {
        return NULL;
    }
    Py_ssize_t count = end - start;
    uintptr_t *words = raw_array(count, sizeof(uintptr_t));
    if (words == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(items, start + i);
        words[i] = kind == ADDRESS ? (uintptr_t)item : (uintptr_t)Py_TYPE(item);
    }
    PyObject *result = hi_array(HI_ADDRESS_TYPECODE, words, count * (Py_ssize_t)sizeof(uintptr_t));
    PyMem_RawFree(words);
    return result;
}

PyObject *
hi_addresses(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"items", "start", "end", NULL};
    PyObject *items, *end_object = Py_None;
    Py_ssize_t start = 0, end;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|nO:addresses", keywords, &items, &start, &end_object)) {
        return NULL;
    }
    if (!PyList_CheckExact(items)) {
        PyErr_SetString(PyExc_TypeError, "items must be a list");
        return NULL;
    }
    if (end_object == Py_None) {
        end = PyList_GET_SIZE(items);
    }
    else {
        end = PyNumber_AsSsize_t(end_object, PyExc_OverflowError);
        if (end == -1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    return word_column(items, start, end, ADDRESS);
}

PyObject *
hi_type_addresses(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"items", "start", "end", NULL};
    PyObject *items;
    Py_ssize_t start, end;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Onn:type_addresses", keywords, &items, &start, &end)) {
        return NULL;
    }
    return word_column(items, start, end, TYPE_ADDRESS);
}

PyObject *
hi_refcounts(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"items", "start", "end", NULL};
    PyObject *items;
    Py_ssize_t start, end;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Onn:refcounts", keywords, &items, &start, &end)
        || hi_check_range(items, start, end) < 0) {
        return NULL;
    }
    Py_ssize_t count = end - start;
    long long *counts = raw_array(count, sizeof(long long));
    if (counts == NULL) {
        return NULL;
    }
    /* Read without a reference of ours: the count as the list holds the object (immortal objects,
     * 3.12+, report their fixed count, as sys.getrefcount does). */
    for (Py_ssize_t i = 0; i < count; i++) {
        counts[i] = (long long)Py_REFCNT(PyList_GET_ITEM(items, start + i));
    }
    PyObject *result = hi_array("q", counts, count * (Py_ssize_t)sizeof(long long));
    PyMem_RawFree(counts);
    return result;
}

PyObject *
hi_sizes(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"items", "start", "end", "measure", NULL};
    PyObject *items;
    Py_ssize_t start, end;
    Py_buffer measure;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Onny*:sizes", keywords, &items, &start, &end, &measure)) {
        return NULL;
    }
    PyObject *result = NULL;
    long long *sizes = NULL;
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
    sizes = raw_array(count, sizeof(long long));
    if (sizes == NULL) {
        goto done;
    }
    const unsigned char *wanted = measure.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        sizes[i] = 0;
        if (!wanted[i]) {
            continue;
        }
        /* sys.getsizeof itself: the type's own built-in __sizeof__ plus the collector's header,
         * exactly as the pure-Python kernel measures. */
        PyObject *size = PyObject_CallFunctionObjArgs(getsizeof, PyList_GET_ITEM(items, start + i), NULL);
        long long value = -1;
        if (size != NULL) {
            value = PyLong_AsLongLong(size);
            Py_DECREF(size);
        }
        if (size == NULL || (value == -1 && PyErr_Occurred())) {
            if (!PyErr_ExceptionMatches(PyExc_Exception)) {
                goto done; /* KeyboardInterrupt, SystemExit: not ours to swallow */
            }
            PyErr_Clear();
            value = -1;
        }
        sizes[i] = value;
    }
    result = hi_array("q", sizes, count * (Py_ssize_t)sizeof(long long));
done:
    PyMem_RawFree(sizes);
    PyBuffer_Release(&measure);
    return result;
}

PyObject *
hi_new_address_set(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"initial", NULL};
    PyObject *initial;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:address_set", keywords, &initial)) {
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

PyObject *
hi_walk(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"items", "start", "end", "seen", "leaves", "every_referent", NULL};
    PyObject *items, *seen_object, *leaves;
    Py_ssize_t start, end;
    int every_referent = 0;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OnnO!O!|p:walk", keywords, &items, &start, &end,
                                     &hi_address_set_type, &seen_object, &PyList_Type, &leaves,
                                     &every_referent)
        || hi_check_range(items, start, end) < 0) {
        return NULL;
    }
    hi_address_set *seen = (hi_address_set *)seen_object;
    Py_ssize_t count = end - start;
    unsigned int *lengths = raw_array(count, sizeof(unsigned int));
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
            PyObject *referent = (PyObject *)targets.items[j];
            if (!every_referent && is_tracked(referent)) {
                continue;
            }
            int added = hi_address_set_add(seen, (uintptr_t)referent);
            if (added < 0) {
                PyErr_NoMemory();
                goto done;
            }
            if (added && PyList_Append(leaves, referent) < 0) {
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
