/* SHA-256: see sha256.h. */
#include "sha256.h"

#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t H0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void blocks_portable(uint32_t state[8], const uint8_t *data, size_t blocks) {
    uint32_t w[64];
    while (blocks--) {
        for (int i = 0; i < 16; i++) {
            const uint8_t *p = data + 4 * i;
            w[i] = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
        }
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
        data += 64;
    }
}

typedef void (*blocks_fn)(uint32_t state[8], const uint8_t *data, size_t blocks);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

/* The message schedule and rounds as in Intel's SHA extensions white paper:
 * four rounds per step, the schedule kept in four registers used in turn. */
#define ROUNDS4(msg, k)                                                          \
    do {                                                                         \
        __m128i m_ = _mm_add_epi32((msg), _mm_loadu_si128((const __m128i *)&K[(k)])); \
        state1 = _mm_sha256rnds2_epu32(state1, state0, m_);                     \
        m_ = _mm_shuffle_epi32(m_, 0x0E);                                        \
        state0 = _mm_sha256rnds2_epu32(state0, state1, m_);                     \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_shani(uint32_t state[8], const uint8_t *data, size_t blocks) {
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i state1 = _mm_loadu_si128((const __m128i *)&state[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);            /* CDAB */
    state1 = _mm_shuffle_epi32(state1, 0x1B);      /* EFGH */
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8); /* ABEF */
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);   /* CDGH */
    while (blocks--) {
        __m128i abef = state0, cdgh = state1;
        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 0)), mask);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), mask);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), mask);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), mask);
        ROUNDS4(m0, 0);
        ROUNDS4(m1, 4);
        ROUNDS4(m2, 8);
        ROUNDS4(m3, 12);
/* W[t..t+3] from the four groups before it: msg1 (sigma0), the W[t-7] words, msg2 (sigma1). */
#define NEXT(a, b, c, d) \
    a = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(a, b), _mm_alignr_epi8(d, c, 4)), d)
        for (int k = 16; k < 64; k += 16) {
            NEXT(m0, m1, m2, m3);
            ROUNDS4(m0, k);
            NEXT(m1, m2, m3, m0);
            ROUNDS4(m1, k + 4);
            NEXT(m2, m3, m0, m1);
            ROUNDS4(m2, k + 8);
            NEXT(m3, m0, m1, m2);
            ROUNDS4(m3, k + 12);
        }
#undef NEXT
        state0 = _mm_add_epi32(state0, abef);
        state1 = _mm_add_epi32(state1, cdgh);
        data += 64;
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B);         /* FEBA */
    state1 = _mm_shuffle_epi32(state1, 0xB1);      /* DCHG */
    state0 = _mm_blend_epi16(tmp, state1, 0xF0);   /* DCBA */
    state1 = _mm_alignr_epi8(state1, tmp, 8);      /* ABEF */
    _mm_storeu_si128((__m128i *)&state[0], state0);
    _mm_storeu_si128((__m128i *)&state[4], state1);
}

static int cpu_has_sha(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
        return 0;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 29) & 1; /* CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29] */
}
#else
static int cpu_has_sha(void) { return 0; }
#define blocks_shani blocks_portable
#endif

/* OpenSSL's one-block function, SHA256_Transform(SHA256_CTX *, const unsigned char *),
 * found at run time in the libcrypto that Python's hashlib already loaded (see
 * auditviewer/core/native.py): no OpenSSL headers or library at build time. It uses the
 * best code OpenSSL has for the CPU (SHA extensions, ARMv8 crypto extensions, AVX2,
 * ...). It reads and writes only the eight state words at the start of the context
 * (SHA256_CTX begins with SHA_LONG h[8]); the rest of this buffer, larger than
 * OpenSSL's 112-byte context, is never read. */
typedef void (*openssl_transform_fn)(void *ctx, const unsigned char *data);
static openssl_transform_fn openssl_transform = NULL;

static void blocks_openssl(uint32_t state[8], const uint8_t *data, size_t blocks) {
    struct {
        uint32_t h[8];
        uint32_t rest[56];
    } ctx;
    memcpy(ctx.h, state, sizeof ctx.h);
    while (blocks--) {
        openssl_transform(&ctx, data);
        data += 64;
    }
    memcpy(state, ctx.h, sizeof ctx.h);
}

static blocks_fn blocks = NULL;

static blocks_fn get_blocks(void) {
    if (blocks == NULL)
        blocks = cpu_has_sha() ? blocks_shani : blocks_portable;
    return blocks;
}

int sha256_hardware(void) { return get_blocks() != blocks_portable && get_blocks() != blocks_openssl; }

void sha256_use_hardware(int on) { blocks = (on && cpu_has_sha()) ? blocks_shani : blocks_portable; }

void sha256_use_openssl(void *transform) {
    openssl_transform = (openssl_transform_fn)transform;
    blocks = transform ? blocks_openssl : blocks_portable;
}

const char *sha256_path(void) {
    blocks_fn b = get_blocks();
    return b == blocks_openssl ? "openssl" : b == blocks_portable ? "portable" : "hardware";
}

void sha256_init(sha256_ctx *ctx) {
    memcpy(ctx->state, H0, sizeof H0);
    ctx->buflen = 0;
    ctx->total = 0;
}

void sha256_update(sha256_ctx *ctx, const uint8_t *data, size_t len) {
    blocks_fn run = get_blocks();
    ctx->total += len;
    if (ctx->buflen) {
        size_t take = 64 - ctx->buflen;
        if (take > len)
            take = len;
        memcpy(ctx->buf + ctx->buflen, data, take);
        ctx->buflen += take;
        data += take;
        len -= take;
        if (ctx->buflen < 64)
            return;
        run(ctx->state, ctx->buf, 1);
        ctx->buflen = 0;
    }
    if (len >= 64) {
        run(ctx->state, data, len / 64);
        data += len & ~(size_t)63;
        len &= 63;
    }
    if (len) {
        memcpy(ctx->buf, data, len);
        ctx->buflen = len;
    }
}

void sha256_final(sha256_ctx *ctx, uint8_t out[32]) {
    uint64_t bits = ctx->total * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (ctx->buflen < 56) ? 56 - ctx->buflen : 120 - ctx->buflen;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    uint64_t total = ctx->total;
    sha256_update(ctx, pad, padlen + 8);
    ctx->total = total;
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(ctx->state[i] >> 24);
        out[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
        out[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
        out[4 * i + 3] = (uint8_t)ctx->state[i];
    }
}

void sha256_prefixed(uint8_t prefix, const uint8_t *data, size_t len, uint8_t out[32]) {
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, &prefix, 1);
    sha256_update(&ctx, data, len);
    sha256_final(&ctx, out);
}

void sha256_node(uint8_t head[32], const uint8_t leaf_hash[32]) {
    /* 65 bytes of message: two blocks, built directly. */
    uint8_t block[128] = {0};
    uint32_t state[8];
    block[0] = 0x01;
    memcpy(block + 1, head, 32);
    memcpy(block + 33, leaf_hash, 32);
    block[65] = 0x80;
    block[126] = (65 * 8) >> 8;
    block[127] = (uint8_t)(65 * 8);
    memcpy(state, H0, sizeof H0);
    get_blocks()(state, block, 2);
    for (int i = 0; i < 8; i++) {
        head[4 * i] = (uint8_t)(state[i] >> 24);
        head[4 * i + 1] = (uint8_t)(state[i] >> 16);
        head[4 * i + 2] = (uint8_t)(state[i] >> 8);
        head[4 * i + 3] = (uint8_t)state[i];
    }
}
