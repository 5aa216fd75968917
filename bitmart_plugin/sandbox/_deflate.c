/* Raw DEFLATE (RFC 1951) of one small WebSocket push as one final block: the sandbox's compressor.
 *
 * A depth push is ~200 bytes. zlib and ISA-L spend most of their time on such inputs setting up
 * (zlib: clearing its tables; ISA-L: building its Huffman tables, ~20% of the sandbox's instructions
 * per agent action at 1,000 pairs). This encoder does only what a short input needs: greedy LZ77 over
 * a small hash chain, Huffman codes built from the block's own symbol counts (limited to 15 and 7 bits
 * by flattening the counts), and whichever of a dynamic, fixed or stored block is smallest. Inputs are
 * limited to MAX_PUSH bytes (the Python side sends longer ones to zlib). Any inflater reads the result;
 * tests/sandbox/test_deflate.py reads every frame back with zlib.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_PUSH 65535
#define WINDOW 32768
#define HASH_BITS 12
#define HASH_SIZE (1 << HASH_BITS)
#define MAX_CHAIN 8
#define MIN_MATCH 3
#define MAX_MATCH 258
#define LIT_CODES 286
#define DIST_CODES 30
#define CL_CODES 19

static const uint16_t LEN_BASE[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                      35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t LEN_EXTRA[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                      3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t DIST_BASE[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                       257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                       8193, 12289, 16385, 24577};
static const uint8_t DIST_EXTRA[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                       7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
static const uint8_t CL_ORDER[CL_CODES] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

static uint8_t len_code_of[MAX_MATCH + 1]; /* match length -> index into LEN_BASE (filled at import) */

typedef struct {
    uint16_t len;  /* a literal byte when dist == 0, else a match length */
    uint16_t dist;
    uint8_t lc;    /* a match's length code (index into LEN_BASE) and distance code */
    uint8_t dc;
} Token;

static uint8_t dist_code_of[512]; /* distances 1-256 by d-1, larger ones by 256 + ((d-1) >> 7) (zlib's trick) */

static inline int dist_code(int dist) {
    return dist <= 256 ? dist_code_of[dist - 1] : dist_code_of[256 + ((dist - 1) >> 7)];
}

/* ---- Huffman codes --------------------------------------------------------------------------
 * A push uses a few dozen of the 286 literal/length symbols, so the trees are built from the list of
 * used symbols (ascending), never by passes over whole alphabets. */

typedef struct {
    uint32_t freq;
    uint16_t sym;
} Leaf;

static int leaf_cmp(const void *a, const void *b) {
    const Leaf *x = a, *y = b;
    if (x->freq != y->freq) return x->freq < y->freq ? -1 : 1;
    return (int)x->sym - (int)y->sym;
}

typedef struct {
    uint16_t used[LIT_CODES]; /* the used symbols, ascending */
    uint32_t w[LIT_CODES];    /* their counts (a dummy's: 1) */
    int n;                    /* how many */
    uint8_t len[LIT_CODES];   /* code length by symbol (valid for used symbols) */
    uint16_t code[LIT_CODES]; /* bit-reversed code by symbol (valid for used symbols) */
} Tree;

/* The used symbols of `freq` (size `n`); fewer than two get dummies (0, then 1, with count 1) so every
 * code is complete, as zlib's own trees are. */
static void tree_symbols(Tree *t, const uint32_t *freq, int n) {
    t->n = 0;
    int s = 0;
    for (; s + 4 <= n; s += 4) {  /* most symbols are unused: skip them four at a time */
        uint64_t lo, hi;
        memcpy(&lo, freq + s, 8);
        memcpy(&hi, freq + s + 2, 8);
        if (!(lo | hi)) continue;
        for (int k = s; k < s + 4; k++) {
            if (freq[k]) {
                t->w[t->n] = freq[k];
                t->used[t->n++] = (uint16_t)k;
            }
        }
    }
    for (; s < n; s++) {
        if (freq[s]) {
            t->w[t->n] = freq[s];
            t->used[t->n++] = (uint16_t)s;
        }
    }
    for (int s = 0; t->n < 2 && s < n; s++) {
        if (freq[s]) continue;
        int k = t->n++;
        while (k > 0 && t->used[k - 1] > s) {
            t->used[k] = t->used[k - 1];
            t->w[k] = t->w[k - 1];
            k--;
        }
        t->used[k] = (uint16_t)s;
        t->w[k] = 1;
    }
}

