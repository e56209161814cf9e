/*
 * member_labels (kernel_py.member_labels): the labels Labeler.label() gives an object whose
 * candidates are only stored fields -- member descriptors, an exact function's or cell's own
 * fields, a class's type getters and namespace (accel_classlabels.c), its class (heap types) and
 * the one unexplained dict (the instance __dict__) --, read here as fields instead of through a
 * Python getter per candidate; and an exact dict's labels from its entries (accel_dictlabels.c).
 *
 * A recipe per type (labelplans.py LabelPlans.recipe) says how: (RECIPE_FIELDS, type, ((kind,
 * name, source), ...), dict name or None, closure flag), the candidates in label()'s order, each
 * source a member descriptor (its PyMemberDef says where the field is) or a field code; or
 * (RECIPE_DICT, dict, kinds and limits).  Anything this file cannot read exactly as the getter
 * would -- an audited or relative-offset member, a text member, an offset outside the object, an
 * item not of the recipe's type -- leaves the item to label() (False), never a guess.
 *
 * Matching is label()'s: each referent, in traverse order, takes the first unused candidate with
 * its address; then the first unlabelled exact dict takes the dict name.  Nothing runs user code:
 * the reads are the object's own fields and tp_traverse; the GIL is held throughout.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include "accel_args.h"
#include "accel_buffer.h"
#include "accel_kernel.h"
#include "accel_labels.h"

#ifndef READ_RESTRICTED
#define READ_RESTRICTED 2
#endif
#ifndef Py_RELATIVE_OFFSET
#define Py_RELATIVE_OFFSET 8
#endif

#define MAX_CANDIDATES 64

typedef struct {
    uintptr_t address;
    int kind;
    PyObject *name; /* borrowed from the recipe */
    int used;
} candidate;

static int
field_entry(PyObject *item, long code, uintptr_t *address)
{
    PyObject *value = NULL;
    if (code == HI_FIELD_CLASS) {
        *address = (uintptr_t)Py_TYPE(item);
        return HI_ENTRY_CANDIDATE;
    }
    if (code > HI_FIELD_CELL_CONTENTS) {
        return hi_class_field(item, code, address);
    }
    if (code == HI_FIELD_CELL_CONTENTS) {
        if (Py_TYPE(item) != &PyCell_Type) {
            return HI_ENTRY_LEFT;
        }
        value = ((PyCellObject *)item)->ob_ref;
        if (value == NULL) {
            return HI_ENTRY_NONE; /* an empty cell's getter raises */
        }
        *address = (uintptr_t)value;
        return HI_ENTRY_CANDIDATE;
    }
    if (Py_TYPE(item) != &PyFunction_Type) {
        return HI_ENTRY_LEFT;
    }
    PyFunctionObject *function = (PyFunctionObject *)item;
    switch (code) {
    case HI_FIELD_CODE:
        value = function->func_code;
        break;
    case HI_FIELD_DEFAULTS:
        value = function->func_defaults;
        break;
    case HI_FIELD_KWDEFAULTS:
        value = function->func_kwdefaults;
        break;
    case HI_FIELD_NAME:
        value = function->func_name;
        break;
    case HI_FIELD_QUALNAME:
        value = function->func_qualname;
        break;
    default:
        return HI_ENTRY_LEFT;
    }
    *address = (uintptr_t)(value == NULL ? Py_None : value); /* the getters give None for an absent field */
    return HI_ENTRY_CANDIDATE;
}

static int
member_entry(PyObject *item, PyObject *source, uintptr_t *address)
{
    if (Py_TYPE(source) != &PyMemberDescr_Type) {
        return HI_ENTRY_LEFT;
    }
    PyMemberDescrObject *descriptor = (PyMemberDescrObject *)source;
    PyMemberDef *member = descriptor->d_member;
    if (member == NULL || (member->flags & (READ_RESTRICTED | Py_RELATIVE_OFFSET)) != 0) {
        return HI_ENTRY_LEFT;
    }
    if (!PyObject_TypeCheck(item, descriptor->d_common.d_type)) {
        return HI_ENTRY_NONE; /* the getter raises TypeError: label() skips it */
    }
    if (member->type != T_OBJECT && member->type != T_OBJECT_EX) {
        return hi_number_member(item, member, address);
    }
    Py_ssize_t offset = member->offset;
    if (offset < (Py_ssize_t)sizeof(PyObject) || offset % (Py_ssize_t)sizeof(PyObject *) != 0
        || offset > Py_TYPE(item)->tp_basicsize - (Py_ssize_t)sizeof(PyObject *)) {
        return HI_ENTRY_LEFT;
    }
    PyObject *value = *(PyObject **)((char *)item + offset);
    if (value == NULL) {
        if (member->type == T_OBJECT_EX) {
            return HI_ENTRY_NONE; /* AttributeError */
        }
        value = Py_None;
    }
    *address = (uintptr_t)value;
    return HI_ENTRY_CANDIDATE;
}

