/*
 * The kernel's set of addresses (kernel_py.address_set): an open-addressing table of words in raw
 * memory, wrapped in a small object that Python code can only hold, pass back and ask len() of.
 * It references no object, is not tracked by the collector, and its type is never subclassed.
 */
#ifndef HI_ACCEL_ADDRESSSET_H
#define HI_ACCEL_ADDRESSSET_H

#include <Python.h>
#include <stdint.h>

typedef struct {
    PyObject_HEAD
    uintptr_t *slots; /* 0 marks an empty slot: no object lives at address 0 */
    Py_ssize_t capacity; /* a power of two, or 0 before the first insertion */
    Py_ssize_t count;
} hi_address_set;

extern PyTypeObject hi_address_set_type;

/* The first slot to probe for `address` in a table of `capacity` slots (a power of two).  Objects
 * are at least 8-byte aligned: drop those bits, then Fibonacci hashing spreads neighbouring
 * addresses over the table.  Also for the kernel's other tables keyed by address. */
static inline Py_ssize_t
hi_address_slot(uintptr_t address, Py_ssize_t capacity)
{
    uint64_t key = (uint64_t)(address >> 3) * UINT64_C(0x9E3779B97F4A7C15);
    return (Py_ssize_t)((key >> 17) & (uint64_t)(capacity - 1));
}

/* A new empty set, or NULL with an exception set. */
hi_address_set *hi_address_set_new(void);
/* 1 when `address` was added, 0 when it was there already, -1 when memory ran out (no
 * exception set: the caller raises). `address` must not be 0. */
int hi_address_set_add(hi_address_set *set, uintptr_t address);
/* 1 when `address` is in the set, else 0. */
int hi_address_set_contains(const hi_address_set *set, uintptr_t address);

#endif
