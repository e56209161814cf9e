/*
 * Compression beside the walk (writer.py): deflate_start hands a batch of sections to a native
 * thread, which compresses them with zlib while the capture goes on reading the heap;
 * deflate_finish waits for it and returns the compressed sections.  A capture spends about a fifth
 * of its time compressing: on a second core that time is no longer part of the pause.
 *
 * The thread is not a Python thread: it never takes the GIL, runs no Python code and touches
 * no object.  It reads the sections' bytes (immutable, kept alive by the job until it is
 * finished) and writes into memory of its own; every signal is blocked in it, so signals go to
 * the program's threads as before.  It is always joined: by deflate_finish, or when the job is
 * dropped unfinished (a capture that failed), before anything it reads is released.
 *
 * The output is what zlib.compress(data, level) gives, and for byte planes what a
 * zlib.compressobj(level) fed each plane in turn gives (writer.py _compress_planes): the same
 * library, parameters and input, so the same stream.
 *
 * Built only where zlib's header and POSIX threads are there (HI_HAVE_ZLIB, set by
 * build_accel.py); elsewhere the module has no deflate_start and the writer compresses in line.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "accel_args.h"
#include "accel_kernel.h"

#ifdef HI_HAVE_ZLIB

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CAPSULE_NAME "_heap_inspector_accel.deflate_job"

typedef struct {
    const unsigned char *data; /* borrowed from a bytes object the job holds */
    size_t length;
    unsigned int plane; /* element size for byte planes; 0 or 1: the bytes as they are */
    unsigned char *out;  /* malloc'd by the thread */
    size_t out_length;
    int failed;
} deflate_item;

typedef struct {
    pthread_t thread;
    int running; /* started and not joined yet */
    int level;
    Py_ssize_t count;
    deflate_item *items;
    PyObject *held; /* the list of the sections' bytes objects */
} deflate_job;

/* More room for the stream's output (it doubles): 0, or -1 when there is no memory. */
static int
grow(z_stream *stream, deflate_item *item, size_t *capacity)
{
    size_t used = *capacity - stream->avail_out;
    size_t larger = *capacity * 2;
    if (larger > (size_t)UINT_MAX) {
        return -1;
    }
    unsigned char *out = realloc(item->out, larger);
    if (out == NULL) {
        return -1;
    }
    item->out = out;
    *capacity = larger;
    stream->next_out = out + used;
    stream->avail_out = (uInt)(larger - used);
    return 0;
}

/* Feeds `length` bytes to the stream (and ends it with Z_FINISH): 0, or -1 when zlib fails. */
static int
feed(z_stream *stream, deflate_item *item, size_t *capacity, const unsigned char *data, size_t length, int flush)
{
    stream->next_in = (Bytef *)data;
    stream->avail_in = (uInt)length;
    for (;;) {
        if (stream->avail_out == 0 && grow(stream, item, capacity) < 0) {
            return -1;
        }
        int status = deflate(stream, flush);
        if (status == Z_STREAM_ERROR) {
            return -1;
        }
        if (flush == Z_FINISH) {
            if (status == Z_STREAM_END) {
                return 0;
            }
        }
        else if (stream->avail_in == 0) {
            return 0;
        }
    }
}

static void
compress_item(deflate_item *item, int level)
{
    z_stream stream;
    memset(&stream, 0, sizeof(stream));
    if (item->length > (size_t)UINT_MAX / 4 || deflateInit(&stream, level) != Z_OK) {
        item->failed = 1;
        return;
    }
    size_t capacity = deflateBound(&stream, (uLong)item->length);
    capacity = capacity < 64 ? 64 : capacity;
    item->out = malloc(capacity);
    if (item->out == NULL) {
        item->failed = 1;
        deflateEnd(&stream);
        return;
    }
    stream.next_out = item->out;
    stream.avail_out = (uInt)capacity;
    unsigned int size = item->plane;
    int failed = 0;
    if (size > 1 && item->length % size == 0) {
        size_t count = item->length / size;
        unsigned char *plane = malloc(count > 0 ? count : 1);
        failed = plane == NULL;
        for (unsigned int byte = 0; byte < size && !failed; byte++) {
            for (size_t i = 0; i < count; i++) {
                plane[i] = item->data[i * size + byte];
            }
            failed = feed(&stream, item, &capacity, plane, count, Z_NO_FLUSH) < 0;
        }
        failed = failed || feed(&stream, item, &capacity, NULL, 0, Z_FINISH) < 0;
        free(plane);
    }
    else if (size > 1) {
        failed = 1; /* not whole elements: writer.py never asks this */
    }
    else {
        failed = feed(&stream, item, &capacity, item->data, item->length, Z_FINISH) < 0;
    }
    item->out_length = capacity - stream.avail_out;
    item->failed = failed;
    deflateEnd(&stream);
}