/* The candidates of `item` by a RECIPE_FIELDS `recipe`: their count, or -1 when the item is left
 * to label(). */
static Py_ssize_t
candidates_of(PyObject *item, PyObject *recipe, candidate *out)
{
    if (PyTuple_GET_SIZE(recipe) != 5) {
        return -1;
    }
    PyObject *entries = PyTuple_GET_ITEM(recipe, 2);
    if (!PyTuple_CheckExact(entries) || PyTuple_GET_SIZE(entries) > MAX_CANDIDATES) {
        return -1;
    }
    Py_ssize_t count = 0;
    for (Py_ssize_t e = 0; e < PyTuple_GET_SIZE(entries); e++) {
        PyObject *entry = PyTuple_GET_ITEM(entries, e);
        if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 3 || !PyLong_CheckExact(PyTuple_GET_ITEM(entry, 0))
            || !PyUnicode_CheckExact(PyTuple_GET_ITEM(entry, 1))) {
            return -1;
        }
        PyObject *source = PyTuple_GET_ITEM(entry, 2);
        uintptr_t address = 0;
        int found;
        if (PyLong_CheckExact(source)) {
            long code = PyLong_AsLong(source);
            if (code == -1 && PyErr_Occurred()) {
                PyErr_Clear();
                return -1;
            }
            found = field_entry(item, code, &address);
        }
        else {
            found = member_entry(item, source, &address);
        }
        if (found == HI_ENTRY_LEFT) {
            return -1;
        }
        if (found == HI_ENTRY_NONE) {
            continue;
        }
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(entry, 0));
        if (kind <= 0 || kind > 255) {
            PyErr_Clear();
            return -1;
        }
        out[count].address = address;
        out[count].kind = (int)kind;
        out[count].name = PyTuple_GET_ITEM(entry, 1);
        out[count].used = 0;
        count++;
    }
    return count;
}

static int
record(PyObject *referent, void *words)
{
    return hi_words_append((hi_words *)words, (uintptr_t)referent);
}

/* (kinds, names) for `referents` as label()'s _match gives them, or None when none is labelled
 * (a new reference); NULL with an exception. */
static PyObject *
matched(const hi_words *referents, candidate *candidates, Py_ssize_t count, PyObject *dict_name)
{
    Py_ssize_t n = referents->length;
    PyObject *kinds = PyBytes_FromStringAndSize(NULL, n);
    PyObject *names = PyList_New(n);
    PyObject *zero = PyLong_FromLong(0);
    if (kinds == NULL || names == NULL || zero == NULL) {
        goto fail;
    }
    char *kind_of = PyBytes_AS_STRING(kinds);
    Py_ssize_t labelled = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        kind_of[i] = 0;
        PyObject *name = zero;
        for (Py_ssize_t c = 0; c < count; c++) {
            if (!candidates[c].used && candidates[c].address == referents->items[i]) {
                candidates[c].used = 1;
                kind_of[i] = (char)candidates[c].kind;
                name = candidates[c].name;
                labelled++;
                break;
            }
        }
        Py_INCREF(name);
        PyList_SET_ITEM(names, i, name);
    }
    if (dict_name != Py_None) {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (kind_of[i] == 0 && Py_TYPE((PyObject *)referents->items[i]) == &PyDict_Type) {
                kind_of[i] = 7; /* SLOT */
                Py_INCREF(dict_name);
                Py_SETREF(((PyListObject *)names)->ob_item[i], dict_name);
                labelled++;
                break;
            }
        }
    }
    Py_DECREF(zero);
    if (labelled == 0) {
        Py_DECREF(kinds);
        Py_DECREF(names);
        Py_RETURN_NONE;
    }
    PyObject *pair = PyTuple_Pack(2, kinds, names);
    Py_DECREF(kinds);
    Py_DECREF(names);
    return pair;
fail:
    Py_XDECREF(kinds);
    Py_XDECREF(names);
    Py_XDECREF(zero);
    return NULL;
}

