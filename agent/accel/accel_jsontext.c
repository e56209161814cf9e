/*
 * json_strings (writer.py encode_json of a list of str): the JSON text of a chunk of the string
 * table, as UTF-8 bytes, in one pass instead of the several C-level passes and joins of
 * writer._encode_str_list.  The same text: "\u00XX" for control characters but \n, \r, \t, \"
 * and \\, "\u2028" and "\u2029" escaped, every other character as its UTF-8 bytes.
 *
 * Only reads exact str objects: an ASCII string's own bytes; any other string is encoded into a
 * temporary bytes object (never PyUnicode_AsUTF8, which would keep a UTF-8 copy inside the
 * program's string).  None when the list holds anything else or a string with a lone surrogate
 * (not UTF-8): the writer then encodes in Python, which escapes those.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string.h>

#include "accel_args.h"
#include "accel_kernel.h"

typedef struct {
    char *data;
    Py_ssize_t length;
    Py_ssize_t capacity;
} text_buffer;

static int
reserve(text_buffer *buffer, Py_ssize_t more)
{
    if (buffer->length + more <= buffer->capacity) {
        return 0;
    }
    Py_ssize_t capacity = buffer->capacity ? buffer->capacity : 4096;
    while (capacity < buffer->length + more) {
        if (capacity > PY_SSIZE_T_MAX / 2) {
            return -1;
        }
        capacity *= 2;
    }
    char *data = PyMem_RawRealloc(buffer->data, (size_t)capacity);
    if (data == NULL) {
        return -1;
    }
    buffer->data = data;
    buffer->capacity = capacity;
    return 0;
}

static const char HEX[] = "0123456789abcdef";

/* Appends `length` UTF-8 bytes as the inside of a JSON string: 0, or -1 (no memory). */
static int
append_escaped(text_buffer *buffer, const unsigned char *text, Py_ssize_t length)
{
    /* At most 6 output bytes per input byte ("\u00XX"). */
    if (length > (PY_SSIZE_T_MAX - buffer->length) / 6 - 1 || reserve(buffer, 6 * length) < 0) {
        return -1;
    }
    char *out = buffer->data + buffer->length;
    for (Py_ssize_t i = 0; i < length; i++) {
        unsigned char c = text[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0xE2) {
            *out++ = (char)c;
            continue;
        }
        if (c == 0xE2) {
            /* U+2028 and U+2029 (E2 80 A8/A9) are escaped; any other E2 sequence is copied. */
            if (i + 2 < length && text[i + 1] == 0x80 && (text[i + 2] == 0xA8 || text[i + 2] == 0xA9)) {
                memcpy(out, text[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
                out += 6;
                i += 2;
            }
            else {
                *out++ = (char)c;
            }
            continue;
        }
        *out++ = '\\';
        switch (c) {
        case '"':
            *out++ = '"';
            break;
        case '\\':
            *out++ = '\\';
            break;
        case '\n':
            *out++ = 'n';
            break;
        case '\r':
            *out++ = 'r';
            break;
        case '\t':
            *out++ = 't';
            break;
        default:
            *out++ = 'u';
            *out++ = '0';
            *out++ = '0';
            *out++ = HEX[c >> 4];
            *out++ = HEX[c & 15];
        }
    }
    buffer->length = out - buffer->data;
    return 0;
}

static int
append_raw(text_buffer *buffer, const char *text, Py_ssize_t length)
{
    if (reserve(buffer, length) < 0) {
        return -1;
    }
    memcpy(buffer->data + buffer->length, text, (size_t)length);
    buffer->length += length;
    return 0;
}

PyObject *
hi_json_strings(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"texts"};
    PyObject *texts;
    (void)module;
    if (hi_arguments("json_strings", args, nargs, kwnames, names, 1, 1, &texts) < 0) {
        return NULL;
    }
    if (!PyList_CheckExact(texts)) {
        PyErr_SetString(PyExc_TypeError, "json_strings: texts must be a list");
        return NULL;
    }
    text_buffer buffer = {NULL, 0, 0};
    PyObject *result = NULL;
    if (append_raw(&buffer, "[", 1) < 0) {
        goto no_memory;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(texts); i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_CheckExact(text)) {
            goto none;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(text) < 0) {
            PyErr_Clear();
            goto none;
        }
#endif
        if (append_raw(&buffer, i ? ",\"" : "\"", i ? 2 : 1) < 0) {
            goto no_memory;
        }
        int failed;
        if (PyUnicode_IS_ASCII(text)) {
            failed = append_escaped(&buffer, PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text));
        }
        else {
            PyObject *encoded = PyUnicode_AsUTF8String(text);
            if (encoded == NULL) {
                PyErr_Clear(); /* a lone surrogate: the writer escapes it in Python */
                goto none;
            }
            failed = append_escaped(&buffer, (const unsigned char *)PyBytes_AS_STRING(encoded), PyBytes_GET_SIZE(encoded));
            Py_DECREF(encoded);
        }
        if (failed || append_raw(&buffer, "\"", 1) < 0) {
            goto no_memory;
        }
    }
    if (append_raw(&buffer, "]", 1) < 0) {
        goto no_memory;
    }
    result = PyBytes_FromStringAndSize(buffer.data, buffer.length);
    PyMem_RawFree(buffer.data);
    return result;
none:
    PyMem_RawFree(buffer.data);
    Py_RETURN_NONE;
no_memory:
    PyMem_RawFree(buffer.data);
    return PyErr_NoMemory();
}
