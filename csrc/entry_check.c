/* Proving one leaf a well-formed entry: see entry_check.h.
 *
 * A recursive-descent reader of RFC 8259 JSON that builds nothing: it checks
 * the grammar exactly as Python's json module reads it (strict: no control
 * characters in strings; no NaN or Infinity; no escape yielding an unpaired surrogate,
 * I-JSON as spec section 2 asks), UTF-8 exactly as Python's
 * decoder does (no overlong forms, no surrogates, nothing above U+10FFFF),
 * no duplicate key in any object, the nesting depth limit, and the top-level
 * fields' types (spec section 2).
 */
#include "entry_check.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Up to this many keys, an object's duplicate check compares each key with the
 * ones before it; beyond, its keys are sorted once the object is read and
 * neighbours compared (n log n: 95,000 keys went to the Python check, which held
 * the GIL for a tenth of a second per entry and froze the viewer, issue 17.3). */
#define MAX_KEYS 256
#define DEPTH_CAP 1024
/* Numbers with more digits are declined (Python refuses ints over 4300 digits). */
#define MAX_DIGITS 4000

enum { T_FAIL = 0, T_OBJECT, T_ARRAY, T_STRING, T_NUMBER, T_INT, T_TRUE, T_FALSE, T_NULL };

enum {
    F_SEQ = 1, F_ID = 2, F_TIME = 4, F_CATEGORY = 8, F_ACTION = 16, F_ACTOR = 32, F_METADATA = 64,
    F_RESOURCE = 128, F_TITLE = 256,
    F_REQUIRED = F_SEQ | F_ID | F_TIME | F_CATEGORY | F_ACTION | F_ACTOR | F_METADATA,
};

typedef struct {
    const uint8_t *p, *end, *base;
    int depth, max_depth;
    key_pool *pool;
    /* The last string read: where its text starts, its length, whether it held an escape. */
    const uint8_t *str;
    size_t str_len;
    int str_escaped;
    /* The last number read, when it is a non-negative integer that fits int64 (else -1). */
    int64_t int_value;
} parser;

void key_pool_free(key_pool *pool) {
    free(pool->key_ptr);
    free(pool->key_len);
    pool->key_ptr = NULL;
    pool->key_len = NULL;
    pool->count = pool->capacity = 0;
}

static int key_pool_push(key_pool *pool, const uint8_t *ptr, size_t len) {
    if (pool->count == pool->capacity) {
        size_t cap = pool->capacity ? pool->capacity * 2 : 256;
        const uint8_t **ptrs = realloc(pool->key_ptr, cap * sizeof *ptrs);
        if (!ptrs)
            return 0;
        pool->key_ptr = ptrs;
        uint32_t *lens = realloc(pool->key_len, cap * sizeof *lens);
        if (!lens)
            return 0;
        pool->key_len = lens;
        pool->capacity = cap;
    }
    pool->key_ptr[pool->count] = ptr;
    pool->key_len[pool->count] = (uint32_t)len;
    pool->count++;
    return 1;
}

static inline void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

/* Length of the valid UTF-8 sequence at p (2 to 4 bytes), or 0 (Unicode table 3-7). */
static inline int utf8_sequence(const uint8_t *p, const uint8_t *end) {
    uint8_t c = p[0];
    if (c >= 0xC2 && c <= 0xDF) {
        if (end - p < 2 || (p[1] & 0xC0) != 0x80)
            return 0;
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (end - p < 3 || (p[2] & 0xC0) != 0x80)
            return 0;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
        if (p[1] < lo || p[1] > hi)
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (end - p < 4 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
        if (p[1] < lo || p[1] > hi)
            return 0;
        return 4;
    }
    return 0;
}

static inline int is_hex(uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline unsigned hex_digit(uint8_t c) {
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* The code unit of four hex digits (already checked by is_hex). */
static inline unsigned hex4(const uint8_t *p) {
    return (hex_digit(p[0]) << 12) | (hex_digit(p[1]) << 8) | (hex_digit(p[2]) << 4) | hex_digit(p[3]);
}

/* At an opening quote: reads the string, sets ps->str*. A \\u escape naming an unpaired
 * surrogate fails the string (the Python check calls it malformed_entry). */
static int read_string(parser *ps) {
    const uint8_t *p = ps->p + 1, *end = ps->end;
    ps->str = p;
    ps->str_escaped = 0;
    for (;;) {
#if defined(__SSE2__)
        /* Sixteen plain ASCII characters at a time: no quote, backslash, control or non-ASCII byte. */
        const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)p);
            __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                                           _mm_cmplt_epi8(v, space)); /* signed: < 0x20 or >= 0x80 */
            int mask = _mm_movemask_epi8(special);
            if (mask) {
                p += __builtin_ctz((unsigned)mask);
                break;
            }
            p += 16;
        }
#endif
        if (p >= end)
            return 0;
        uint8_t c = *p;
        if (c == '"') {
            ps->str_len = (size_t)(p - ps->str);
            ps->p = p + 1;
            return 1;
        }
        if (c == '\\') {
            ps->str_escaped = 1;
            if (end - p < 2)
                return 0;
            c = p[1];
            if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
                p += 2;
            } else if (c == 'u') {
                if (end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5]))
                    return 0;
                unsigned unit = hex4(p + 2);
                p += 6;
                if (unit >= 0xDC00 && unit <= 0xDFFF)
                    return 0; /* a low surrogate with no high one before it (I-JSON, spec section 2) */
                if (unit >= 0xD800 && unit <= 0xDBFF) {
                    /* a high surrogate: only a low surrogate escape may follow */
                    if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !is_hex(p[2]) || !is_hex(p[3]) ||
                        !is_hex(p[4]) || !is_hex(p[5]))
                        return 0;
                    unit = hex4(p + 2);
                    if (unit < 0xDC00 || unit > 0xDFFF)
                        return 0;
                    p += 6;
                }
            } else {
                return 0;
            }
        } else if (c < 0x20) {
            return 0;
        } else if (c >= 0x80) {
            int n = utf8_sequence(p, end);
            if (!n)
                return 0;
            p += n;
        } else {
            p++;
        }
    }
}