/* Code lengths of the used symbols, none longer than `maxbits` (counts are flattened until it holds). */
static void tree_lengths(Tree *t, int maxbits) {
    uint32_t freq[LIT_CODES], weight[2 * LIT_CODES];
    Leaf leaves[LIT_CODES];
    int parent[2 * LIT_CODES];
    uint8_t depth[2 * LIT_CODES];
    uint16_t count[257];
    int m = t->n;
    if (m < 2) return; /* not reached: tree_symbols gives every tree two symbols at least */
    memcpy(freq, t->w, sizeof(uint32_t) * m);
    for (;;) {
        uint32_t top = 0;
        for (int k = 0; k < m; k++) top = freq[k] > top ? freq[k] : top;
        if (top <= 256) {  /* a counting sort by count (stable: symbols stay ascending) */
            memset(count, 0, sizeof(uint16_t) * (top + 1));
            for (int k = 0; k < m; k++) count[freq[k]]++;
            int at = 0;
            for (uint32_t f = 1; f <= top; f++) {
                int c = count[f];
                count[f] = (uint16_t)at;
                at += c;
            }
            for (int k = 0; k < m; k++) {
                int x = count[freq[k]]++;
                leaves[x].freq = freq[k];
                leaves[x].sym = (uint16_t)k; /* index into used */
            }
        } else {
            for (int k = 0; k < m; k++) {
                leaves[k].freq = freq[k];
                leaves[k].sym = (uint16_t)k;
            }
            qsort(leaves, m, sizeof(Leaf), leaf_cmp);
        }
        /* two-queue Huffman: leaves 0..m-1 ascending, internal nodes m..2m-2 made in ascending order */
        for (int i = 0; i < m; i++) weight[i] = leaves[i].freq;
        int li = 0, ii = m, next = m;
        for (int k = 0; k < m - 1; k++) {
            int pick[2];
            for (int x = 0; x < 2; x++) {
                if (li < m && (ii >= next || weight[li] <= weight[ii])) pick[x] = li++;
                else pick[x] = ii++;
            }
            weight[next] = weight[pick[0]] + weight[pick[1]];
            parent[pick[0]] = parent[pick[1]] = next;
            next++;
        }
        int root = 2 * m - 2, longest = 0;
        depth[root] = 0;
        for (int i = root - 1; i >= 0; i--) depth[i] = (uint8_t)(depth[parent[i]] + 1);
        for (int i = 0; i < m; i++) {
            t->len[t->used[leaves[i].sym]] = depth[i];
            if (depth[i] > longest) longest = depth[i];
        }
        if (longest <= maxbits) return;
        for (int k = 0; k < m; k++) freq[k] = (freq[k] >> 1) | 1; /* too deep: flatten, build again */
    }
}

static uint8_t REV8[256]; /* bit-reversed bytes (filled at import) */

static inline uint16_t reverse(uint16_t v, int bits) {
    return (uint16_t)(((REV8[v & 0xFF] << 8) | REV8[v >> 8]) >> (16 - bits));
}

/* Canonical codes (RFC 1951 §3.2.2) of the used symbols, bit-reversed for LSB-first output. */
static void tree_codes(Tree *t) {
    uint16_t count[16] = {0}, next[16];
    for (int k = 0; k < t->n; k++) count[t->len[t->used[k]]]++;
    uint16_t c = 0;
    for (int b = 1; b < 16; b++) {
        c = (uint16_t)((c + count[b - 1]) << 1);
        next[b] = c;
    }
    for (int k = 0; k < t->n; k++) {
        int s = t->used[k], l = t->len[s];
        t->code[s] = reverse(next[l]++, l);
    }
}

