/* auditviewer._native: the per-entry work of reading and verifying, in C.
 *
 * Optional: when it is not built (no C compiler), auditviewer.core.native falls back
 * to the Python code, which gives the same results more slowly. Every function
 * releases the GIL while it works, so reader threads run in parallel and the
 * viewer's GUI thread keeps running.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "entry_check.h"
#include "sha256.h"
#include "text_index.h"

typedef struct {
    PyObject *seqs, *hashes, *times;
    int64_t *seq_out;
    uint8_t *hash_out;
    int32_t *time_out;
} results;

static int results_new(results *r, Py_ssize_t count) {
    r->seqs = PyBytes_FromStringAndSize(NULL, count * 8);
    r->hashes = PyBytes_FromStringAndSize(NULL, count * 32);
    r->times = PyBytes_FromStringAndSize(NULL, count * 8);
    if (!r->seqs || !r->hashes || !r->times) {
        Py_XDECREF(r->seqs);
        Py_XDECREF(r->hashes);
        Py_XDECREF(r->times);
        return 0;
    }
    r->seq_out = (int64_t *)PyBytes_AS_STRING(r->seqs);
    r->hash_out = (uint8_t *)PyBytes_AS_STRING(r->hashes);
    r->time_out = (int32_t *)PyBytes_AS_STRING(r->times);
    return 1;
}

/* Check and hash one leaf, writing result i. Returns 1 when it was declined. */
static inline int one_leaf(const uint8_t *leaf, size_t len, size_t max_entry, int max_depth, key_pool *pool,
                           results *r, Py_ssize_t i) {
    entry_fields fields;
    int ok = entry_check(leaf, len, max_entry, max_depth, pool, &fields);
    sha256_prefixed(0x00, leaf, len, r->hash_out + 32 * i);
    r->seq_out[i] = ok ? fields.seq : -1;
    r->time_out[2 * i] = ok ? fields.time_start : -1;
    r->time_out[2 * i + 1] = ok ? fields.time_len : -1;
    return !ok;
}

PyDoc_STRVAR(check_jsonl_doc,
"check_jsonl(segment, max_entry_bytes, max_depth, prefix=b'', start=0, end=len(segment))\n"
"    -> (count, leaves, offsets, seqs, hashes, times, declined)\n\n"
"Split whole JSONL lines and check every line. The text is prefix + segment[start:end]\n"
"(prefix: the start of the first line, read earlier; it holds no newline), and its lines\n"
"are those of text.split(b'\\n') less an empty last one. leaves: the lines back to back;\n"
"offsets: int32 x (count+1) into leaves; seqs: int64 each (-1: declined, the Python\n"
"check must judge it); hashes: the leaf hashes, 32 bytes each; times: int32 pairs\n"
"(offset in the leaf, length) of the top-level time text, or (-1, -1).");

