/*
 * Interface 2 of the kernel (kernel_py.without, type_bytes, label_facts): passes over every node
 * that the walk's modules did in Python.
 *
 * Same rules as the rest of the kernel (accel_kernel.c): objects are only read (type pointer,
 * size field of exact lists and tuples, dict entries through PyDict_Next, a traverse with a visit
 * function that records one address); no user code; the GIL is held throughout; every index the
 * caller passes is checked before it is used.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "accel_addressset.h"
#include "accel_args.h"
#include "accel_kernel.h"

/* kernel_py's PLAN_* and node.labels codes. */
enum { PLAN_NONE, PLAN_SEQUENCE, PLAN_DICT, PLAN_INSTANCE_VALUES, PLAN_INSTANCE_DICT, PLAN_OBJECT };
enum { BY_PLAN, KEYED, RECORDED, UNLABELLED };

PyObject *
hi_without(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"items", "excluded"};
    PyObject *found[2];
    (void)module;
    if (hi_arguments("without", args, nargs, kwnames, names, 2, 2, found) < 0) {
        return NULL;
    }
    PyObject *items = found[0];
    if (!PyList_CheckExact(items) || Py_TYPE(found[1]) != &hi_address_set_type) {
        PyErr_SetString(PyExc_TypeError, "without: items must be a list, excluded this kernel's address_set");
        return NULL;
    }
    const hi_address_set *excluded = (const hi_address_set *)found[1];
    Py_ssize_t count = PyList_GET_SIZE(items);
    uintptr_t *types = hi_raw_array(count, sizeof(uintptr_t));
    if (types == NULL) {
        return NULL;
    }
    /* Counted first, so that the new list is made at its size: nothing runs between the count
     * and the copy that could change `items` (no call, the GIL held). */
    Py_ssize_t kept_count = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!hi_address_set_contains(excluded, (uintptr_t)PyList_GET_ITEM(items, i))) {
            kept_count++;
        }
    }
    PyObject *kept = PyList_New(kept_count);
    PyObject *result = NULL;
    if (kept == NULL) {
        goto done;
    }
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < count && k < kept_count; i++) {
        PyObject *item = PyList_GET_ITEM(items, i);
        if (!hi_address_set_contains(excluded, (uintptr_t)item)) {
            Py_INCREF(item);
            PyList_SET_ITEM(kept, k, item);
            types[k] = (uintptr_t)Py_TYPE(item);
            k++;
        }
    }
    PyObject *type_array = hi_array(HI_ADDRESS_TYPECODE, types, kept_count * (Py_ssize_t)sizeof(uintptr_t));
    if (type_array != NULL) {
        result = PyTuple_Pack(2, kept, type_array);
        Py_DECREF(type_array);
    }
done:
    Py_XDECREF(kept);
    PyMem_RawFree(types);
    return result;
}

/* A readable array('I') (4-byte items): -1 with an exception otherwise. */
static int
u32_buffer(PyObject *value, const char *name, Py_buffer *out)
{
    if (hi_bytes(value, name, out) < 0) {
        return -1;
    }
    if (out->len % (Py_ssize_t)sizeof(unsigned int) != 0) {
        PyErr_Format(PyExc_ValueError, "%s must hold 4-byte items", name);
        PyBuffer_Release(out);
        return -1;
    }
    return 0;
}

PyObject *
hi_type_bytes(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"type_of", "table"};
    PyObject *found[2];
    Py_buffer type_of, table;
    (void)module;
    if (hi_arguments("type_bytes", args, nargs, kwnames, names, 2, 2, found) < 0
        || u32_buffer(found[0], "type_of", &type_of) < 0) {
        return NULL;
    }
    if (hi_bytes(found[1], "table", &table) < 0) {
        PyBuffer_Release(&type_of);
        return NULL;
    }
    Py_ssize_t count = type_of.len / (Py_ssize_t)sizeof(unsigned int);
    const unsigned int *index = type_of.buf;
    const unsigned char *values = table.buf;
    PyObject *result = PyBytes_FromStringAndSize(NULL, count);
    if (result != NULL) {
        char *out = PyBytes_AS_STRING(result);
        for (Py_ssize_t i = 0; i < count; i++) {
            if ((Py_ssize_t)index[i] >= table.len) {
                PyErr_SetString(PyExc_IndexError, "type_bytes: a type index is outside the table");
                Py_CLEAR(result);
                break;
            }
            out[i] = (char)values[index[i]];
        }
    }
    PyBuffer_Release(&type_of);
    PyBuffer_Release(&table);
    return result;
}

/* A visit function that keeps the first referent and stops the traverse. */
static int
keep_first(PyObject *referent, void *first)
{
    *(PyObject **)first = referent;
    return 1;
}

/* Whether an instance's first referent, read through its traverse now, is an exact dict (a
 * materialised __dict__ where the class has one attribute slot). */
