/* A decoder specialised for BitMart's spot depth push (bitmart_plugin/ws/public.py's fast path).
 *
 * decode(payload: bytes, table: bytes[, spellings: Spellings]) -> (symbol, snapshot, version, ms_t, bids, asks) | None
 *
 * It reads one inflated frame of the shape
 *   {"data":[{"asks":[["p","s"],...],"bids":[...],"ms_t":N,"symbol":"S","type":"update"|"snapshot","version":N}],
 *    "table":"<table>"}
 * (keys in any order, JSON whitespace anywhere between tokens, "ms_t" optional: 0 when absent) and returns
 * its fields: symbol (str), snapshot (bool), version and ms_t (int), bids and asks (lists of (price, size)
 * str tuples, in order). It answers None for anything else, and the caller decodes that frame with a
 * general JSON parser: a frame it does not fully understand is never half-read here.
 *
 * What it takes is a strict subset of JSON, chosen so that its answer always equals what a JSON parser
 * gives for the same bytes (tests/connector/test_depth_decoder.py checks this against orjson):
 * strings are ASCII with no escapes or control characters; numbers are unsigned integers of at most
 * 18 digits without a leading zero, fraction or exponent; no key appears twice; no other key; exactly
 * one item in "data"; nothing after the closing brace but whitespace. Values are not judged here (an
 * empty or odd price is passed on): the book validates every level it applies.
 *
 * Spellings(slots=8192) is a bounded table of the price strings decoded lately, kept by whoever decodes a
 * stream (one per PublicStreams). Given one, decode answers a price it has seen with the very str it answered
 * before instead of a new one: a book mostly changes the sizes of prices it holds, and an answered str whose
 * hash is already cached and which is the dict's own key is found by the book's store at a pointer comparison,
 * without hashing or comparing its characters, nor allocating and freeing it. Equal strs either way: callers
 * cannot tell, but for speed. A slot holds the last str that hashed to it (a collision replaces it).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const char *p, *end;
} Cursor;

static inline void skip_ws(Cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t')) {
        c->p++;
    }
}

/* Consume `ch` after optional whitespace: 1 if it was there. */
static inline int take(Cursor *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {  /* BitMart sends no whitespace: look before skipping any */
        c->p++;
        return 1;
    }
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* 1 for the bytes a plain string may hold: ASCII from 0x20, but the quote and the backslash. */
static const unsigned char PLAIN[256] = {
    ['\x20'] = 1, 1, 0 /* " */, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* \\ */, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* A plain string (ASCII, no escape, no control character): its bytes in *s, *n. 1 if read. */
static inline int plain_string(Cursor *c, const char **s, Py_ssize_t *n)
{
    if (!take(c, '"')) {
        return 0;
    }
    const char *start = c->p, *end = c->end, *p = start;
    while (p < end && PLAIN[(unsigned char)*p]) {
        p++;
    }
    if (p == end || *p != '"') {
        return 0;
    }
    *s = start;
    *n = p - start;
    c->p = p + 1;
    return 1;
}

/* An unsigned integer: no sign, no leading zero, no fraction or exponent, at most 18 digits. 1 if read. */
static inline int plain_uint(Cursor *c, long long *value)
{
    skip_ws(c);
    const char *start = c->p;
    long long v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        v = v * 10 + (*c->p - '0');
        c->p++;
        if (c->p - start > 18) {
            return 0;
        }
    }
    Py_ssize_t digits = c->p - start;
    if (digits == 0 || (digits > 1 && *start == '0')) {
        return 0;
    }
    if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E')) {
        return 0;
    }
    *value = v;
    return 1;
}

static inline PyObject *ascii_str(const char *s, Py_ssize_t n)
{
    PyObject *out = PyUnicode_New(n, 127);
    if (out != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(out), s, (size_t)n);
    }
    return out;
}

typedef struct {
    PyObject_HEAD
    size_t mask;        /* slots - 1; slots is a power of two */
    PyObject **slots;   /* an exact ASCII str (its hash computed) or NULL */
} Spellings;

#define LONGEST_SPELLING 40  /* a longer string is answered new, never kept */

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