static PyObject *check_jsonl(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"segment", "max_entry_bytes", "max_depth", "prefix", "start", "end", NULL};
    Py_buffer segment, prefix = {0};
    Py_ssize_t max_entry, start = 0, stop = -1;
    int max_depth;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*ni|y*nn", names, &segment, &max_entry, &max_depth, &prefix,
                                     &start, &stop))
        return NULL;
    if (stop < 0)
        stop = segment.len;
    const char *problem = NULL;
    if (start < 0 || stop > segment.len || start > stop)
        problem = "start and end do not fit the segment";
    else if (prefix.buf && memchr(prefix.buf, '\n', (size_t)prefix.len))
        problem = "the prefix holds a newline";
    else if ((stop - start) + (prefix.buf ? prefix.len : 0) > INT32_MAX)
        problem = "segment too large";
    if (problem) {
        PyBuffer_Release(&segment);
        if (prefix.buf)
            PyBuffer_Release(&prefix);
        PyErr_SetString(PyExc_ValueError, problem);
        return NULL;
    }
    const uint8_t *data = (const uint8_t *)segment.buf + start, *end = (const uint8_t *)segment.buf + stop;
    const uint8_t *head = prefix.buf;
    Py_ssize_t head_len = prefix.buf ? prefix.len : 0;
    Py_ssize_t count = 0;
    for (const uint8_t *p = data; p < end;) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        count++;
        if (!nl)
            break;
        p = nl + 1;
    }
    if (head_len && data == end)
        count = 1; /* the prefix alone is a line (otherwise it only lengthens the first one) */
    PyObject *leaves = PyBytes_FromStringAndSize(NULL, (stop - start) + head_len);
    PyObject *offsets = PyBytes_FromStringAndSize(NULL, (count + 1) * 4);
    results r;
    if (!leaves || !offsets || !results_new(&r, count)) {
        Py_XDECREF(leaves);
        Py_XDECREF(offsets);
        PyBuffer_Release(&segment);
        if (prefix.buf)
            PyBuffer_Release(&prefix);
        return NULL;
    }
    uint8_t *leaf_out = (uint8_t *)PyBytes_AS_STRING(leaves);
    int32_t *offset_out = (int32_t *)PyBytes_AS_STRING(offsets);
    Py_ssize_t declined = 0, i = 0, written = 0;
    key_pool pool = {0};
    Py_BEGIN_ALLOW_THREADS
    const uint8_t *p = data;
    while (i < count) {
        const uint8_t *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        const uint8_t *line_end = nl ? nl : end;
        size_t len = (size_t)(line_end - p);
        uint8_t *leaf = leaf_out + written;
        offset_out[i] = (int32_t)written;
        if (i == 0 && head_len) {
            memcpy(leaf, head, (size_t)head_len);
            memcpy(leaf + head_len, p, len);
            len += (size_t)head_len;
        } else {
            memcpy(leaf, p, len);
        }
        written += (Py_ssize_t)len;
        /* Checked from the copy: the same bytes, and the first line is whole there. */
        declined += one_leaf(leaf, len, (size_t)max_entry, max_depth, &pool, &r, i);
        i++;
        p = nl ? nl + 1 : end;
    }
    offset_out[i] = (int32_t)written;
    key_pool_free(&pool);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&segment);
    if (prefix.buf)
        PyBuffer_Release(&prefix);
    if (_PyBytes_Resize(&leaves, written) < 0) {
        Py_DECREF(offsets);
        Py_DECREF(r.seqs);
        Py_DECREF(r.hashes);
        Py_DECREF(r.times);
        return NULL;
    }
    return Py_BuildValue("nNNNNNn", i, leaves, offsets, r.seqs, r.hashes, r.times, declined);
}

/* Offset i of an Arrow offsets buffer of int32 (width 4) or int64 (width 8) values. */
static inline int64_t offset_at(const Py_buffer *offsets, int width, Py_ssize_t i) {
    return width == 4 ? ((const int32_t *)offsets->buf)[i] : ((const int64_t *)offsets->buf)[i];
}

/* Whether offsets[first .. first+count] fit data: the buffer holds them, each lies within
 * data and none goes back. Checked before any read: the offsets may come from a hostile file. */
static int offsets_fit(const Py_buffer *data, const Py_buffer *offsets, int width, Py_ssize_t first,
                       Py_ssize_t count) {
    if ((width != 4 && width != 8) || first < 0 || count < 0 || first + count + 1 > offsets->len / width)
        return 0;
    int64_t before = 0;
    for (Py_ssize_t i = first; i <= first + count; i++) {
        int64_t at = offset_at(offsets, width, i);
        if (at < 0 || at > data->len || at < before)
            return 0;
        before = at;
    }
    return 1;
}

PyDoc_STRVAR(check_leaves_doc,
"check_leaves(data, offsets, first, count, offset_width, max_entry_bytes, max_depth) -> (seqs, hashes, times, declined)\n\n"
"Check the leaves of an Arrow binary array: value i is data[offsets[first+i]:offsets[first+i+1]],\n"
"offsets being int32 (offset_width 4) or int64 (8). Results as check_jsonl's.");

static PyObject *check_leaves(PyObject *self, PyObject *args) {
    Py_buffer data, offsets;
    Py_ssize_t first, count, max_entry;
    int width, max_depth;
    if (!PyArg_ParseTuple(args, "y*y*nnini", &data, &offsets, &first, &count, &width, &max_entry, &max_depth))
        return NULL;
    PyObject *error = offsets_fit(&data, &offsets, width, first, count) ? NULL : PyExc_ValueError;
    results r;
    if (error || !results_new(&r, count)) {
        PyBuffer_Release(&data);
        PyBuffer_Release(&offsets);
        if (error)
            PyErr_SetString(error, "offsets do not fit the data");
        return NULL;
    }
    Py_ssize_t declined = 0;
    key_pool pool = {0};
    const uint8_t *base = data.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t a = offset_at(&offsets, width, first + i), b = offset_at(&offsets, width, first + i + 1);
        declined += one_leaf(base + a, (size_t)(b - a), (size_t)max_entry, max_depth, &pool, &r, i);
    }
    key_pool_free(&pool);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets);
    return Py_BuildValue("NNNn", r.seqs, r.hashes, r.times, declined);
}