static void *
run(void *argument)
{
    deflate_job *job = argument;
    for (Py_ssize_t i = 0; i < job->count; i++) {
        compress_item(&job->items[i], job->level);
    }
    return NULL;
}

static void
join(deflate_job *job)
{
    if (job->running) {
        pthread_join(job->thread, NULL);
        job->running = 0;
    }
}

static void
free_job(deflate_job *job)
{
    join(job);
    for (Py_ssize_t i = 0; i < job->count; i++) {
        free(job->items[i].out);
    }
    PyMem_RawFree(job->items);
    Py_XDECREF(job->held);
    PyMem_RawFree(job);
}

/* A job dropped unfinished: its thread is joined before the bytes it reads are released. */
static void
capsule_destructor(PyObject *capsule)
{
    deflate_job *job = PyCapsule_GetPointer(capsule, CAPSULE_NAME);
    if (job == NULL) {
        PyErr_Clear();
        return;
    }
    Py_BEGIN_ALLOW_THREADS join(job);
    Py_END_ALLOW_THREADS free_job(job);
}

PyObject *
hi_deflate_start(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"sections", "planes", "level"};
    PyObject *found[3];
    Py_ssize_t level;
    Py_buffer planes;
    (void)module;
    if (hi_arguments("deflate_start", args, nargs, kwnames, names, 3, 3, found) < 0
        || hi_ssize(found[2], "level", &level) < 0) {
        return NULL;
    }
    PyObject *sections = found[0];
    if (!PyList_CheckExact(sections) || level < 0 || level > 9) {
        PyErr_SetString(PyExc_ValueError, "deflate_start: sections must be a list of bytes, level 0-9");
        return NULL;
    }
    if (hi_bytes(found[1], "planes", &planes) < 0) {
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(sections);
    deflate_job *job = NULL;
    if (planes.len != count) {
        PyErr_SetString(PyExc_ValueError, "deflate_start: one plane size per section");
        goto fail;
    }
    job = PyMem_RawCalloc(1, sizeof(deflate_job));
    if (job == NULL || (job->items = PyMem_RawCalloc(count > 0 ? (size_t)count : 1, sizeof(deflate_item))) == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    job->level = (int)level;
    job->count = count;
    job->held = PyList_GetSlice(sections, 0, count); /* the job's own list: the caller's may change */
    if (job->held == NULL) {
        goto fail;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *section = PyList_GET_ITEM(job->held, i);
        if (!PyBytes_CheckExact(section)) {
            PyErr_SetString(PyExc_TypeError, "deflate_start: sections must be bytes");
            goto fail;
        }
        job->items[i].data = (const unsigned char *)PyBytes_AS_STRING(section);
        job->items[i].length = (size_t)PyBytes_GET_SIZE(section);
        job->items[i].plane = ((const unsigned char *)planes.buf)[i];
    }
    PyObject *capsule = PyCapsule_New(job, CAPSULE_NAME, capsule_destructor);
    if (capsule == NULL) {
        goto fail;
    }
    /* Every signal blocked in the new thread (it inherits this mask): they keep going to the
     * program's threads. */
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    int started = pthread_create(&job->thread, NULL, run, job);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    PyBuffer_Release(&planes);
    if (started != 0) {
        Py_DECREF(capsule); /* frees the job: no thread to join */
        PyErr_SetString(PyExc_OSError, "deflate_start: no thread could be started");
        return NULL;
    }
    job->running = 1;
    return capsule;
fail:
    PyBuffer_Release(&planes);
    if (job != NULL) {
        free_job(job);
    }
    return NULL;
}

PyObject *
hi_deflate_finish(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"job"};
    PyObject *capsule;
    (void)module;
    if (hi_arguments("deflate_finish", args, nargs, kwnames, names, 1, 1, &capsule) < 0) {
        return NULL;
    }
    deflate_job *job = PyCapsule_GetPointer(capsule, CAPSULE_NAME);
    if (job == NULL) {
        return NULL;
    }
    /* Waiting gives up the GIL: the writer calls this between chunks, in its I/O turn. */
    Py_BEGIN_ALLOW_THREADS join(job);
    Py_END_ALLOW_THREADS PyObject *result = PyList_New(job->count);
    if (result == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < job->count; i++) {
        deflate_item *item = &job->items[i];
        if (item->failed) {
            Py_DECREF(result);
            PyErr_SetString(PyExc_MemoryError, "deflate_finish: zlib could not compress a section");
            return NULL;
        }
        PyObject *stored = PyBytes_FromStringAndSize((const char *)item->out, (Py_ssize_t)item->out_length);
        if (stored == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        free(item->out);
        item->out = NULL;
        PyList_SET_ITEM(result, i, stored);
    }
    return result;
}

#endif /* HI_HAVE_ZLIB */