static int
first_referent_is_dict(PyObject *object)
{
    traverseproc traverse = Py_TYPE(object)->tp_traverse;
    PyObject *first = NULL;
    if (!PyObject_IS_GC(object) || traverse == NULL) {
        return 0;
    }
    (void)traverse(object, keep_first, &first);
    return first != NULL && PyDict_CheckExact(first);
}

/* The arguments of label_facts, as buffers. */
typedef struct {
    Py_buffer type_of, plans, slots, lengths, targets;
    int held;
} facts_buffers;

static void
release_buffers(facts_buffers *b)
{
    Py_buffer *all[] = {&b->type_of, &b->plans, &b->slots, &b->lengths, &b->targets};
    for (int i = 0; i < b->held; i++) {
        PyBuffer_Release(all[i]);
    }
    b->held = 0;
}

static int
take_buffers(PyObject **found, facts_buffers *b)
{
    b->held = 0;
    if (u32_buffer(found[3], "type_of", &b->type_of) < 0) {
        return -1;
    }
    b->held = 1;
    if (hi_bytes(found[4], "plans", &b->plans) < 0) {
        goto fail;
    }
    b->held = 2;
    if (u32_buffer(found[5], "slots", &b->slots) < 0) {
        goto fail;
    }
    b->held = 3;
    if (u32_buffer(found[6], "lengths", &b->lengths) < 0) {
        goto fail;
    }
    b->held = 4;
    if (hi_bytes(found[7], "targets", &b->targets) < 0) {
        goto fail;
    }
    b->held = 5;
    if (b->targets.len % (Py_ssize_t)sizeof(uintptr_t) != 0) {
        PyErr_SetString(PyExc_ValueError, "label_facts: targets must hold addresses");
        goto fail;
    }
    return 0;
fail:
    release_buffers(b);
    return -1;
}

PyObject *
hi_label_facts(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"items", "start", "end", "type_of", "plans", "slots", "lengths", "targets"};
    PyObject *found[8];
    Py_ssize_t start, end;
    facts_buffers b;
    (void)module;
    if (hi_arguments("label_facts", args, nargs, kwnames, names, 8, 8, found) < 0 || hi_ssize(found[1], "start", &start) < 0
        || hi_ssize(found[2], "end", &end) < 0 || hi_check_range(found[0], start, end) < 0
        || take_buffers(found, &b) < 0) {
        return NULL;
    }
    PyObject *items = found[0];
    PyObject *labels = NULL, *keys = NULL, *result = NULL;
    Py_ssize_t count = end - start;
    Py_ssize_t unit = (Py_ssize_t)sizeof(unsigned int);
    if (b.type_of.len != count * unit || b.lengths.len != count * unit) {
        PyErr_SetString(PyExc_ValueError, "label_facts: type_of and lengths must have one entry per item");
        goto done;
    }
    const unsigned int *type_of = b.type_of.buf;
    const unsigned char *plans = b.plans.buf;
    const unsigned int *slots = b.slots.buf;
    Py_ssize_t slot_count = b.slots.len / unit;
    const unsigned int *length = b.lengths.buf;
    const uintptr_t *target = b.targets.buf;
    Py_ssize_t target_count = b.targets.len / (Py_ssize_t)sizeof(uintptr_t);
    labels = PyBytes_FromStringAndSize(NULL, count);
    keys = PyList_New(0);
    if (labels == NULL || keys == NULL) {
        goto done;
    }
    char *out = PyBytes_AS_STRING(labels);
    Py_ssize_t edge = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(items, start + i);
        Py_ssize_t referents = (Py_ssize_t)length[i];
        unsigned int type_index = type_of[i];
        if ((Py_ssize_t)type_index >= b.plans.len) {
            PyErr_SetString(PyExc_IndexError, "label_facts: a type index is outside plans");
            goto done;
        }
        int label = BY_PLAN;
        switch (plans[type_index]) {
        case PLAN_SEQUENCE: {
            Py_ssize_t size;
            if (PyList_CheckExact(item)) {
                size = PyList_GET_SIZE(item);
            }
            else if (PyTuple_CheckExact(item)) {
                size = PyTuple_GET_SIZE(item);
            }
            else {
                PyErr_SetString(PyExc_TypeError, "label_facts: a sequence plan for an object that is not a list or tuple");
                goto done;
            }
            label = size == referents ? BY_PLAN : UNLABELLED;
            break;
        }
        case PLAN_DICT: {
            if (!PyDict_Check(item)) {
                PyErr_SetString(PyExc_TypeError, "label_facts: a dict plan for an object that is not a dict");
                goto done;
            }
            int keyed = hi_keyed_dict(item, referents, target, target_count, edge, keys);
            if (keyed < 0) {
                goto done;
            }
            label = keyed ? KEYED : RECORDED;
            break;
        }
        case PLAN_INSTANCE_VALUES: {
            if ((Py_ssize_t)type_index >= slot_count) {
                PyErr_SetString(PyExc_IndexError, "label_facts: a type index is outside slots");
                goto done;
            }
            int shaped = referents == (Py_ssize_t)slots[type_index] + 1;
            if (shaped && referents == 2 && first_referent_is_dict(item)) {
                shaped = 0;
            }
            label = shaped ? BY_PLAN : RECORDED;
            break;
        }
        case PLAN_OBJECT:
            label = RECORDED;
            break;
        default:
            break;
        }
        if (label == RECORDED && referents == 0) {
            label = BY_PLAN; /* nothing to label */
        }
        out[i] = (char)label;
        if (referents > PY_SSIZE_T_MAX - edge) {
            PyErr_SetString(PyExc_OverflowError, "label_facts: too many referents");
            goto done;
        }
        edge += referents;
    }
    result = PyTuple_Pack(2, labels, keys);