PyDoc_STRVAR(chain_doc,
"chain(head, hashes, keep_all=False) -> bytes\n\n"
"Fold the concatenated 32-byte leaf hashes into head (spec section 3): the final head,\n"
"or with keep_all every head after each leaf, concatenated.");

static PyObject *chain(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"head", "hashes", "keep_all", NULL};
    Py_buffer head, hashes;
    int keep_all = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*y*|p", names, &head, &hashes, &keep_all))
        return NULL;
    if (head.len != 32 || hashes.len % 32) {
        PyBuffer_Release(&head);
        PyBuffer_Release(&hashes);
        return PyErr_Format(PyExc_ValueError, "head must be 32 bytes and hashes a multiple of 32");
    }
    Py_ssize_t n = hashes.len / 32;
    PyObject *out = PyBytes_FromStringAndSize(NULL, keep_all ? hashes.len : 32);
    if (!out) {
        PyBuffer_Release(&head);
        PyBuffer_Release(&hashes);
        return NULL;
    }
    uint8_t *dst = (uint8_t *)PyBytes_AS_STRING(out);
    uint8_t current[32];
    memcpy(current, head.buf, 32);
    const uint8_t *src = hashes.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        sha256_node(current, src + 32 * i);
        if (keep_all)
            memcpy(dst + 32 * i, current, 32);
    }
    if (!keep_all)
        memcpy(dst, current, 32);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&head);
    PyBuffer_Release(&hashes);
    return out;
}

PyDoc_STRVAR(leaf_hashes_doc,
"leaf_hashes(data, offsets, first, count, offset_width) -> bytes\n\n"
"The leaf hashes (spec section 3) of the values of an Arrow binary array, concatenated.");

static PyObject *leaf_hashes(PyObject *self, PyObject *args) {
    Py_buffer data, offsets;
    Py_ssize_t first, count;
    int width;
    if (!PyArg_ParseTuple(args, "y*y*nni", &data, &offsets, &first, &count, &width))
        return NULL;
    int bad = !offsets_fit(&data, &offsets, width, first, count);
    PyObject *out = bad ? NULL : PyBytes_FromStringAndSize(NULL, count * 32);
    if (!out) {
        PyBuffer_Release(&data);
        PyBuffer_Release(&offsets);
        if (bad)
            PyErr_SetString(PyExc_ValueError, "offsets do not fit the data");
        return NULL;
    }
    uint8_t *dst = (uint8_t *)PyBytes_AS_STRING(out);
    const uint8_t *base = data.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t a = offset_at(&offsets, width, first + i), b = offset_at(&offsets, width, first + i + 1);
        sha256_prefixed(0x00, base + a, (size_t)(b - a), dst + 32 * i);
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets);
    return out;
}

PyDoc_STRVAR(time_candidates_doc,
"time_candidates(data, offsets, first, count, offset_width, times, seqs, prev_seq, prev_time) -> list[int]\n\n"
"Rows of a batch of leaves (as check_leaves takes them) whose time may be earlier than the\n"
"row before's, where the two seqs are consecutive and both times are known (times:\n"
"check_leaves's int32 pairs): i when row i's time is earlier (same-length UTC text sorts\n"
"before), -(i + 1) when the two are not both same-length UTC text (the caller compares\n"
"them as datetimes). Row 0 is compared with (prev_seq, prev_time) when prev_time is not None.");

