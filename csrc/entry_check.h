/* Proving one leaf a well-formed entry (spec section 2) without building any object.
 *
 * The check accepts a leaf only when the careful Python check
 * (auditviewer.input.formats.entry.check_leaf) would accept it with no problem, and
 * then gives the same seq. Everything else, including some well-formed leaves
 * this code does not try to judge (a key written with escapes, a negative zero
 * seq), is *declined*: the caller
 * hands it to the Python check, which decides and explains. So this code can
 * only ever be too careful, never too lenient; tests/unit/core/test_native.py checks
 * both directions against the Python check on generated and hostile leaves.
 */
#ifndef AUDITVIEWER_ENTRY_CHECK_H
#define AUDITVIEWER_ENTRY_CHECK_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t **key_ptr;
    uint32_t *key_len;
    size_t count, capacity;
} key_pool;

void key_pool_free(key_pool *pool);

/* What an accepted leaf says. */
typedef struct {
    int64_t seq;
    /* Where the top-level "time" string's text sits in the leaf (offset, length), or -1 when
     * it holds an escape (then it is not compared for time_regression). */
    int32_t time_start, time_len;
} entry_fields;

/* 1 when the leaf is accepted (fields filled in), 0 when declined. max_depth as in
 * Limits.max_json_depth; the check never recurses deeper than that (capped at 1024). */
int entry_check(const uint8_t *leaf, size_t len, size_t max_entry_bytes, int max_depth,
                key_pool *pool, entry_fields *out);

/* The entry schema's columns (auditviewer/core/entry_schema.py), read while the check
 * reads the leaf, so that the store need not parse it again (entry_columns.h builds
 * them into Arrow columns). A path is one top-level key (key NULL) or a top-level key
 * and a key of the object under it. */
typedef struct {
    const uint8_t *head, *key;
    size_t head_len, key_len;
} column_path;

/* What is at a path: nothing (absent, or JSON null: DuckDB's ->> gives NULL), a string
 * (its text between the quotes, with or without escapes), or anything else (a number, a
 * boolean, an object or array, a path through a non-object): the store then derives that
 * entry's columns itself, as DuckDB renders those. */
enum { COLUMN_ABSENT = 0, COLUMN_TEXT, COLUMN_ESCAPED, COLUMN_OTHER };

typedef struct {
    const uint8_t *ptr;
    size_t len;
    int kind;
} column_value;

#define MAX_ENTRY_COLUMNS 64

/* A top-level key some path starts with: the path of it alone (or -1), the two-key paths under it. */
typedef struct {
    const uint8_t *key;
    size_t len;
    int direct, nested_count;
    int nested[MAX_ENTRY_COLUMNS];
} column_head;

typedef struct {
    const column_path *paths;
    size_t count; /* at most MAX_ENTRY_COLUMNS */
    column_value *values; /* count of them, filled in by entry_check_columns */
    /* The paths by top-level key: made by column_capture_prepare, once for many leaves. */
    column_head heads[MAX_ENTRY_COLUMNS];
    size_t head_count;
} column_capture;

/* Fill in capture's heads from its paths (paths, count set). */
void column_capture_prepare(column_capture *capture);

/* entry_check, also noting the value at each of capture's paths (capture may be NULL).
 * The values are meaningful only when the leaf is accepted. */
int entry_check_columns(const uint8_t *leaf, size_t len, size_t max_entry_bytes, int max_depth,
                        key_pool *pool, entry_fields *out, column_capture *capture);

#endif