/* 1 if the n bytes at a and b are equal (both have n readable bytes). */
static inline int same_bytes(const char *a, const char *b, Py_ssize_t n)
{
    if (n >= 8) {  /* whole 8-byte words, then the last 8 bytes (overlapping the words already compared) */
        uint64_t x, y;
        for (Py_ssize_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y) {
                return 0;
            }
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            return 0;
        }
    }
    return 1;
}

/* The str of the n bytes at s (plain ASCII; h: their FNV-1a hash), from `sp` when it holds it; a new
 * reference, NULL on error. */
static inline PyObject *spelled(Spellings *sp, const char *s, Py_ssize_t n, uint64_t h)
{
    if (sp == NULL || n > LONGEST_SPELLING) {
        return ascii_str(s, n);
    }
    PyObject **slot = &sp->slots[(size_t)(h ^ (h >> 32)) & sp->mask];
    PyObject *held = *slot;
    if (held != NULL && PyUnicode_GET_LENGTH(held) == n && same_bytes((const char *)PyUnicode_1BYTE_DATA(held), s, n)) {
        return Py_NewRef(held);
    }
    PyObject *fresh = ascii_str(s, n);
    if (fresh == NULL) {
        return NULL;
    }
    (void)PyObject_Hash(fresh);  /* cached in the str: a str's hash cannot fail */
    Py_XSETREF(*slot, Py_NewRef(fresh));
    return fresh;
}

/* A plain string read as a str from `sp` (see spelled). NULL with no error set: not a plain string. */
static inline PyObject *spelled_string(Cursor *c, Spellings *sp)
{
    if (!take(c, '"')) {
        return NULL;
    }
    const char *start = c->p, *end = c->end, *p = start;
    uint64_t h = FNV_OFFSET;
    while (p < end && PLAIN[(unsigned char)*p]) {
        h = (h ^ (unsigned char)*p) * FNV_PRIME;
        p++;
    }
    if (p == end || *p != '"') {
        return NULL;
    }
    c->p = p + 1;
    return spelled(sp, start, p - start, h);
}

static PyObject *spellings_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"slots", NULL};
    Py_ssize_t want = 8192;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|n:Spellings", names, &want)) {
        return NULL;
    }
    if (want < 1 || want > ((Py_ssize_t)1 << 24)) {
        PyErr_SetString(PyExc_ValueError, "Spellings: slots must be 1..16777216");
        return NULL;
    }
    size_t n = 1;
    while (n < (size_t)want) {
        n <<= 1;
    }
    Spellings *sp = (Spellings *)type->tp_alloc(type, 0);
    if (sp == NULL) {
        return NULL;
    }
    sp->slots = PyMem_Calloc(n, sizeof(PyObject *));
    if (sp->slots == NULL) {
        Py_DECREF(sp);
        return PyErr_NoMemory();
    }
    sp->mask = n - 1;
    return (PyObject *)sp;
}

static void spellings_dealloc(Spellings *sp)
{
    if (sp->slots != NULL) {
        for (size_t i = 0; i <= sp->mask; i++) {
            Py_XDECREF(sp->slots[i]);
        }
        PyMem_Free(sp->slots);
    }
    Py_TYPE(sp)->tp_free((PyObject *)sp);
}

static PyObject *spellings_held(Spellings *sp, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t held = 0;
    for (size_t i = 0; sp->slots != NULL && i <= sp->mask; i++) {
        held += sp->slots[i] != NULL;
    }
    return PyLong_FromSsize_t(held);
}

