/*
 * The kernel's functions (accel_kernel.c, accel_walk.c, accel_dictkeys.c, accel_facts.c,
 * accel_memberlabels.c, accel_names.c; writing helpers in accel_deflate.c and accel_jsontext.c),
 * as the module lists them: the same
 * names, arguments and results as heap_inspector_agent/kernel_py.py, whose docstrings are the
 * contract.  HI_KERNEL_INTERFACE is the version of that contract implemented here: the loader uses
 * the module only when it equals kernel_py.INTERFACE (accel_loader.INTERFACE).
 */
#ifndef HI_ACCEL_KERNEL_H
#define HI_ACCEL_KERNEL_H

#include <Python.h>
#include <stdint.h>

#define HI_KERNEL_INTERFACE 4
/* Not a one-letter name: those are strings the interpreter shares with the program, whose counts
 * the snapshot records (the kernel record holds its name during a capture). */
#define HI_KERNEL_NAME "native"

/* The array typecode whose items are exactly one pointer wide, chosen as bulk.py chooses it: the
 * first of I, L, Q of that size. */
#define HI_ADDRESS_TYPECODE \
    (sizeof(unsigned int) == sizeof(void *) ? "I" : sizeof(unsigned long) == sizeof(void *) ? "L" : "Q")

PyObject *hi_setup(PyObject *module, PyObject *args);
/* METH_FASTCALL | METH_KEYWORDS: the arguments stay the caller's (accel_args.h). */
#define HI_FAST(name) PyObject *name(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
HI_FAST(hi_addresses);
HI_FAST(hi_type_addresses);
HI_FAST(hi_refcounts);
HI_FAST(hi_sizes);
HI_FAST(hi_new_address_set);
HI_FAST(hi_walk);
HI_FAST(hi_add_leaves);
HI_FAST(hi_dict_keys);
HI_FAST(hi_without);
HI_FAST(hi_type_bytes);
HI_FAST(hi_label_facts);
HI_FAST(hi_type_indices);
HI_FAST(hi_member_labels);
HI_FAST(hi_json_strings);
HI_FAST(hi_name_texts);
HI_FAST(hi_merge_u32);
#ifdef HI_HAVE_ZLIB
HI_FAST(hi_deflate_start);
HI_FAST(hi_deflate_finish);
#define HI_DEFLATE_METHODS                                                                          \
    {"deflate_start", HI_KW hi_deflate_start, METH_FASTCALL | METH_KEYWORDS,                       \
     "deflate_start(sections, planes, level): compress beside the walk (accel_deflate.c)"},           \
        {"deflate_finish", HI_KW hi_deflate_finish, METH_FASTCALL | METH_KEYWORDS,                 \
         "deflate_finish(job) -> the compressed sections, in order"},
#else
#define HI_DEFLATE_METHODS
#endif

/* accel_dictkeys.c, for label_facts too: 1 when `dict` has `referents` entries, every key an
 * exact str and the values, in entry order, the `referents` addresses at `target + edge` (of
 * `target_count`); its keys are then appended to the list `keys`. 0 when not; -1 with an exception. */
int hi_keyed_dict(PyObject *dict, Py_ssize_t referents, const uintptr_t *target, Py_ssize_t target_count,
                  Py_ssize_t edge, PyObject *keys);

/* Shared by the kernel's files: an array.array of `typecode` holding `nbytes` of `data`. */
PyObject *hi_array(const char *typecode, const void *data, Py_ssize_t nbytes);
/* `items` is an exact list and 0 <= start <= end <= len(items); else an exception, -1. */
int hi_check_range(PyObject *items, Py_ssize_t start, Py_ssize_t end);
/* Raw memory for `count` items of `size` bytes, or NULL (MemoryError set); PyMem_RawFree it. */
void *hi_raw_array(Py_ssize_t count, size_t size);
enum hi_word_kind { HI_ADDRESS, HI_TYPE_ADDRESS };
/* The address (or type address) of each of items[start:end], as an address array. */
PyObject *hi_word_column(PyObject *items, Py_ssize_t start, Py_ssize_t end, enum hi_word_kind kind);

#define HI_KW (PyCFunction)(void (*)(void))
#define HI_KERNEL_METHODS                                                                          \
    {"_setup", hi_setup, METH_VARARGS,                                                             \
     "_setup(array_type, getsizeof): what the kernel builds its results with (accel_loader)."},   \
        {"addresses", HI_KW hi_addresses, METH_FASTCALL | METH_KEYWORDS, "kernel_py.addresses"},  \
        {"type_addresses", HI_KW hi_type_addresses, METH_FASTCALL | METH_KEYWORDS,                 \
         "kernel_py.type_addresses"},                                                            \
        {"refcounts", HI_KW hi_refcounts, METH_FASTCALL | METH_KEYWORDS, "kernel_py.refcounts"},  \
        {"sizes", HI_KW hi_sizes, METH_FASTCALL | METH_KEYWORDS, "kernel_py.sizes"},              \
        {"address_set", HI_KW hi_new_address_set, METH_FASTCALL | METH_KEYWORDS,                       \
         "kernel_py.address_set"},                                                               \
        {"walk", HI_KW hi_walk, METH_FASTCALL | METH_KEYWORDS, "kernel_py.walk"},                 \
        {"add_leaves", HI_KW hi_add_leaves, METH_FASTCALL | METH_KEYWORDS, "kernel_py.add_leaves"}, \
        {"dict_keys", HI_KW hi_dict_keys, METH_FASTCALL | METH_KEYWORDS, "kernel_py.dict_keys"},   \
        {"without", HI_KW hi_without, METH_FASTCALL | METH_KEYWORDS, "kernel_py.without"},         \
        {"type_bytes", HI_KW hi_type_bytes, METH_FASTCALL | METH_KEYWORDS, "kernel_py.type_bytes"}, \
        {"label_facts", HI_KW hi_label_facts, METH_FASTCALL | METH_KEYWORDS, "kernel_py.label_facts"}, \
        {"type_indices", HI_KW hi_type_indices, METH_FASTCALL | METH_KEYWORDS, "kernel_py.type_indices"}, \
        {"member_labels", HI_KW hi_member_labels, METH_FASTCALL | METH_KEYWORDS, "kernel_py.member_labels"}, \
        {"json_strings", HI_KW hi_json_strings, METH_FASTCALL | METH_KEYWORDS,                       \
         "json_strings(texts): a string table chunk's JSON text (accel_jsontext.c), or None"},      \
        {"name_texts", HI_KW hi_name_texts, METH_FASTCALL | METH_KEYWORDS,                           \
         "name_texts(items): functions', code objects' and methods' names, else None"},             \
        {"merge_u32", HI_KW hi_merge_u32, METH_FASTCALL | METH_KEYWORDS, "kernel_py.merge_u32"},

#endif
