/* Building the entry columns noted by the check: see entry_columns.h. */
#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS, sysconf under -std=c11 */
#include "entry_columns.h"

#include <stdlib.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#define TEXT_MAPPED 1
#endif

/* The text buffers are mapped, not malloc'd, where the system can: each is sized for the
 * worst case (all the leaves' bytes), of which only the pages written are ever resident,
 * and its unused tail is unmapped when it is done (column_text_shrink). Buffers of
 * megabytes from malloc grew the heap, which kept them after they were freed: the
 * viewer's peak memory rose by ~130 MB at 1M entries (issue 12). */
#ifdef TEXT_MAPPED
static size_t page_size(void) {
    static size_t size;
    if (!size) {
        long got = sysconf(_SC_PAGESIZE);
        size = got > 0 ? (size_t)got : 4096;
    }
    return size;
}

static size_t round_to_page(size_t n) {
    size_t page = page_size();
    return (n + page - 1) / page * page;
}
#endif

uint8_t *column_text_alloc(size_t *cap) {
#ifdef TEXT_MAPPED
    size_t size = round_to_page(*cap ? *cap : 1);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        *cap = 0;
        return NULL;
    }
    *cap = size;
    return p;
#else
    uint8_t *p = malloc(*cap ? *cap : 1);
    if (!p)
        *cap = 0;
    return p;
#endif
}

uint8_t *column_text_shrink(uint8_t *text, size_t *cap, size_t len) {
    if (!text)
        return NULL;
#ifdef TEXT_MAPPED
    size_t keep = round_to_page(len ? len : 1);
    if (keep < *cap) {
        munmap(text + keep, *cap - keep);
        *cap = keep;
    }
    return text;
#else
    uint8_t *shrunk = realloc(text, len ? len : 1);
    if (shrunk) {
        *cap = len ? len : 1;
        return shrunk;
    }
    return text;
#endif
}

void column_text_free(uint8_t *text, size_t cap) {
    if (!text)
        return;
#ifdef TEXT_MAPPED
    munmap(text, cap);
#else
    (void)cap;
    free(text);
#endif
}

static int hex_value(uint8_t c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The code unit of \uXXXX at p (6 bytes available), or -1. */
static long unit_at(const uint8_t *p, const uint8_t *end) {
    if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
        return -1;
    long unit = 0;
    for (int k = 2; k < 6; k++) {
        int d = hex_value(p[k]);
        if (d < 0)
            return -1;
        unit = unit * 16 + d;
    }
    return unit;
}

long decode_json_string(const uint8_t *text, size_t len, uint8_t *out) {
    const uint8_t *p = text, *end = text + len;
    uint8_t *o = out;
    while (p < end) {
        const uint8_t *slash = memchr(p, '\\', (size_t)(end - p));
        size_t plain = (size_t)((slash ? slash : end) - p);
        memcpy(o, p, plain);
        o += plain;
        p += plain;
        if (!slash)
            break;
        if (end - p < 2)
            return -1;
        uint8_t c = p[1];
        const char *simple = c == '"' ? "\"" : c == '\\' ? "\\" : c == '/' ? "/" : c == 'b' ? "\b"
                           : c == 'f' ? "\f" : c == 'n' ? "\n" : c == 'r' ? "\r" : c == 't' ? "\t" : NULL;
        if (simple) {
            *o++ = (uint8_t)simple[0];
            p += 2;
            continue;
        }
        long unit = unit_at(p, end);
        if (unit <= 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
            return -1; /* \u0000 is left to DuckDB; a lone low surrogate was declined by the check */
        p += 6;
        unsigned long cp = (unsigned long)unit;
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            long low = unit_at(p, end);
            if (low < 0xDC00 || low > 0xDFFF)
                return -1;
            p += 6;
            cp = 0x10000 + (((unsigned long)unit - 0xD800) << 10) + ((unsigned long)low - 0xDC00);
        }
        /* Each form is no longer than its escape (6 or 12 bytes), so out never overruns len. */
        if (cp < 0x80) {
            *o++ = (uint8_t)cp;
        } else if (cp < 0x800) {
            *o++ = (uint8_t)(0xC0 | (cp >> 6));
            *o++ = (uint8_t)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            *o++ = (uint8_t)(0xE0 | (cp >> 12));
            *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            *o++ = (uint8_t)(0x80 | (cp & 0x3F));
        } else {
            *o++ = (uint8_t)(0xF0 | (cp >> 18));
            *o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
            *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            *o++ = (uint8_t)(0x80 | (cp & 0x3F));
        }
    }
    return (long)(o - out);
}

int column_builder_reserve(column_builder *b, size_t bound) {
    if (bound > INT32_MAX)
        bound = INT32_MAX;
    for (size_t c = 0; c < b->columns; c++) {
        b->data_cap[c] = bound;
        b->data[c] = column_text_alloc(&b->data_cap[c]);
        if (!b->data[c])
            return 0;
    }
    return 1;
}

/* Room for len more bytes in column c (its buffer holds the worst case: a row past it,
 * which only a failed allocation makes, is left to DuckDB). */
static int reserve(column_builder *b, size_t c, size_t len) {
    size_t need = b->data_len[c] + len;
    return b->data[c] && need <= b->data_cap[c] && need <= INT32_MAX;
}

void column_builder_row(column_builder *b, size_t i, int accepted, const column_value *values) {
    int given = accepted;
    for (size_t c = 0; given && c < b->columns; c++)
        given = values[c].kind != COLUMN_OTHER;
    size_t c = 0;
    for (; given && c < b->columns; c++) {
        const column_value *v = &values[c];
        if (v->kind == COLUMN_ABSENT) {
            b->offsets[c][i + 1] = (int32_t)b->data_len[c];
            continue;
        }
        if (!reserve(b, c, v->len)) {
            given = 0;
            break;
        }
        uint8_t *at = b->data[c] + b->data_len[c];
        if (v->kind == COLUMN_TEXT) {
            memcpy(at, v->ptr, v->len);
            b->data_len[c] += v->len;
        } else {
            long n = decode_json_string(v->ptr, v->len, at);
            if (n < 0) {
                given = 0;
                break;
            }
            b->data_len[c] += (size_t)n;
        }
        b->valid[c][i / 8] |= (uint8_t)(1u << (i % 8));
        b->offsets[c][i + 1] = (int32_t)b->data_len[c];
    }
    if (given) {
        b->given[i / 8] |= (uint8_t)(1u << (i % 8));
        return;
    }
    /* Not given: every column NULL and empty for this row (what was written is taken back). */
    for (size_t k = 0; k < b->columns; k++) {
        b->valid[k][i / 8] &= (uint8_t)~(1u << (i % 8));
        b->data_len[k] = (size_t)b->offsets[k][i];
        b->offsets[k][i + 1] = b->offsets[k][i];
    }
}

void column_builder_free(column_builder *b) {
    for (size_t c = 0; c < MAX_ENTRY_COLUMNS; c++) {
        column_text_free(b->data[c], b->data_cap[c]);
        b->data[c] = NULL;
        b->data_len[c] = b->data_cap[c] = 0;
    }
}
