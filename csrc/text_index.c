/* The n-gram bitmap of a block of entry text, for the store's word index.
 *
 * Every 4-byte window of the text, ASCII letters lowered, is hashed to one bit of
 * the block's bitmap (3-byte windows as well cost twice the time: realistic entries'
 * hex ids hold every 3-gram of hex in every block, so they help only short words);
 * a search then scans only the blocks whose bitmap
 * has every n-gram of its word. The hash is the one auditviewer/store/text_index.py
 * computes for a word (text_index.gram_bits): both must agree bit for bit
 * (tests/unit/store/test_text_index.py compares them on random bytes).
 */
#include "text_index.h"

#include <stdint.h>

#define GRAM_BITS_LOG2 17
#define GRAM_BYTES ((1u << GRAM_BITS_LOG2) / 8)

static inline uint32_t gram_bit(uint32_t gram) {
    return (uint32_t)(gram * 0x9E3779B1u) >> (32 - GRAM_BITS_LOG2);
}

const char text_grams_doc[] =
    "text_grams(data, start, end, bits) -> bool\n\n"
    "Set in ``bits`` (a writable buffer of 16,384 bytes) the bit of every 4-byte\n"
    "window of data[start:end] (ASCII letters lowered). True when that text holds one of\n"
    "the two characters outside ASCII that lower to an ASCII letter (U+0130, U+212A):\n"
    "the block's n-grams then do not say what ILIKE finds in it.";

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
    int folds = 0;
    Py_BEGIN_ALLOW_THREADS
    uint32_t window = 0;
    Py_ssize_t seen = 0;
    for (Py_ssize_t i = start; i < end; i++) {
        uint32_t byte = text[i];
        if (byte - 'A' < 26u)
            byte += 'a' - 'A';
        window = (window << 8) | byte;
        seen++;
        if (seen >= 4) {
            uint32_t bit = gram_bit(window);
            out[bit >> 3] |= (uint8_t)(1u << (bit & 7));
        }
        /* U+0130 is C4 B0, U+212A is E2 84 AA. */
        if ((byte == 0xB0 && (window & 0xFF00u) == 0xC400u) || (byte == 0xAA && (window & 0xFFFF00u) == 0xE28400u))
            folds = 1;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    PyBuffer_Release(&bits);
    return PyBool_FromLong(folds);
}
