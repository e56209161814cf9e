/*
 * member_labels' candidates of a class (an instance of type or of a metaclass) that are not
 * object members: what type's built-in getters and label()'s namespace view give, read as the
 * class's own fields; and the candidate of a member whose getter makes a number.
 *
 * label() (labels.py) asks a class, in order: type's member descriptors (__basicsize__,
 * __itemsize__, __flags__, __weakrefoffset__, __base__, __dictoffset__ and, up to 3.11, __mro__),
 * the getters type.__mro__ (3.12+) and type.__bases__, its class for a heap metaclass, then
 * safe.type_dict's namespace.  The number members' candidates are the addresses of the ints their
 * getter makes: a shared small int's, or a new int's that is gone before the match (no referent,
 * alive all along, can have it).  The same getter (PyMember_GetOne) makes them here, so either
 * way the match is label()'s.  Anything else -- a static type (whose namespace lives elsewhere
 * from 3.12; static types have no referents anyway), no bases, a namespace that is not a dict --
 * is left to label().  Nothing here runs user code.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include "accel_labels.h"

int
hi_class_field(PyObject *item, long code, uintptr_t *address)
{
    if (!PyType_Check(item) || !(((PyTypeObject *)item)->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return HI_ENTRY_LEFT;
    }
    PyTypeObject *klass = (PyTypeObject *)item;
    PyObject *value;
    switch (code) {
    case HI_FIELD_TYPE_BASES:
        value = klass->tp_bases; /* type_get_bases: the field (it is set once the class is made) */
        if (value == NULL) {
            return HI_ENTRY_LEFT;
        }
        break;
    case HI_FIELD_TYPE_MRO:
        value = klass->tp_mro == NULL ? Py_None : klass->tp_mro; /* type_get_mro (3.12+) */
        break;
    case HI_FIELD_TYPE_DICT:
        /* safe.type_dict: the dict behind type.__dict__'s mappingproxy when it is an exact dict;
         * else (none, or a dict subclass such as ctypes' StgDict before 3.13) a new empty dict,
         * gone before the match: no candidate.  Anything else is label()'s. */
        value = klass->tp_dict;
        if (value == NULL || (PyDict_Check(value) && !PyDict_CheckExact(value))) {
            return HI_ENTRY_NONE;
        }
        if (!PyDict_CheckExact(value)) {
            return HI_ENTRY_LEFT;
        }
        break;
    default:
        return HI_ENTRY_LEFT;
    }
    *address = (uintptr_t)value;
    return HI_ENTRY_CANDIDATE;
}

/* The size of a number member's field, or 0 for a kind left to label() (objects are read by the
 * caller; strings and chars make new text from raw bytes, which may fail to decode). */
static Py_ssize_t
number_size(int kind)
{
    switch (kind) {
    case T_BYTE:
    case T_UBYTE:
    case T_BOOL:
        return (Py_ssize_t)sizeof(char);
    case T_SHORT:
    case T_USHORT:
        return (Py_ssize_t)sizeof(short);
    case T_INT:
    case T_UINT:
        return (Py_ssize_t)sizeof(int);
    case T_LONG:
    case T_ULONG:
        return (Py_ssize_t)sizeof(long);
    case T_LONGLONG:
    case T_ULONGLONG:
        return (Py_ssize_t)sizeof(long long);
    case T_PYSSIZET:
        return (Py_ssize_t)sizeof(Py_ssize_t);
    case T_FLOAT:
        return (Py_ssize_t)sizeof(float);
    case T_DOUBLE:
        return (Py_ssize_t)sizeof(double);
    default:
        return 0;
    }
}

int
hi_number_member(PyObject *item, PyMemberDef *member, uintptr_t *address)
{
    Py_ssize_t size = number_size(member->type);
    Py_ssize_t offset = member->offset;
    if (size == 0 || offset < (Py_ssize_t)sizeof(PyObject) || offset > Py_TYPE(item)->tp_basicsize - size) {
        return HI_ENTRY_LEFT;
    }
    PyObject *value = PyMember_GetOne((const char *)item, member);
    if (value == NULL) {
        PyErr_Clear(); /* no memory for the number: label() says what happens then */
        return HI_ENTRY_LEFT;
    }
    *address = (uintptr_t)value;
    Py_DECREF(value);
    return HI_ENTRY_CANDIDATE;
}
