/* A decoder specialised for BitMart's spot depth push (bitmart_plugin/ws/public.py's fast path).
 *
 * decode(payload: bytes, table: bytes) -> (symbol, snapshot, version, ms_t, bids, asks) | None
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
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
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
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A plain string (ASCII, no escape, no control character): its bytes in *s, *n. 1 if read. */
static inline int plain_string(Cursor *c, const char **s, Py_ssize_t *n)
{
    if (!take(c, '"')) {
        return 0;
    }
    const char *start = c->p;
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '"') {
            *s = start;
            *n = c->p - start;
            c->p++;
            return 1;
        }
        if (ch == '\\' || ch < 0x20 || ch >= 0x80) {
            return 0;
        }
        c->p++;
    }
    return 0;
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
static inline PyObject *level(Cursor *c)
{
    const char *ps, *ss;
    Py_ssize_t pn, sn;
    if (!(take(c, '[') && plain_string(c, &ps, &pn) && take(c, ',') && plain_string(c, &ss, &sn) && take(c, ']'))) {
        return NULL;
    }
    PyObject *price = ascii_str(ps, pn);
    PyObject *size = price ? ascii_str(ss, sn) : NULL;
    PyObject *pair = size ? PyTuple_New(2) : NULL;
    if (pair == NULL) {
        Py_XDECREF(price);
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
static PyObject *levels(Cursor *c)
{
    if (!take(c, '[')) {
        return NULL;
    }
    PyObject *batch[BATCH];
    Py_ssize_t n = 0;
    PyObject *out = NULL;  /* only for a side of more than BATCH levels */
    if (!take(c, ']')) {
        do {
            PyObject *pair = level(c);
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
static int item(Cursor *c, Item *it)
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
            if (*slot != NULL || (*slot = levels(c)) == NULL) {
                return 0;
            }
        } else if (is_key(key, n, "symbol")) {
            if (it->symbol != NULL || !plain_string(c, &s, &sn) || (it->symbol = ascii_str(s, sn)) == NULL) {
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
    if (nargs != 2 || !PyBytes_Check(args[0]) || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "decode(payload: bytes, table: bytes)");
        return NULL;
    }
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
            ok = !has_data && take(&c, '[') && item(&c, &it) && take(&c, ']');
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
     "decode(payload, table) -> (symbol, snapshot, version, ms_t, bids, asks) or None: see _depthjson.c."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_depthjson", "BitMart's spot depth push, decoded in C.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__depthjson(void)
{
    return PyModule_Create(&module);
}