static int read_digits(parser *ps, size_t *count) {
    const uint8_t *start = ps->p;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
        ps->p++;
    *count = (size_t)(ps->p - start);
    return *count > 0 && *count <= MAX_DIGITS;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?  as Python's json NUMBER_RE. */
static int read_number(parser *ps) {
    int negative = 0, integer = 1;
    size_t digits = 0, more;
    const uint8_t *int_start;
    ps->int_value = -1;
    if (*ps->p == '-') {
        negative = 1;
        ps->p++;
    }
    if (ps->p >= ps->end)
        return T_FAIL;
    int_start = ps->p;
    if (*ps->p == '0') {
        ps->p++;
        digits = 1;
    } else if (*ps->p >= '1' && *ps->p <= '9') {
        if (!read_digits(ps, &digits))
            return T_FAIL;
    } else {
        return T_FAIL;
    }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (!read_digits(ps, &more))
            return T_FAIL;
        integer = 0;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!read_digits(ps, &more))
            return T_FAIL;
        integer = 0;
    }
    if (!integer)
        return T_NUMBER;
    if (!negative && digits <= 19) {
        uint64_t value = 0;
        for (size_t i = 0; i < digits; i++)
            value = value * 10 + (uint64_t)(int_start[i] - '0');
        if (value <= (uint64_t)INT64_MAX)
            ps->int_value = (int64_t)value;
    }
    return T_INT;
}

static int read_literal(parser *ps, const char *word, size_t len, int type) {
    if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0)
        return T_FAIL;
    ps->p += len;
    return type;
}

static int read_value(parser *ps, entry_fields *top);

static int key_is(const parser *ps, const char *name, size_t len) {
    return ps->str_len == len && memcmp(ps->str, name, len) == 0;
}

/* The type a top-level field needs (T_FAIL: any type), and its flag. */
static int top_field(const parser *ps, int *flag) {
    switch (ps->str_len) {
    case 2: if (key_is(ps, "id", 2)) { *flag = F_ID; return T_STRING; } break;
    case 3: if (key_is(ps, "seq", 3)) { *flag = F_SEQ; return T_INT; } break;
    case 4: if (key_is(ps, "time", 4)) { *flag = F_TIME; return T_STRING; } break;
    case 5:
        if (key_is(ps, "actor", 5)) { *flag = F_ACTOR; return T_OBJECT; }
        if (key_is(ps, "title", 5)) { *flag = F_TITLE; return T_OBJECT; }
        break;
    case 6: if (key_is(ps, "action", 6)) { *flag = F_ACTION; return T_STRING; } break;
    case 8:
        if (key_is(ps, "category", 8)) { *flag = F_CATEGORY; return T_STRING; }
        if (key_is(ps, "metadata", 8)) { *flag = F_METADATA; return T_OBJECT; }
        if (key_is(ps, "resource", 8)) { *flag = F_RESOURCE; return T_OBJECT; }
        break;
    }
    *flag = 0;
    return T_FAIL;
}

/* After an object member or array element: 1 when a comma leads to another, 0 when
 * ``closer`` ends the object or array (consumed), -1 for anything else. */
static int after_item(parser *ps, uint8_t closer) {
    skip_ws(ps);
    if (ps->p >= ps->end)
        return -1;
    if (*ps->p == ',') {
        ps->p++;
        skip_ws(ps);
        return 1;
    }
    if (*ps->p != closer)
        return -1;
    ps->p++;
    return 0;
}

typedef struct {
    const uint8_t *ptr;
    uint32_t len;
} key_ref;

static int compare_keys(const void *a, const void *b) {
    const key_ref *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->ptr, y->ptr, x->len);
}