static PyMethodDef spellings_methods[] = {
    {"held", (PyCFunction)spellings_held, METH_NOARGS, "held() -> how many strings the table holds now."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SpellingsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "bitmart_plugin._depthjson.Spellings",
    .tp_basicsize = sizeof(Spellings),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Spellings(slots=8192): the price strings decode() answered lately, answered again as the same objects.",
    .tp_new = spellings_new,
    .tp_dealloc = (destructor)spellings_dealloc,
    .tp_methods = spellings_methods,
};

/* A key then its colon; the key's bytes in *key and *n. */
static inline int key_colon(Cursor *c, const char **key, Py_ssize_t *n)
{
    return plain_string(c, key, n) && take(c, ':');
}

static inline int is_key(const char *key, Py_ssize_t n, const char *want)
{
    return (size_t)n == strlen(want) && memcmp(key, want, (size_t)n) == 0;
}

/* One ["p","s"] pair as a new (p, s) tuple; NULL with no error set: not this shape; with one: failed. */
static inline PyObject *level(Cursor *c, Spellings *sp)
{
    const char *ss;
    Py_ssize_t sn;
    if (!take(c, '[')) {
        return NULL;
    }
    PyObject *price = spelled_string(c, sp);
    if (price == NULL) {
        return NULL;
    }
    if (!(take(c, ',') && plain_string(c, &ss, &sn) && take(c, ']'))) {
        Py_DECREF(price);
        return NULL;
    }
    PyObject *size = ascii_str(ss, sn);
    PyObject *pair = size ? PyTuple_New(2) : NULL;
    if (pair == NULL) {
        Py_DECREF(price);
        Py_XDECREF(size);
        return NULL;
    }
    PyTuple_SET_ITEM(pair, 0, price);
    PyTuple_SET_ITEM(pair, 1, size);
    return pair;
}

#define BATCH 64

/* Move batch[0:n] to the end of `out` (a list), consuming the references. 0 done, -1 error. */
static int flush(PyObject *out, PyObject **batch, Py_ssize_t n)
{
    Py_ssize_t at = PyList_GET_SIZE(out);
    PyObject *tail = PyList_New(n);
    if (tail == NULL) {
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_DECREF(batch[i]);
        }
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyList_SET_ITEM(tail, i, batch[i]);
    }
    int rc = PyList_SetSlice(out, at, at, tail);
    Py_DECREF(tail);
    return rc;
}

/* [["p","s"],...] into a new list of (p, s) tuples. NULL with no error set: not this shape; with one: failed. */
static PyObject *levels(Cursor *c, Spellings *sp)
{
    if (!take(c, '[')) {
        return NULL;
    }
    PyObject *batch[BATCH];
    Py_ssize_t n = 0;
    PyObject *out = NULL;  /* only for a side of more than BATCH levels */
    if (!take(c, ']')) {
        do {
            PyObject *pair = level(c, sp);
            if (pair == NULL) {
                goto fail;
            }
            if (n == BATCH) {
                if (out == NULL && (out = PyList_New(0)) == NULL) {
                    Py_DECREF(pair);
                    goto fail;
                }
                int rc = flush(out, batch, n);  /* consumes the batch either way */
                n = 0;
                if (rc < 0) {
                    Py_DECREF(pair);
                    goto fail;
                }
            }
            batch[n++] = pair;
        } while (take(c, ','));
        if (!take(c, ']')) {
            goto fail;
        }
    }
    if (out == NULL) {
        out = PyList_New(n);
        if (out == NULL) {
            goto fail;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyList_SET_ITEM(out, i, batch[i]);
        }
        return out;
    }
    if (flush(out, batch, n) < 0) {
        n = 0;
        goto fail;
    }
    return out;
fail:
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_DECREF(batch[i]);
    }
    Py_XDECREF(out);
    return NULL;
}

typedef struct {
    PyObject *symbol, *bids, *asks;
    int snapshot;  /* -1 until "type" is read */
    long long version, ms_t;
    int has_version, has_ms_t;
} Item;

static void item_clear(Item *it)
{
    Py_CLEAR(it->symbol);
    Py_CLEAR(it->bids);
    Py_CLEAR(it->asks);
}

