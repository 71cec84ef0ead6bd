/* SHA-256 (FIPS 180-4) for the leaf hashes and chain heads of spec section 3.
 *
 * Three block functions: the x86 SHA extensions (SHA-NI) when the CPU has them,
 * checked once at run time; otherwise OpenSSL's, when auditviewer/core/native.py finds it
 * in the libcrypto hashlib loaded (never slower than hashlib); portable C as the last
 * resort. All are tested against hashlib (tests/unit/core/test_native.py,
 * tests/unit/core/test_sha_path.py), by switching SHA-NI off.
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

/* Where the CPU has no SHA instructions this code can use, OpenSSL's block function
 * (SHA256_Transform, address found by auditviewer/core/native.py in hashlib's libcrypto)
 * takes over from the portable code, which is slower; NULL goes back to portable. */
void sha256_use_openssl(void *transform);

/* "hardware", "openssl" or "portable": the block function in use. */
const char *sha256_path(void);

#endif