/* The item's referents, through its type's tp_traverse, into `referents`; -1 with an exception. */
static int
traverse_into(PyObject *item, hi_words *referents)
{
    referents->length = 0;
    traverseproc traverse = Py_TYPE(item)->tp_traverse;
    if (PyObject_IS_GC(item) && traverse != NULL) {
        if (traverse(item, record, referents) != 0 || referents->failed) {
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

/* One item's result: False (left to label()), or (labels or None, closure address or None, code
 * or None).  `*changed` is set when its referents are not the `length` the walk found. */
static PyObject *
item_result(PyObject *item, PyObject *recipe, Py_ssize_t length, hi_words *referents, int *changed)
{
    candidate candidates[MAX_CANDIDATES];
    Py_ssize_t count = 0;
    if (!PyTuple_CheckExact(recipe) || PyTuple_GET_SIZE(recipe) < 2
        || (PyObject *)Py_TYPE(item) != PyTuple_GET_ITEM(recipe, 1)) {
        Py_RETURN_FALSE; /* None, or not the recipe's type */
    }
    PyObject *kind = PyTuple_GET_ITEM(recipe, 0);
    long recipe_kind = PyLong_CheckExact(kind) ? PyLong_AsLong(kind) : -1;
    if (recipe_kind == -1) {
        PyErr_Clear();
    }
    int dict = recipe_kind == HI_RECIPE_DICT;
    PyObject *dict_name = Py_None;
    if (!dict) {
        if (recipe_kind != HI_RECIPE_FIELDS) {
            Py_RETURN_FALSE;
        }
        count = candidates_of(item, recipe, candidates);
        if (count < 0) {
            Py_RETURN_FALSE;
        }
        dict_name = PyTuple_GET_ITEM(recipe, 3);
        if (dict_name != Py_None && !PyUnicode_CheckExact(dict_name)) {
            Py_RETURN_FALSE;
        }
    }
    if (traverse_into(item, referents) < 0) {
        return NULL;
    }
    if (referents->length != length) {
        *changed = 1;
        return Py_BuildValue("(OOO)", Py_None, Py_None, Py_None);
    }
    if (length == 0) {
        return Py_BuildValue("(OOO)", Py_None, Py_None, Py_None);
    }
    PyObject *labels = dict ? hi_dict_labels(item, recipe, referents) : matched(referents, candidates, count, dict_name);
    if (labels == NULL || labels == Py_False) {
        return labels;
    }
    PyObject *closure = Py_None, *code = Py_None, *address = NULL;
    if (!dict && PyTuple_GET_ITEM(recipe, 4) == Py_True && Py_TYPE(item) == &PyFunction_Type
        && ((PyFunctionObject *)item)->func_closure != NULL) {
        address = PyLong_FromVoidPtr(((PyFunctionObject *)item)->func_closure);
        if (address == NULL) {
            Py_DECREF(labels);
            return NULL;
        }
        closure = address;
        code = ((PyFunctionObject *)item)->func_code;
    }
    PyObject *result = PyTuple_Pack(3, labels, closure, code);
    Py_DECREF(labels);
    Py_XDECREF(address);
    return result;
}

PyObject *
hi_member_labels(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"items", "type_of", "lengths", "recipes"};
    PyObject *found[4];
    Py_buffer type_of, lengths;
    (void)module;
    if (hi_arguments("member_labels", args, nargs, kwnames, names, 4, 4, found) < 0) {
        return NULL;
    }
    PyObject *items = found[0], *recipes = found[3];
    if (!PyList_CheckExact(items) || !PyList_CheckExact(recipes)) {
        PyErr_SetString(PyExc_TypeError, "member_labels: items and recipes must be lists");
        return NULL;
    }
    if (hi_bytes(found[1], "type_of", &type_of) < 0) {
        return NULL;
    }
    if (hi_bytes(found[2], "lengths", &lengths) < 0) {
        PyBuffer_Release(&type_of);
        return NULL;
    }
    PyObject *results = NULL, *answer = NULL;
    hi_words referents;
    hi_words_init(&referents);
    Py_ssize_t count = PyList_GET_SIZE(items);
    Py_ssize_t unit = (Py_ssize_t)sizeof(unsigned int);
    if (type_of.len != count * unit || lengths.len != count * unit) {
        PyErr_SetString(PyExc_ValueError, "member_labels: type_of and lengths must have one entry per item");
        goto done;
    }
    const unsigned int *type_index = type_of.buf;
    const unsigned int *length = lengths.buf;
    results = PyList_New(count);
    if (results == NULL) {
        goto done;
    }
    Py_ssize_t changed = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *recipe = Py_None;
        if ((Py_ssize_t)type_index[i] < PyList_GET_SIZE(recipes)) {
            recipe = PyList_GET_ITEM(recipes, type_index[i]);
        }
        int differs = 0;
        PyObject *result = item_result(PyList_GET_ITEM(items, i), recipe, (Py_ssize_t)length[i], &referents, &differs);
        if (result == NULL) {
            goto done;
        }
        PyList_SET_ITEM(results, i, result);
        changed += differs;
    }
    answer = Py_BuildValue("(On)", results, changed);
done:
    Py_XDECREF(results);
    hi_words_free(&referents);
    PyBuffer_Release(&type_of);
    PyBuffer_Release(&lengths);
    return answer;
}