/* Build a tree from counts (`n` symbols, codes up to `maxbits`). */
static void tree_build(Tree *t, const uint32_t *freq, int n, int maxbits) {
    tree_symbols(t, freq, n);
    tree_lengths(t, maxbits);
    tree_codes(t);
}

/* ---- output --------------------------------------------------------------------------------- */

typedef struct {
    uint8_t *out;
    size_t pos;
    uint64_t acc;
    int nbits;
} Bits;

/* Append the `n` (at most 32) low bits of `bits`; whole 32-bit words go out as they fill. */
static inline void put(Bits *w, uint32_t bits, int n) {
    w->acc |= (uint64_t)bits << w->nbits;
    w->nbits += n;
    if (w->nbits >= 32) {
        uint8_t *o = w->out + w->pos;
        o[0] = (uint8_t)w->acc;
        o[1] = (uint8_t)(w->acc >> 8);
        o[2] = (uint8_t)(w->acc >> 16);
        o[3] = (uint8_t)(w->acc >> 24);
        w->pos += 4;
        w->acc >>= 32;
        w->nbits -= 32;
    }
}

/* Write out the pending bits, the last byte padded with zeros. */
static void flush_bits(Bits *w) {
    while (w->nbits > 0) {
        w->out[w->pos++] = (uint8_t)w->acc;
        w->acc >>= 8;
        w->nbits -= 8;
    }
    w->nbits = 0;
}

static const uint8_t FIXED_DIST_LEN = 5;

static int fixed_lit_len(int sym) {
    return sym < 144 ? 8 : sym < 256 ? 9 : sym < 280 ? 7 : 8;
}

static uint16_t fixed_lit_code(int sym) {
    int base, code, l = fixed_lit_len(sym);
    if (sym < 144) { base = 0; code = 0x30; }
    else if (sym < 256) { base = 144; code = 0x190; }
    else if (sym < 280) { base = 256; code = 0; }
    else { base = 280; code = 0xC0; }
    return reverse((uint16_t)(code + sym - base), l);
}

static uint16_t FIXED_LIT_CODE[288];
static uint8_t FIXED_LIT_LEN[288];
static uint16_t FIXED_DIST_CODE[30];

static void write_tokens(Bits *w, const Token *tok, size_t ntok, const uint16_t *lcode, const uint8_t *llen,
                         const uint16_t *dcode, const uint8_t *dlen) {
    for (size_t t = 0; t < ntok; t++) {
        const Token *k = &tok[t];
        if (!k->dist) {
            put(w, lcode[k->len], llen[k->len]);
            continue;
        }
        put(w, lcode[257 + k->lc], llen[257 + k->lc]);
        if (LEN_EXTRA[k->lc]) put(w, k->len - LEN_BASE[k->lc], LEN_EXTRA[k->lc]);
        put(w, dcode[k->dc], dlen[k->dc]);
        if (DIST_EXTRA[k->dc]) put(w, k->dist - DIST_BASE[k->dc], DIST_EXTRA[k->dc]);
    }
    put(w, lcode[256], llen[256]);
}

/* Code-length symbols (RFC 1951 §3.2.7) for `count` lengths of `v`, or for a run of zeros (v == 0). */
typedef struct {
    uint8_t sym[LIT_CODES + DIST_CODES];
    uint8_t extra[LIT_CODES + DIST_CODES];
    int n;
} ClSeq;

static inline void cl_put(ClSeq *q, int sym, int extra) {
    q->sym[q->n] = (uint8_t)sym;
    q->extra[q->n++] = (uint8_t)extra;
}

static void cl_run(ClSeq *q, int v, int count) {
    if (v == 0) {
        while (count >= 11) {
            int r = count < 138 ? count : 138;
            cl_put(q, 18, r - 11);
            count -= r;
        }
        if (count >= 3) {
            cl_put(q, 17, count - 3);
            count = 0;
        }
    } else {
        cl_put(q, v, 0);
        count--;
        while (count >= 3) {
            int r = count < 6 ? count : 6;
            cl_put(q, 16, r - 3);
            count -= r;
        }
    }
    while (count-- > 0) cl_put(q, v, 0);
}