static PyObject *time_candidates(PyObject *self, PyObject *args) {
    Py_buffer data, offsets, times, seqs;
    Py_ssize_t first, count;
    int width;
    long long prev_seq;
    PyObject *prev_time;
    if (!PyArg_ParseTuple(args, "y*y*nniy*y*LO", &data, &offsets, &first, &count, &width, &times, &seqs, &prev_seq,
                          &prev_time))
        return NULL;
    PyObject *out = NULL;
    const char *prev_text = NULL;
    Py_ssize_t prev_len = 0;
    int bad = !offsets_fit(&data, &offsets, width, first, count) || times.len / 8 < count || seqs.len / 8 < count;
    if (!bad && prev_time != Py_None) {
        if (!PyBytes_Check(prev_time))
            bad = 1;
        else {
            prev_text = PyBytes_AS_STRING(prev_time);
            prev_len = PyBytes_GET_SIZE(prev_time);
        }
    }
    const int32_t *spans = times.buf;
    const int64_t *seq = seqs.buf;
    for (Py_ssize_t i = 0; !bad && i < count; i++) {
        int64_t a = offset_at(&offsets, width, first + i), b = offset_at(&offsets, width, first + i + 1);
        if (spans[2 * i] >= 0 && (spans[2 * i] < 0 || (int64_t)spans[2 * i] + spans[2 * i + 1] > b - a))
            bad = 1;
    }
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "time_candidates: buffers do not fit each other");
        goto done;
    }
    out = PyList_New(0);
    if (!out)
        goto done;
    const uint8_t *base = data.buf;
    const uint8_t *earlier = (const uint8_t *)prev_text;
    Py_ssize_t earlier_len = prev_text ? prev_len : -1;
    int64_t earlier_seq = prev_seq;
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t a = offset_at(&offsets, width, first + i);
        const uint8_t *later = spans[2 * i] >= 0 ? base + a + spans[2 * i] : NULL;
        Py_ssize_t later_len = spans[2 * i] >= 0 ? spans[2 * i + 1] : -1;
        if (later && earlier && seq[i] >= 0 && earlier_seq >= 0 && seq[i] == earlier_seq + 1) {
            Py_ssize_t candidate = 0;
            int found = 1;
            if (later_len != earlier_len || later_len == 0 || later[later_len - 1] != 'Z' || earlier[earlier_len - 1] != 'Z')
                candidate = -(i + 1); /* to be compared as datetimes */
            else if (memcmp(later, earlier, (size_t)later_len) < 0)
                candidate = i; /* earlier: same-length UTC text sorts as time does */
            else
                found = 0;
            if (found) {
                PyObject *index = PyLong_FromSsize_t(candidate);
                if (!index || PyList_Append(out, index) < 0) {
                    Py_XDECREF(index);
                    Py_CLEAR(out);
                    goto done;
                }
                Py_DECREF(index);
            }
        }
        earlier = later;
        earlier_len = later_len;
        earlier_seq = seq[i];
    }
done:
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&times);
    PyBuffer_Release(&seqs);
    return out;
}

static PyObject *hardware_sha256(PyObject *self, PyObject *args) {
    int on = -1;
    if (!PyArg_ParseTuple(args, "|p", &on))
        return NULL;
    if (on >= 0)
        sha256_use_hardware(on);
    return PyBool_FromLong(sha256_hardware());
}

PyDoc_STRVAR(openssl_sha256_doc,
"openssl_sha256(address) -> str\n\n"
"Use OpenSSL's SHA256_Transform at this address (0: stop using it); returns sha256_path().\n"
"The address must be that function's, from the libcrypto already loaded (auditviewer.core.native).");

static PyObject *openssl_sha256(PyObject *self, PyObject *args) {
    unsigned long long address;
    if (!PyArg_ParseTuple(args, "K", &address))
        return NULL;
    sha256_use_openssl((void *)(uintptr_t)address);
    return PyUnicode_FromString(sha256_path());
}

static PyObject *sha256_path_py(PyObject *self, PyObject *unused) { return PyUnicode_FromString(sha256_path()); }

PyDoc_STRVAR(counting_doc,
"counting(start, count) -> bytes\n\nThe int64 values start, start+1, ..., start+count-1 (native byte order).");

static PyObject *counting(PyObject *self, PyObject *args) {
    long long start;
    Py_ssize_t count;
    if (!PyArg_ParseTuple(args, "Ln", &start, &count))
        return NULL;
    if (count < 0 || count > PY_SSIZE_T_MAX / 8 || (count && start > INT64_MAX - (count - 1)))
        return PyErr_Format(PyExc_ValueError, "counting: bad range");
    PyObject *out = PyBytes_FromStringAndSize(NULL, count * 8);
    if (!out)
        return NULL;
    int64_t *values = (int64_t *)PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < count; i++)
        values[i] = (int64_t)start + i;
    return out;
}

