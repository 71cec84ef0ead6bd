/* A mutation fuzzer for the C entry check (csrc/entry_check.c) and SHA-256, built with
 * AddressSanitizer and UndefinedBehaviorSanitizer by tools/fuzz_native.py.
 *
 * Each input is mutated from a corpus of valid and hostile entries and copied into a
 * heap buffer of exactly its length (no terminator), so any read past a leaf's end
 * lands in ASan's redzone. What an input is *judged* is the differential tests' job
 * (tests/unit/core/test_native.py, against the Python check); this finds crashes, reads
 * out of bounds, overflows and undefined behaviour on hostile bytes.
 *
 * usage: fuzz_native ITERATIONS SEED
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry_check.h"
#include "sha256.h"

static const char *CORPUS[] = {
    "{\"action\":\"Update\",\"actor\":{\"email\":\"a@b.example\",\"type\":\"user\"},\"category\":\"Nakama Deployment\","
    "\"id\":\"evt_1\",\"metadata\":{\"after\":{\"image\":\"3.22.0\"},\"before\":{\"image\":\"3.21.0\"},\"n\":[1,2.5e-3,-0,true,false,null]},"
    "\"resource\":{\"id\":\"d1\",\"name\":\"prod\",\"type\":\"nakama_deployment\"},\"seq\":12345,\"time\":\"2026-09-14T08:31:22.512Z\","
    "\"title\":null}",
    "{\"seq\":0,\"id\":\"\",\"time\":\"\",\"category\":\"\",\"action\":\"\",\"actor\":{},\"metadata\":{}}",
    "{ \"seq\" : 9223372036854775807 , \"id\" : \"\\u00e9\\ud83d\\ude00\" , \"time\" : \"x\" , \"category\" : \"c\" ,"
    " \"action\" : \"a\" , \"actor\" : { } , \"metadata\" : { \"k\" : [ [ [ { } ] ] ] } } \r",
    "{\"seq\":1,\"id\":\"\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80\",\"time\":\"t\",\"category\":\"c\",\"action\":\"a\",\"actor\":{\"x\":1},"
    "\"metadata\":{\"a\":1,\"a\":2}}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]",
    "{\"seq\":1e999,\"x\":\"\\",
    "",
};

static const char *TOKENS[] = {"{", "}", "[", "]", "\"", "\\", ":", ",", "\\u", "\\ud800", "0", "-", "1e", ".",
                               "true", "null", "\xc3", "\xed\xa0\x80", "\xf4\x90", "\xff", "\x01", " ", "\"seq\":",
                               "\"time\":\"", "\"metadata\":{", "\"k\":1,\"k\":2"};

static uint64_t state;

static uint64_t next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap) {
    int edits = 1 + (int)(next() % 6);
    for (int e = 0; e < edits; e++) {
        size_t at = len ? next() % (len + 1) : 0;
        switch (next() % 6) {
        case 0: /* flip a byte */
            if (at < len)
                buf[at] = (uint8_t)next();
            break;
        case 1: { /* insert a token */
            const char *t = TOKENS[next() % (sizeof TOKENS / sizeof *TOKENS)];
            size_t n = strlen(t);
            if (len + n <= cap) {
                memmove(buf + at + n, buf + at, len - at);
                memcpy(buf + at, t, n);
                len += n;
            }
            break;
        }
        case 2: { /* delete a range */
            size_t n = 1 + next() % 16;
            if (at + n <= len) {
                memmove(buf + at, buf + at + n, len - at - n);
                len -= n;
            }
            break;
        }
        case 3: { /* duplicate a range */
            size_t n = 1 + next() % 64;
            if (at + n <= len && len + n <= cap) {
                memmove(buf + at + n, buf + at, len - at);
                len += n;
            }
            break;
        }
        case 4: /* truncate */
            len = at;
            break;
        default: /* a random byte anywhere */
            if (len < cap) {
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = (uint8_t)next();
                len++;
            }
        }
    }
    return len;
}

/* An entry whose metadata has more than MAX_KEYS (256) keys: their duplicates are found
 * by sorting (has_duplicate_key), a path the short corpus entries never reach. */
static char MANY[6000];

static void build_many(void) {
    size_t at = (size_t)snprintf(MANY, sizeof MANY,
                                 "{\"action\":\"a\",\"actor\":{},\"category\":\"c\",\"id\":\"i\",\"metadata\":{");
    for (int k = 0; k < 400 && at < sizeof MANY - 200; k++)
        at += (size_t)snprintf(MANY + at, sizeof MANY - at, "%s\"%x\":%d", k ? "," : "", k * 7, k % 3);
    snprintf(MANY + at, sizeof MANY - at, "},\"seq\":7,\"time\":\"2026-09-14T08:31:22.512Z\"}");
}

int main(int argc, char **argv) {
    long iterations = argc > 1 ? atol(argv[1]) : 1000000;
    state = argc > 2 ? strtoull(argv[2], NULL, 10) * 2654435761u + 1 : 88172645463325252ULL;
    build_many();
    enum { CAP = 8192 };
    uint8_t *work = malloc(CAP);
    key_pool pool = {0};
    long accepted = 0;
    uint64_t digest_mix = 0;
    for (long i = 0; i < iterations; i++) {
        const char *seed = next() % 4 == 0 ? MANY : CORPUS[next() % (sizeof CORPUS / sizeof *CORPUS)];
        size_t len = strlen(seed);
        memcpy(work, seed, len);
        len = mutate(work, len, CAP);
        uint8_t *leaf = malloc(len ? len : 1);
        memcpy(leaf, work, len);
        entry_fields fields;
        int depth = 1 + (int)(next() % 70);
        size_t limit = next() % 4 ? (size_t)1 << 20 : next() % 600;
        if (entry_check(leaf, len, limit, depth, &pool, &fields)) {
            accepted++;
            if (fields.seq < 0 || (fields.time_start >= 0 && (size_t)fields.time_start + (size_t)fields.time_len > len)) {
                fprintf(stderr, "accepted with bad fields at iteration %ld\n", i);
                return 1;
            }
        }
        uint8_t out[32];
        sha256_prefixed(0, leaf, len, out);
        sha256_node(out, out);
        digest_mix ^= out[0];
        free(leaf);
    }
    key_pool_free(&pool);
    free(work);
    printf("%ld inputs, %ld accepted, no fault (mix %llu)\n", iterations, accepted, (unsigned long long)digest_mix);
    return 0;
}