/* The code lengths of both trees as one sequence (literal/length 0..hlit-1, then distance 0..hdist-1),
 * run-length coded from the used symbols alone: the gaps between them are the runs of zeros. */
static void cl_sequence(ClSeq *q, const Tree *lit, const Tree *dist, int hlit) {
    int at = 0;              /* positions before `at` are written or in the pending run */
    int run_v = 0, run_n = 0; /* the pending run of equal (nonzero) lengths, ending at `at` */
    q->n = 0;
    for (int pass = 0; pass < 2; pass++) {
        const Tree *t = pass ? dist : lit;
        int base = pass ? hlit : 0;
        for (int k = 0; k < t->n; k++) {
            int pos = base + t->used[k], v = t->len[t->used[k]];
            if (run_n && pos == at && v == run_v) {
                run_n++;
                at++;
                continue;
            }
            if (run_n) cl_run(q, run_v, run_n);
            if (pos > at) cl_run(q, 0, pos - at);
            run_v = v;
            run_n = 1;
            at = pos + 1;
        }
    }
    if (run_n) cl_run(q, run_v, run_n);
}

/* ---- the encoder ------------------------------------------------------------------------------ */

static inline uint32_t hash3(const uint8_t *p) {
    uint32_t v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* hash3 of the bytes at `i` of `data` (`n` long): one 4-byte load where a fourth byte is there to read
 * (little-endian machines), the same 24 bits as hash3's three loads. */
static inline uint32_t hash_at(const uint8_t *data, size_t i, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (__builtin_expect(i + 4 <= n, 1)) {  /* all but the last position (unhinted: +220 instr a push) */
        uint32_t v;
        memcpy(&v, data + i, 4);
        return ((v & 0xFFFFFFu) * 2654435761u) >> (32 - HASH_BITS);
    }
#else
    (void)n;
#endif
    return hash3(data + i);
}

/* How many bytes `a` and `b` have in common from the start, up to `maxl` (8 at a time where the
 * machine is little-endian and the compiler has ctz: the first differing byte is the lowest set one). */
static inline size_t common_length(const uint8_t *a, const uint8_t *b, size_t maxl) {
    size_t l = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (l + 8 <= maxl) {
        uint64_t x, y;
        memcpy(&x, a + l, 8);
        memcpy(&y, b + l, 8);
        if (x != y) return l + ((size_t)__builtin_ctzll(x ^ y) >> 3);
        l += 8;
    }
#endif
    while (l < maxl && a[l] == b[l]) l++;
    return l;
}

static size_t lz77(const uint8_t *data, size_t n, Token *tok, uint16_t *prev) {
    uint16_t head[HASH_SIZE]; /* position + 1 of the latest occurrence; 0: none */
    memset(head, 0, sizeof(head));
    size_t i = 0, ntok = 0;
    while (i < n) {
        size_t best = 0, best_dist = 0;
        if (i + MIN_MATCH <= n) {
            uint32_t h = hash_at(data, i, n);
            size_t maxl = n - i < MAX_MATCH ? n - i : MAX_MATCH;
            unsigned cand = head[h];
            for (int chain = MAX_CHAIN; cand && chain > 0; chain--) {
                size_t p = cand - 1, dist = i - p;
                if (dist > WINDOW) break;
                if (data[p + best] == data[i + best] || best == 0) {
                    size_t l = common_length(data + p, data + i, maxl);
                    if (l > best) {
                        best = l;
                        best_dist = dist;
                        if (l == maxl) break;
                    }
                }
                cand = prev[p];
            }
            prev[i] = head[h];
            head[h] = (uint16_t)(i + 1);
        }
        if (best >= MIN_MATCH) {
            tok[ntok].len = (uint16_t)best;
            tok[ntok].dist = (uint16_t)best_dist;
            ntok++;
            for (size_t k = i + 1; k < i + best; k++) {
                if (k + MIN_MATCH <= n) {
                    uint32_t h = hash_at(data, k, n);
                    prev[k] = head[h];
                    head[h] = (uint16_t)(k + 1);
                }
            }
            i += best;
        } else {
            tok[ntok].len = data[i];
            tok[ntok].dist = 0;
            ntok++;
            i++;
        }
    }
    return ntok;
}

static PyObject *deflate_compress(PyObject *self, PyObject *arg) {
    (void)self;
    Py_buffer buf;
    if (PyObject_GetBuffer(arg, &buf, PyBUF_SIMPLE) < 0) return NULL;
    if (buf.len > MAX_PUSH) {
        PyBuffer_Release(&buf);
        PyErr_SetString(PyExc_OverflowError, "input longer than 65535 bytes");
        return NULL;
    }
    const uint8_t *data = buf.buf;
    size_t n = (size_t)buf.len;
    Token *tok = PyMem_Malloc(sizeof(Token) * (n + 1));
    uint16_t *prev = PyMem_Malloc(sizeof(uint16_t) * (n + 1));
    if (!tok || !prev) {
        PyMem_Free(tok);
        PyMem_Free(prev);
        PyBuffer_Release(&buf);
        return PyErr_NoMemory();
    }
    size_t ntok = lz77(data, n, tok, prev);
    PyMem_Free(prev);

    /* symbol counts and the fixed block's size */
    uint32_t lfreq[LIT_CODES] = {0}, dfreq[DIST_CODES] = {0}, clfreq[CL_CODES] = {0};
    uint64_t extra_bits = 0, fixed_bits = 3;
    for (size_t t = 0; t < ntok; t++) {
        Token *k = &tok[t];
        if (!k->dist) {
            lfreq[k->len]++;
            fixed_bits += FIXED_LIT_LEN[k->len];
            continue;
        }
        k->lc = len_code_of[k->len];
        k->dc = (uint8_t)dist_code(k->dist);
        lfreq[257 + k->lc]++;
        dfreq[k->dc]++;
        extra_bits += LEN_EXTRA[k->lc] + DIST_EXTRA[k->dc];
        fixed_bits += FIXED_LIT_LEN[257 + k->lc] + FIXED_DIST_LEN;
    }
    lfreq[256] = 1;
    fixed_bits += extra_bits + FIXED_LIT_LEN[256];

    /* the dynamic block: trees, their run-length coded lengths, the code-length code */
    Tree lit, dist, cl;
    ClSeq seq;
    tree_build(&lit, lfreq, LIT_CODES, 15);
    tree_build(&dist, dfreq, DIST_CODES, 15);
    int hlit = lit.used[lit.n - 1] + 1, hdist = dist.used[dist.n - 1] + 1;
    cl_sequence(&seq, &lit, &dist, hlit);
    for (int k = 0; k < seq.n; k++) clfreq[seq.sym[k]]++;
    tree_build(&cl, clfreq, CL_CODES, 7);
    uint8_t cllen[CL_CODES] = {0};
    for (int k = 0; k < cl.n; k++) cllen[cl.used[k]] = cl.len[cl.used[k]];
    int hclen = CL_CODES;
    while (hclen > 4 && !cllen[CL_ORDER[hclen - 1]]) hclen--;
    uint64_t dyn_bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)hclen + extra_bits;
    for (int k = 0; k < seq.n; k++) {
        int c = seq.sym[k];
        dyn_bits += cllen[c] + (c == 16 ? 2 : c == 17 ? 3 : c == 18 ? 7 : 0);
    }
    for (int k = 0; k < lit.n; k++) dyn_bits += (uint64_t)lfreq[lit.used[k]] * lit.len[lit.used[k]];
    for (int k = 0; k < dist.n; k++) dyn_bits += (uint64_t)dfreq[dist.used[k]] * dist.len[dist.used[k]];
    uint64_t stored_bits = 8 * (uint64_t)(5 + n);

    uint64_t bits = dyn_bits;
    int kind = 2;
    if (fixed_bits < bits) { bits = fixed_bits; kind = 1; }
    if (stored_bits < bits) { bits = stored_bits; kind = 0; }
    PyObject *res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((bits + 7) / 8));
    if (!res) {
        PyMem_Free(tok);
        PyBuffer_Release(&buf);
        return NULL;
    }
    Bits w = {(uint8_t *)PyBytes_AS_STRING(res), 0, 0, 0};
    if (kind == 0) {
        put(&w, 1, 3);  /* BFINAL, BTYPE 00 */
        put(&w, 0, 5);  /* to the byte boundary */
        put(&w, (uint32_t)n, 16);
        put(&w, (uint32_t)(~n & 0xFFFF), 16);
        flush_bits(&w);
        memcpy(w.out + w.pos, data, n);
        w.pos += n;
    } else if (kind == 1) {
        put(&w, 1 | (1 << 1), 3);  /* BFINAL, BTYPE 01 */
        write_tokens(&w, tok, ntok, FIXED_LIT_CODE, FIXED_LIT_LEN, FIXED_DIST_CODE, (const uint8_t[30]){
            5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5});
    } else {
        put(&w, 1 | (2 << 1), 3);  /* BFINAL, BTYPE 10 */
        put(&w, (uint32_t)(hlit - 257), 5);
        put(&w, (uint32_t)(hdist - 1), 5);
        put(&w, (uint32_t)(hclen - 4), 4);
        for (int k = 0; k < hclen; k++) put(&w, cllen[CL_ORDER[k]], 3);
        for (int k = 0; k < seq.n; k++) {
            int c = seq.sym[k];
            put(&w, cl.code[c], cl.len[c]);
            if (c == 16) put(&w, seq.extra[k], 2);
            else if (c == 17) put(&w, seq.extra[k], 3);
            else if (c == 18) put(&w, seq.extra[k], 7);
        }
        write_tokens(&w, tok, ntok, lit.code, lit.len, dist.code, dist.len);
    }
    flush_bits(&w);
    PyMem_Free(tok);
    PyBuffer_Release(&buf);
    if (w.pos != (size_t)PyBytes_GET_SIZE(res)) {  /* the size computed above and the bits written disagree */
        Py_DECREF(res);
        PyErr_SetString(PyExc_SystemError, "_deflate: block size mismatch");
        return NULL;
    }
    return res;
}