/* One data item's object into `it`. 1 read; 0 not this shape (or an error is set). */
static int item(Cursor *c, Item *it, Spellings *sp)
{
    if (!take(c, '{')) {
        return 0;
    }
    do {
        const char *key, *s;
        Py_ssize_t n, sn;
        if (!key_colon(c, &key, &n)) {
            return 0;
        }
        if (is_key(key, n, "bids") || is_key(key, n, "asks")) {
            PyObject **slot = key[0] == 'b' ? &it->bids : &it->asks;
            if (*slot != NULL || (*slot = levels(c, sp)) == NULL) {
                return 0;
            }
        } else if (is_key(key, n, "symbol")) {
            if (it->symbol != NULL || (it->symbol = spelled_string(c, sp)) == NULL) {
                return 0;
            }
        } else if (is_key(key, n, "type")) {
            if (it->snapshot != -1 || !plain_string(c, &s, &sn)) {
                return 0;
            }
            if (is_key(s, sn, "update")) {
                it->snapshot = 0;
            } else if (is_key(s, sn, "snapshot")) {
                it->snapshot = 1;
            } else {
                return 0;
            }
        } else if (is_key(key, n, "version")) {
            if (it->has_version || !plain_uint(c, &it->version)) {
                return 0;
            }
            it->has_version = 1;
        } else if (is_key(key, n, "ms_t")) {
            if (it->has_ms_t || !plain_uint(c, &it->ms_t)) {
                return 0;
            }
            it->has_ms_t = 1;
        } else {
            return 0;
        }
    } while (take(c, ','));
    return take(c, '}') && it->symbol && it->bids && it->asks && it->snapshot != -1 && it->has_version;
}

static PyObject *decode(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 2 || nargs > 3 || !PyBytes_Check(args[0]) || !PyBytes_Check(args[1])
        || (nargs == 3 && args[2] != Py_None && !Py_IS_TYPE(args[2], &SpellingsType))) {
        PyErr_SetString(PyExc_TypeError, "decode(payload: bytes, table: bytes[, spellings: Spellings | None])");
        return NULL;
    }
    Spellings *sp = nargs == 3 && args[2] != Py_None ? (Spellings *)args[2] : NULL;
    Cursor c = {PyBytes_AS_STRING(args[0]), PyBytes_AS_STRING(args[0]) + PyBytes_GET_SIZE(args[0])};
    const char *table = PyBytes_AS_STRING(args[1]);
    Py_ssize_t table_n = PyBytes_GET_SIZE(args[1]);
    Item it = {NULL, NULL, NULL, -1, 0, 0, 0, 0};
    int has_table = 0, has_data = 0, ok = take(&c, '{');
    while (ok) {
        const char *key, *s;
        Py_ssize_t n, sn;
        if (!key_colon(&c, &key, &n)) {
            ok = 0;
        } else if (is_key(key, n, "table")) {
            ok = !has_table && plain_string(&c, &s, &sn) && sn == table_n && memcmp(s, table, (size_t)sn) == 0;
            has_table = 1;
        } else if (is_key(key, n, "data")) {
            ok = !has_data && take(&c, '[') && item(&c, &it, sp) && take(&c, ']');
            has_data = 1;
        } else {
            ok = 0;
        }
        if (ok && !take(&c, ',')) {
            break;
        }
    }
    ok = ok && has_table && has_data && take(&c, '}');
    if (ok) {
        skip_ws(&c);
        ok = c.p == c.end;
    }
    if (!ok) {
        item_clear(&it);
        if (PyErr_Occurred()) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    PyObject *out = PyTuple_New(6);
    PyObject *version = out ? PyLong_FromLongLong(it.version) : NULL;
    PyObject *ms_t = version ? PyLong_FromLongLong(it.ms_t) : NULL;
    if (ms_t == NULL) {
        Py_XDECREF(version);
        Py_XDECREF(out);
        item_clear(&it);
        return NULL;
    }
    PyTuple_SET_ITEM(out, 0, it.symbol);  /* the tuple takes the item's references */
    PyTuple_SET_ITEM(out, 1, Py_NewRef(it.snapshot ? Py_True : Py_False));
    PyTuple_SET_ITEM(out, 2, version);
    PyTuple_SET_ITEM(out, 3, ms_t);
    PyTuple_SET_ITEM(out, 4, it.bids);
    PyTuple_SET_ITEM(out, 5, it.asks);
    return out;
}

static PyMethodDef methods[] = {
    {"decode", (PyCFunction)(void (*)(void))decode, METH_FASTCALL,
     "decode(payload, table[, spellings]) -> (symbol, snapshot, version, ms_t, bids, asks) or None: see _depthjson.c."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_depthjson", "BitMart's spot depth push, decoded in C.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__depthjson(void)
{
    if (PyType_Ready(&SpellingsType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddObjectRef(m, "Spellings", (PyObject *)&SpellingsType) < 0) {
        Py_CLEAR(m);
    }
    return m;
}
