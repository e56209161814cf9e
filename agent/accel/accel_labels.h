/*
 * What the files of member_labels share (accel_memberlabels.c, which matches candidates to
 * referents; accel_classlabels.c, a class's and a number member's candidates; accel_dictlabels.c,
 * an exact dict's entries).  The numbers are labelplans.py's (RECIPE_*, field codes).
 */
#ifndef HI_ACCEL_LABELS_H
#define HI_ACCEL_LABELS_H

#include <Python.h>
#include <structmember.h>
#include <stdint.h>

#include "accel_buffer.h"

/* Recipe kinds (labelplans.py RECIPE_FIELDS, RECIPE_DICT). */
enum { HI_RECIPE_FIELDS, HI_RECIPE_DICT };

/* Field codes (labelplans.py FUNCTION_FIELDS, CELL_CONTENTS, TYPE_FIELDS, CLASS, TYPE_DICT). */
enum {
    HI_FIELD_CODE,
    HI_FIELD_DEFAULTS,
    HI_FIELD_KWDEFAULTS,
    HI_FIELD_NAME,
    HI_FIELD_QUALNAME,
    HI_FIELD_CELL_CONTENTS,
    HI_FIELD_TYPE_BASES,
    HI_FIELD_TYPE_MRO,
    HI_FIELD_CLASS,
    HI_FIELD_TYPE_DICT
};

/* What reading one recipe entry gives: a candidate, nothing (the getter would raise), or "left
 * to label()". */
enum { HI_ENTRY_CANDIDATE, HI_ENTRY_NONE, HI_ENTRY_LEFT };

/* accel_classlabels.c: the address of what a class's field code (HI_FIELD_TYPE_BASES ...
 * HI_FIELD_TYPE_DICT) gives for `item`, as label()'s getter or view gives it. */
int hi_class_field(PyObject *item, long code, uintptr_t *address);

/* accel_classlabels.c: the address of the number (or bool) a member descriptor's getter makes
 * for `item` from a field that is not an object (`member` checked by the caller: not audited,
 * not relative, `item` of its type). */
int hi_number_member(PyObject *item, PyMemberDef *member, uintptr_t *address);

/* accel_dictlabels.c: label()'s (kinds, names) for an exact dict whose `referents` are each
 * entry's value then key, in entry order, every key an exact str or int, by `recipe` (a
 * RECIPE_DICT); Py_False (a new reference) when the dict is not so (label()'s); NULL with an
 * exception. */
PyObject *hi_dict_labels(PyObject *dict, PyObject *recipe, const hi_words *referents);

#endif