static PyMethodDef methods[] = {
    {"compress", deflate_compress, METH_O,
     "compress(data) -> bytes: one raw-deflate stream (wbits -15) of data (at most 65535 bytes)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_deflate",
                                    "Raw DEFLATE of small pushes (see _deflate.c).", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__deflate(void) {
    for (int b = 0; b < 256; b++) {
        int r = 0;
        for (int k = 0; k < 8; k++) r |= ((b >> k) & 1) << (7 - k);
        REV8[b] = (uint8_t)r;
    }
    for (int c = 0; c < 29; c++) {
        int hi = c == 28 ? MAX_MATCH : LEN_BASE[c + 1] - 1;
        if (c == 27) hi = 257;
        for (int l = LEN_BASE[c]; l <= hi; l++) len_code_of[l] = (uint8_t)c;
    }
    for (int c = 0; c < 30; c++) {
        int hi = DIST_BASE[c] + (1 << DIST_EXTRA[c]) - 1;
        for (int d = DIST_BASE[c]; d <= hi; d++) {
            if (d <= 256) dist_code_of[d - 1] = (uint8_t)c;
            else dist_code_of[256 + ((d - 1) >> 7)] = (uint8_t)c;
        }
    }
    for (int s = 0; s < 288; s++) {
        FIXED_LIT_LEN[s] = (uint8_t)fixed_lit_len(s);
        FIXED_LIT_CODE[s] = fixed_lit_code(s);
    }
    for (int d = 0; d < 30; d++) FIXED_DIST_CODE[d] = reverse((uint16_t)d, 5);
    return PyModule_Create(&module);
}
