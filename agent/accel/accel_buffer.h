/*
 * Growable arrays of words for the kernel, in raw memory (PyMem_RawMalloc): usable without
 * creating Python objects mid-walk, with every size computed with overflow checks.  A buffer that
 * cannot grow sets `failed`; the kernel then raises MemoryError once, after the walk.
 */
#ifndef HI_ACCEL_BUFFER_H
#define HI_ACCEL_BUFFER_H

#include <Python.h>
#include <stdint.h>

typedef struct {
    uintptr_t *items;
    Py_ssize_t length;
    Py_ssize_t capacity;
    int failed;
} hi_words;

/* An empty buffer (no allocation yet). */
void hi_words_init(hi_words *words);
/* Room for `more` further items; 0 on success, -1 (and `failed` set) when it cannot be had. */
int hi_words_reserve(hi_words *words, Py_ssize_t more);
/* Appends one item; -1 (and `failed` set) when the buffer cannot grow. */
int hi_words_append(hi_words *words, uintptr_t item);
/* Frees the items; the buffer is empty again. */
void hi_words_free(hi_words *words);

#endif
