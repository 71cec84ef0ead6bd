/* The entry columns noted by the check (entry_check_columns), built into Arrow string
 * columns: per column a validity bitmap, int32 offsets and the text, exactly as DuckDB's
 * json_extract_string (->>) gives it: a string's text with its escapes decoded, NULL
 * where the path is absent or holds JSON null. A row the check declined, or whose value
 * at some path is not a string (DuckDB renders numbers, booleans, objects in its own
 * way), or holds an escape this code leaves alone (\u0000), is not *given*: all its
 * columns are NULL and the store derives them in DuckDB. So this code can only hand
 * back less than DuckDB would, never something else; tests/unit/store/test_native_columns.py
 * compares the two over the vectors, the demo and fuzzed entries.
 */
#ifndef AUDITVIEWER_ENTRY_COLUMNS_H
#define AUDITVIEWER_ENTRY_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "entry_check.h"

typedef struct {
    size_t columns, rows;
    /* Given by the caller, zeroed: rows bits (1: the row's columns are given), and per
     * column rows bits of validity and rows + 1 int32 offsets. */
    uint8_t *given;
    uint8_t *valid[MAX_ENTRY_COLUMNS];
    int32_t *offsets[MAX_ENTRY_COLUMNS];
    /* The text, made by column_builder_reserve (free with column_builder_free). */
    uint8_t *data[MAX_ENTRY_COLUMNS];
    size_t data_len[MAX_ENTRY_COLUMNS], data_cap[MAX_ENTRY_COLUMNS];
} column_builder;

/* Give every column a text buffer of bound bytes: the leaves' total, which their values
 * never exceed (decoding only shortens). 0 when one could not be made (its rows are then
 * not given). */
int column_builder_reserve(column_builder *b, size_t bound);

/* The text buffers: made for at least *cap bytes (*cap set to what was made, 0 on
 * failure), cut to len bytes once written (*cap updated), and freed (with their cap). */
uint8_t *column_text_alloc(size_t *cap);
uint8_t *column_text_shrink(uint8_t *text, size_t *cap, size_t len);
void column_text_free(uint8_t *text, size_t cap);

/* Row i (rows in order from 0): accepted says whether the check accepted its leaf, and
 * values are what it noted. Never fails: a row it cannot give (memory, offsets past
 * INT32_MAX) is left to DuckDB. */
void column_builder_row(column_builder *b, size_t i, int accepted, const column_value *values);
void column_builder_free(column_builder *b);

/* A JSON string's text (between the quotes, escapes as the check accepted them) decoded
 * into out (at least len bytes). Returns the decoded length, or -1 for an escape this
 * code does not decode (\u0000) or a malformed one. */
long decode_json_string(const uint8_t *text, size_t len, uint8_t *out);

#endif
