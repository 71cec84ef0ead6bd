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

#endif