/* 1 when two of the pool's keys first..count are equal (or memory runs out: the
 * object is then declined, never accepted unchecked). */
static int has_duplicate_key(const key_pool *pool, size_t first) {
    size_t n = pool->count - first;
    key_ref *keys = malloc(n * sizeof *keys);
    if (!keys)
        return 1;
    for (size_t i = 0; i < n; i++) {
        keys[i].ptr = pool->key_ptr[first + i];
        keys[i].len = pool->key_len[first + i];
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    int found = 0;
    for (size_t i = 1; i < n && !found; i++)
        found = compare_keys(&keys[i - 1], &keys[i]) == 0;
    free(keys);
    return found;
}

static int read_object(parser *ps, entry_fields *top) {
    key_pool *pool = ps->pool;
    size_t first_key = pool->count;
    int seen = 0;
    if (++ps->depth > ps->max_depth)
        return T_FAIL;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        ps->depth--;
        return top ? T_FAIL : T_OBJECT; /* an empty entry lacks every required field */
    }
    for (;;) {
        if (ps->p >= ps->end || *ps->p != '"' || !read_string(ps) || ps->str_escaped)
            return T_FAIL;
        const uint8_t *key = ps->str;
        size_t key_len = ps->str_len;
        if (pool->count - first_key < MAX_KEYS) /* else all are compared at the end */
            for (size_t i = first_key; i < pool->count; i++)
                if (pool->key_len[i] == key_len && memcmp(pool->key_ptr[i], key, key_len) == 0)
                    return T_FAIL; /* a duplicate key */
        if (!key_pool_push(pool, key, key_len))
            return T_FAIL;
        int flag = 0, want = top ? top_field(ps, &flag) : T_FAIL;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':')
            return T_FAIL;
        ps->p++;
        skip_ws(ps);
        if (ps->p >= ps->end)
            return T_FAIL;
        const uint8_t *value_start = ps->p;
        int type = read_value(ps, NULL);
        if (type == T_FAIL)
            return T_FAIL;
        if (flag) {
            if (type != want && !((flag == F_RESOURCE || flag == F_TITLE) && type == T_NULL))
                return T_FAIL;
            if (flag == F_SEQ) {
                if (ps->int_value < 0 || *value_start == '-')
                    return T_FAIL;
                top->seq = ps->int_value;
            } else if (flag == F_TIME) {
                if (ps->str_escaped || ps->str_len > INT32_MAX) {
                    top->time_start = top->time_len = -1;
                } else {
                    top->time_start = (int32_t)(ps->str - ps->base);
                    top->time_len = (int32_t)ps->str_len;
                }
            }
            seen |= flag;
        }
        int more = after_item(ps, '}');
        if (more < 0)
            return T_FAIL;
        if (!more)
            break;
    }
    if (pool->count - first_key > MAX_KEYS && has_duplicate_key(pool, first_key))
        return T_FAIL; /* a duplicate key */
    pool->count = first_key;
    ps->depth--;
    if (top && (seen & F_REQUIRED) != F_REQUIRED)
        return T_FAIL;
    return T_OBJECT;
}

static int read_array(parser *ps) {
    if (++ps->depth > ps->max_depth)
        return T_FAIL;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        ps->depth--;
        return T_ARRAY;
    }
    for (;;) {
        if (ps->p >= ps->end || read_value(ps, NULL) == T_FAIL)
            return T_FAIL;
        int more = after_item(ps, ']');
        if (more < 0)
            return T_FAIL;
        if (!more)
            break;
    }
    ps->depth--;
    return T_ARRAY;
}

static int read_value(parser *ps, entry_fields *top) {
    switch (*ps->p) {
    case '{': return read_object(ps, top);
    case '[': return read_array(ps);
    case '"': return read_string(ps) ? T_STRING : T_FAIL;
    case 't': return read_literal(ps, "true", 4, T_TRUE);
    case 'f': return read_literal(ps, "false", 5, T_FALSE);
    case 'n': return read_literal(ps, "null", 4, T_NULL);
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return read_number(ps);
        return T_FAIL;
    }
}

int entry_check(const uint8_t *leaf, size_t len, size_t max_entry_bytes, int max_depth,
                key_pool *pool, entry_fields *out) {
    parser ps;
    if (len == 0 || len > max_entry_bytes || leaf[0] != '{')
        return 0;
    ps.p = ps.base = leaf;
    ps.end = leaf + len;
    ps.depth = 0;
    ps.max_depth = max_depth < DEPTH_CAP ? max_depth : DEPTH_CAP;
    ps.pool = pool;
    pool->count = 0;
    out->seq = -1;
    out->time_start = out->time_len = -1;
    if (read_object(&ps, out) != T_OBJECT)
        return 0;
    /* Spec §2: the leaf ends with its closing brace; whitespace after it is left to the
       Python check, which names it as malformed. */
    return ps.p == ps.end;
}
