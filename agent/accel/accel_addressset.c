/* The kernel's set of addresses (accel_addressset.h). */
#include "accel_addressset.h"

/* At most half full: probes stay short for addresses, which cluster. */
#define HI_MIN_CAPACITY 1024

static int
grow(hi_address_set *set)
{
    Py_ssize_t capacity = set->capacity == 0 ? HI_MIN_CAPACITY : set->capacity;
    while (set->count + 1 > capacity / 2) {
        if (capacity > PY_SSIZE_T_MAX / 2 || (size_t)capacity > PY_SSIZE_T_MAX / 2 / sizeof(uintptr_t)) {
            return -1;
        }
        capacity *= 2;
    }
    if (capacity == set->capacity) {
        return 0;
    }
    uintptr_t *slots = PyMem_RawCalloc((size_t)capacity, sizeof(uintptr_t));
    if (slots == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < set->capacity; i++) {
        uintptr_t address = set->slots[i];
        if (address != 0) {
            Py_ssize_t slot = hi_address_slot(address, capacity);
            while (slots[slot] != 0) {
                slot = (slot + 1) & (capacity - 1);
            }
            slots[slot] = address;
        }
    }
    PyMem_RawFree(set->slots);
    set->slots = slots;
    set->capacity = capacity;
    return 0;
}

int
hi_address_set_add(hi_address_set *set, uintptr_t address)
{
    if (set->count + 1 > set->capacity / 2 && grow(set) < 0) {
        return -1;
    }
    Py_ssize_t slot = hi_address_slot(address, set->capacity);
    for (;;) {
        uintptr_t found = set->slots[slot];
        if (found == address) {
            return 0;
        }
        if (found == 0) {
            set->slots[slot] = address;
            set->count++;
            return 1;
        }
        slot = (slot + 1) & (set->capacity - 1);
    }
}

int
hi_address_set_contains(const hi_address_set *set, uintptr_t address)
{
    if (set->count == 0 || address == 0) {
        return 0;
    }
    Py_ssize_t slot = hi_address_slot(address, set->capacity);
    for (;;) {
        uintptr_t found = set->slots[slot];
        if (found == address) {
            return 1;
        }
        if (found == 0) {
            return 0;
        }
        slot = (slot + 1) & (set->capacity - 1);
    }
}

hi_address_set *
hi_address_set_new(void)
{
    hi_address_set *set = PyObject_New(hi_address_set, &hi_address_set_type);
    if (set == NULL) {
        return NULL;
    }
    set->slots = NULL;
    set->capacity = 0;
    set->count = 0;
    return set;
}

static void
address_set_dealloc(PyObject *self)
{
    hi_address_set *set = (hi_address_set *)self;
    PyMem_RawFree(set->slots);
    set->slots = NULL;
    PyObject_Free(self);
}

static Py_ssize_t
address_set_length(PyObject *self)
{
    return ((hi_address_set *)self)->count;
}

static PySequenceMethods address_set_as_sequence = {
    address_set_length, /* sq_length */
};

PyTypeObject hi_address_set_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    "_heap_inspector_accel.AddressSet", /* tp_name */
    sizeof(hi_address_set), /* tp_basicsize */
    0, /* tp_itemsize */
    address_set_dealloc, /* tp_dealloc */
    0, /* tp_vectorcall_offset / tp_print */
    0, /* tp_getattr */
    0, /* tp_setattr */
    0, /* tp_as_async */
    0, /* tp_repr */
    0, /* tp_as_number */
    &address_set_as_sequence, /* tp_as_sequence */
    0, /* tp_as_mapping */
    0, /* tp_hash */
    0, /* tp_call */
    0, /* tp_str */
    0, /* tp_getattro */
    0, /* tp_setattro */
    0, /* tp_as_buffer */
    Py_TPFLAGS_DEFAULT, /* tp_flags: not a base type, not a GC type */
    "A set of addresses for the native kernel's walk (kernel_py.address_set).", /* tp_doc */
};
