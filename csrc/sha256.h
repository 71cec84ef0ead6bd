/* SHA-256 (FIPS 180-4) for the leaf hashes and chain heads of spec section 3.
 *
 * Two block functions: the x86 SHA extensions (SHA-NI) when the CPU has them,
 * checked once at run time, and portable C otherwise. Both are tested against
 * hashlib (tests/unit/core/test_native.py), the portable one by switching SHA-NI off.
 */
#ifndef AUDITVIEWER_SHA256_H
#define AUDITVIEWER_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t state[8];
    uint8_t buf[64];
    size_t buflen;
    uint64_t total;
} sha256_ctx;

void sha256_init(sha256_ctx *ctx);
void sha256_update(sha256_ctx *ctx, const uint8_t *data, size_t len);
void sha256_final(sha256_ctx *ctx, uint8_t out[32]);

/* SHA-256(prefix || data): the leaf hash when prefix is 0x00. */
void sha256_prefixed(uint8_t prefix, const uint8_t *data, size_t len, uint8_t out[32]);

/* SHA-256(0x01 || head || leaf_hash), written over head. */
void sha256_node(uint8_t head[32], const uint8_t leaf_hash[32]);

/* 1 when SHA-NI is used; sha256_use_hardware(0) forces the portable code (tests). */
int sha256_hardware(void);
void sha256_use_hardware(int on);

#endif