PyDoc_STRVAR(count_lines_doc,
"count_lines(buffer, start, end) -> int\n\nHow many newlines buffer[start:end] holds (bytes.count(b'\\n', start, end), by memchr).");

static PyObject *count_lines(PyObject *self, PyObject *args) {
    Py_buffer buffer;
    Py_ssize_t start, end, count = 0;
    if (!PyArg_ParseTuple(args, "y*nn", &buffer, &start, &end))
        return NULL;
    if (start < 0 || end > buffer.len || start > end) {
        PyBuffer_Release(&buffer);
        return PyErr_Format(PyExc_ValueError, "count_lines: start and end do not fit the buffer");
    }
    const uint8_t *p = (const uint8_t *)buffer.buf + start, *stop = (const uint8_t *)buffer.buf + end;
    Py_BEGIN_ALLOW_THREADS
    while (p < stop && (p = memchr(p, '\n', (size_t)(stop - p))) != NULL) {
        count++;
        p++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buffer);
    return PyLong_FromSsize_t(count);
}

PyDoc_STRVAR(strictly_increasing_doc,
"strictly_increasing(values) -> bool\n\nWhether a buffer of int64 values only ever grows.");

static PyObject *strictly_increasing(PyObject *self, PyObject *args) {
    Py_buffer values;
    if (!PyArg_ParseTuple(args, "y*", &values))
        return NULL;
    const int64_t *v = values.buf;
    Py_ssize_t n = values.len / 8;
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 1; i < n; i++)
        if (v[i] <= v[i - 1]) {
            ok = 0;
            break;
        }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&values);
    return PyBool_FromLong(ok);
}

PyDoc_STRVAR(reuse_big_buffers_doc,
"reuse_big_buffers() -> bool\n\n"
"Ask glibc's malloc to serve buffers of up to 256 MiB from its heap and keep freed memory\n"
"for reuse, instead of mapping fresh zeroed pages for every big buffer and returning them.\n"
"For a command that streams a big file through buffers of a few MiB (measured: about a\n"
"quarter of a second of page faults per 500 MB). False where malloc is not glibc's.");

static PyObject *reuse_big_buffers(PyObject *self, PyObject *args) {
#ifdef __GLIBC__
    int ok = mallopt(M_MMAP_THRESHOLD, 256 << 20) && mallopt(M_TRIM_THRESHOLD, 512 << 20);
    return PyBool_FromLong(ok);
#else
    Py_RETURN_FALSE;
#endif
}

static PyMethodDef methods[] = {
    {"reuse_big_buffers", reuse_big_buffers, METH_NOARGS, reuse_big_buffers_doc},
    {"counting", counting, METH_VARARGS, counting_doc},
    {"count_lines", count_lines, METH_VARARGS, count_lines_doc},
    {"strictly_increasing", strictly_increasing, METH_VARARGS, strictly_increasing_doc},
    {"check_jsonl", (PyCFunction)(void (*)(void))check_jsonl, METH_VARARGS | METH_KEYWORDS, check_jsonl_doc},
    {"check_leaves", check_leaves, METH_VARARGS, check_leaves_doc},
    {"chain", (PyCFunction)(void (*)(void))chain, METH_VARARGS | METH_KEYWORDS, chain_doc},
    {"leaf_hashes", leaf_hashes, METH_VARARGS, leaf_hashes_doc},
    {"time_candidates", time_candidates, METH_VARARGS, time_candidates_doc},
    {"openssl_sha256", openssl_sha256, METH_VARARGS, openssl_sha256_doc},
    {"sha256_path", sha256_path_py, METH_NOARGS,
     "sha256_path() -> str: 'hardware' (the CPU's SHA instructions), 'openssl' or 'portable'."},
    {"hardware_sha256", hardware_sha256, METH_VARARGS,
     "hardware_sha256([on]) -> bool: whether SHA-256 uses the CPU's SHA instructions; on=False forces the portable code."},
    {"text_grams", text_grams, METH_VARARGS, text_grams_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native", "Per-entry checking and hashing in C (see auditviewer.core.native).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
