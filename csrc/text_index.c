/* The n-gram bitmap of a block of entry text, for the store's word index.
 *
 * The 4-byte window starting at every GRAM_STRIDE-th byte of the text, ASCII letters
 * lowered, is hashed to one bit of the block's bitmap; a search then reads only the
 * blocks whose bitmap can hold its word (a word's occurrence has all of its 4-grams
 * of one alignment indexed: auditviewer/store/text_index.py, which says why this
 * stride). 3-byte windows as well would cost twice as much and help only short words,
 * since realistic entries' hex ids hold every 3-gram of hex in every block. The hash is the
 * one text_index.py computes for a word (gram_bit): both must agree bit for bit
 * (tests/unit/store/test_text_index.py compares them on random bytes).
 */
#include "text_index.h"

#include <stdint.h>
#include <string.h>

#define GRAM_BITS_LOG2 17
#define GRAM_BYTES ((1u << GRAM_BITS_LOG2) / 8)
#define GRAM_STRIDE 2

static inline uint32_t gram_bit(uint32_t gram) {
    return (uint32_t)(gram * 0x9E3779B1u) >> (32 - GRAM_BITS_LOG2);
}

/* The 4 bytes at ``at``, ASCII capitals lowered, as a big-endian number. The four are
 * lowered at once (each byte alone: no carry crosses a byte), with no dependency from
 * one window to the next: the whole of text_grams takes 0.9 ns a byte of text on the
 * shared machine, against 1.2 with a rolling window and 1.5 with four lookups. */
static inline uint32_t gram_at(const uint8_t *at) {
    uint32_t word;
    memcpy(&word, at, 4);
    uint32_t low7 = word & 0x7F7F7F7Fu;
    uint32_t capital = ~word & ((low7 + 0x3F3F3F3Fu) ^ (low7 + 0x25252525u)) & 0x80808080u;
    word |= capital >> 2; /* 'A'..'Z' (0x41..0x5A): at least 'A' and at most 'Z' */
    uint8_t bytes[4];
    memcpy(bytes, &word, 4);
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

/* Whether text[0:len] holds U+0130 (C4 B0) or U+212A (E2 84 AA). */
static int has_folding(const uint8_t *text, size_t len) {
    static const uint8_t leads[2] = {0xC4, 0xE2};
    for (int k = 0; k < 2; k++) {
        const uint8_t *at = text, *stop = text + len;
        while ((at = memchr(at, leads[k], (size_t)(stop - at))) != NULL) {
            if (k == 0 && at + 1 < stop && at[1] == 0xB0)
                return 1;
            if (k == 1 && at + 2 < stop && at[1] == 0x84 && at[2] == 0xAA)
                return 1;
            at++;
        }
    }
    return 0;
}

const char text_grams_doc[] =
    "text_grams(data, start, end, bits) -> bool\n\n"
    "Set in ``bits`` (a writable buffer of 16,384 bytes) the bit of the 4-byte window at\n"
    "every 2nd byte of data[start:end] (from start; ASCII letters lowered). True when that\n"
    "text holds one of the two characters outside ASCII that lower to an ASCII letter\n"
    "(U+0130, U+212A): the block's n-grams then do not say what ILIKE finds in it.";

PyObject *text_grams(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data, bits;
    Py_ssize_t start, end;
    if (!PyArg_ParseTuple(args, "y*nnw*", &data, &start, &end, &bits))
        return NULL;
    if (start < 0 || end < start || end > data.len || bits.len != GRAM_BYTES) {
        PyBuffer_Release(&data);
        PyBuffer_Release(&bits);
        return PyErr_Format(PyExc_ValueError, "text_grams: bad range or bitmap size");
    }
    const uint8_t *text = (const uint8_t *)data.buf;
    uint8_t *out = (uint8_t *)bits.buf;
    int folds;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = start; i + 4 <= end; i += GRAM_STRIDE) {
        uint32_t bit = gram_bit(gram_at(text + i));
        out[bit >> 3] |= (uint8_t)(1u << (bit & 7));
    }
    folds = has_folding(text + start, (size_t)(end - start));
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    PyBuffer_Release(&bits);
    return PyBool_FromLong(folds);
}
