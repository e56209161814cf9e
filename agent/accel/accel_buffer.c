/* Growable arrays of words (accel_buffer.h). */
#include "accel_buffer.h"

void
hi_words_init(hi_words *words)
{
    words->items = NULL;
    words->length = 0;
    words->capacity = 0;
    words->failed = 0;
}

int
hi_words_reserve(hi_words *words, Py_ssize_t more)
{
    if (words->failed || more < 0) {
        words->failed = 1;
        return -1;
    }
    if (more <= words->capacity - words->length) {
        return 0;
    }
    if (more > PY_SSIZE_T_MAX - words->length) {
        words->failed = 1;
        return -1;
    }
    Py_ssize_t needed = words->length + more;
    Py_ssize_t capacity = words->capacity < 1024 ? 1024 : words->capacity;
    while (capacity < needed) {
        if (capacity > PY_SSIZE_T_MAX / 2) {
            capacity = needed;
            break;
        }
        capacity *= 2;
    }
    if ((size_t)capacity > PY_SSIZE_T_MAX / sizeof(uintptr_t)) {
        words->failed = 1;
        return -1;
    }
    uintptr_t *grown = PyMem_RawRealloc(words->items, (size_t)capacity * sizeof(uintptr_t));
    if (grown == NULL) {
        words->failed = 1;
        return -1;
    }
    words->items = grown;
    words->capacity = capacity;
    return 0;
}

int
hi_words_append(hi_words *words, uintptr_t item)
{
    if (words->length == words->capacity && hi_words_reserve(words, 1) < 0) {
        return -1;
    }
    words->items[words->length++] = item;
    return 0;
}

void
hi_words_free(hi_words *words)
{
    PyMem_RawFree(words->items);
    hi_words_init(words);
}