done:
    Py_XDECREF(labels);
    Py_XDECREF(keys);
    release_buffers(&b);
    return result;
}

/* A small open-addressing map of type addresses to indices, in raw memory, for one call. */
typedef struct {
    uintptr_t *keys;
    unsigned int *values;
    Py_ssize_t mask;
} type_map;

static Py_ssize_t
type_slot(uintptr_t address, Py_ssize_t mask)
{
    return (Py_ssize_t)(((uint64_t)(address >> 3) * UINT64_C(0x9E3779B97F4A7C15)) >> 17) & mask;
}

/* The map of `known` ({address: index}, exact ints); -1 with an exception when it is not that. */
static int
type_map_fill(type_map *map, PyObject *known)
{
    Py_ssize_t capacity = 16;
    while (capacity < 2 * PyDict_GET_SIZE(known) + 2) {
        if (capacity > PY_SSIZE_T_MAX / 4) {
            PyErr_NoMemory();
            return -1;
        }
        capacity *= 2;
    }
    map->keys = PyMem_RawCalloc((size_t)capacity, sizeof(uintptr_t));
    map->values = hi_raw_array(capacity, sizeof(unsigned int));
    map->mask = capacity - 1;
    if (map->keys == NULL || map->values == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t position = 0;
    PyObject *key, *value;
    while (PyDict_Next(known, &position, &key, &value)) {
        if (!PyLong_CheckExact(key) || !PyLong_CheckExact(value)) {
            PyErr_SetString(PyExc_TypeError, "type_indices: known must map int addresses to int indices");
            return -1;
        }
        uintptr_t address = (uintptr_t)PyLong_AsVoidPtr(key);
        unsigned long index = PyLong_AsUnsignedLong(value);
        if (PyErr_Occurred()) {
            return -1;
        }
        if (address == 0 || index >= 0xFFFFFFFFUL) {
            PyErr_SetString(PyExc_ValueError, "type_indices: an address of 0 or an index that is not below 2**32 - 1");
            return -1;
        }
        Py_ssize_t slot = type_slot(address, map->mask);
        while (map->keys[slot] != 0 && map->keys[slot] != address) {
            slot = (slot + 1) & map->mask;
        }
        map->keys[slot] = address;
        map->values[slot] = (unsigned int)index;
    }
    return 0;
}

static unsigned int
type_map_get(const type_map *map, uintptr_t address)
{
    if (address == 0) {
        return 0xFFFFFFFFU;
    }
    Py_ssize_t slot = type_slot(address, map->mask);
    for (;;) {
        uintptr_t found = map->keys[slot];
        if (found == address) {
            return map->values[slot];
        }
        if (found == 0) {
            return 0xFFFFFFFFU;
        }
        slot = (slot + 1) & map->mask;
    }
}

PyObject *
hi_type_indices(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"type_addresses", "known"};
    PyObject *found[2];
    Py_buffer addresses;
    (void)module;
    if (hi_arguments("type_indices", args, nargs, kwnames, names, 2, 2, found) < 0) {
        return NULL;
    }
    if (!PyDict_CheckExact(found[1])) {
        PyErr_SetString(PyExc_TypeError, "type_indices: known must be a dict");
        return NULL;
    }
    Py_ssize_t count;
    if (hi_address_buffer(found[0], "type_indices: type_addresses", &addresses, &count) < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    unsigned int *indices = NULL;
    type_map map = {NULL, NULL, 0};
    indices = hi_raw_array(count, sizeof(unsigned int));
    if (indices == NULL || type_map_fill(&map, found[1]) < 0) {
        goto done;
    }
    const uintptr_t *words = addresses.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        indices[i] = type_map_get(&map, words[i]);
    }
    result = hi_array("I", indices, count * (Py_ssize_t)sizeof(unsigned int));
done:
    PyMem_RawFree(map.keys);
    PyMem_RawFree(map.values);
    PyMem_RawFree(indices);
    PyBuffer_Release(&addresses);
    return result;
}
