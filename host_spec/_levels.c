/* The order book's hot loops in C (host_spec.orderbook.L2Book.apply_update, host_spec.book_top.TopLevels).
 *
 * store(side, levels, start) walks `levels` (a list) from index `start` and, for each level that is
 * an exact list or tuple of two items, whose price is an exact str already held in `side` (a dict),
 * and whose size is an exact str of ASCII digits with at most one point and at least one digit, does
 * side[price] = size. It stops at the first other level and returns its index (len(levels) when none
 * is left; `start` is clamped to 0..len(levels)); the caller sends that level through the exact Python path and calls again past it.
 *
 * store(side, levels, start, watch, hits) does the same and also appends to the list `hits` the price of
 * each level it stored whose price is a key of the dict `watch` (the book's top levels: see book_top.py).
 *
 * It accepts exactly what the Python loop in orderbook.py accepts as "valid as it stands", so every
 * other spelling (exponents, ints, Decimals, new prices, anything invalid) is decided in Python.
 * No Python code runs inside the loop: the dict holds exact str keys only.
 *
 * refresh(hits, held, side, keys, rows, make, start) is the common case of book_top.TopLevels.stored: for
 * each spelling in `hits` from `start` that `held` (spelling -> sort key) still maps, whose size in `side`
 * is an exact plain str (as above) with a nonzero digit, and whose key sits in `keys` (ascending) at index i
 * where rows[i] is a (price, size) tuple, it sets rows[i] = (price, make(size)). A spelling no longer in
 * `held` is skipped. It stops at the first
 * other one (a zero size: a removal; a size spelled otherwise) and returns its index, for the caller to
 * handle in Python and call again past it (len(hits) when none is left; `start` is clamped to 0..len(hits)).
 * `make` is decimal.Decimal.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* 1 if `s` is an exact str of ASCII digits with at most one point and at least one digit. */
static int plain_size(PyObject *s)
{
    if (!PyUnicode_CheckExact(s) || !PyUnicode_IS_ASCII(s)) {
        return 0;
    }
    const Py_UCS1 *c = PyUnicode_1BYTE_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int point = 0, digit = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (c[i] >= '0' && c[i] <= '9') {
            digit = 1;
        } else if (c[i] == '.' && !point) {
            point = 1;
        } else {
            return 0;
        }
    }
    return digit;
}

static PyObject *store(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if ((nargs != 3 && nargs != 5) || !PyDict_CheckExact(args[0]) || !PyList_CheckExact(args[1]) || !PyLong_CheckExact(args[2])
        || (nargs == 5 && (!PyDict_CheckExact(args[3]) || !PyList_CheckExact(args[4])))) {
        PyErr_SetString(PyExc_TypeError, "store(side: dict, levels: list, start: int[, watch: dict, hits: list])");
        return NULL;
    }
    PyObject *side = args[0], *levels = args[1];
    PyObject *watch = nargs == 5 ? args[3] : NULL, *hits = nargs == 5 ? args[4] : NULL;
    Py_ssize_t i = PyLong_AsSsize_t(args[2]);
    if (i == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (i < 0) {
        i = 0;
    }
    if (i > PyList_GET_SIZE(levels)) {
        i = PyList_GET_SIZE(levels);
    }
    for (; i < PyList_GET_SIZE(levels); i++) {
        PyObject *level = PyList_GET_ITEM(levels, i), *price, *size;
        if (PyList_CheckExact(level) && PyList_GET_SIZE(level) == 2) {
            price = PyList_GET_ITEM(level, 0);
            size = PyList_GET_ITEM(level, 1);
        } else if (PyTuple_CheckExact(level) && PyTuple_GET_SIZE(level) == 2) {
            price = PyTuple_GET_ITEM(level, 0);
            size = PyTuple_GET_ITEM(level, 1);
        } else {
            break;
        }
        if (!PyUnicode_CheckExact(price) || !plain_size(size)) {
            break;
        }
        int held = PyDict_Contains(side, price);
        if (held < 0) {
            return NULL;
        }
        if (!held) {
            break;
        }
        if (PyDict_SetItem(side, price, size) < 0) {
            return NULL;
        }
        if (watch != NULL) {
            int watched = PyDict_Contains(watch, price);
            if (watched < 0 || (watched && PyList_Append(hits, price) < 0)) {
                return NULL;
            }
        }
    }
    return PyLong_FromSsize_t(i);
}

/* 1 if `s` (a plain size: see plain_size) has a nonzero digit. */
static int nonzero(PyObject *s)
{
    const Py_UCS1 *c = PyUnicode_1BYTE_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (c[i] >= '1' && c[i] <= '9') {
            return 1;
        }
    }
    return 0;
}

/* The index of `key` in the ascending list `keys` (the very object in a short list, else bisect_left, then
 * equal) if rows holds a pair there; -2 if not, -1 on error. */
static Py_ssize_t slot(PyObject *keys, PyObject *rows, PyObject *key)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(keys);
    if (hi <= 64) {  /* the book stores the same key object in `held` and `keys`: no comparison needed */
        for (Py_ssize_t i = 0; i < hi; i++) {
            if (PyList_GET_ITEM(keys, i) == key) {
                lo = hi = i;
                break;
            }
        }
    }
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        int less = PyObject_RichCompareBool(PyList_GET_ITEM(keys, mid), key, Py_LT);
        if (less < 0) {
            return -1;
        }
        if (less) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
        hi = hi > PyList_GET_SIZE(keys) ? PyList_GET_SIZE(keys) : hi;  /* the list may shrink under a comparison */
    }
    if (lo >= PyList_GET_SIZE(keys) || lo >= PyList_GET_SIZE(rows)) {
        return -2;
    }
    PyObject *row = PyList_GET_ITEM(rows, lo);
    if (!PyTuple_CheckExact(row) || PyTuple_GET_SIZE(row) != 2) {
        return -2;
    }
    int same = PyObject_RichCompareBool(PyList_GET_ITEM(keys, lo), key, Py_EQ);
    if (same < 0) {
        return -1;
    }
    return same ? lo : -2;
}

static PyObject *refresh(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7 || !PyList_CheckExact(args[0]) || !PyDict_CheckExact(args[1]) || !PyDict_CheckExact(args[2])
        || !PyList_CheckExact(args[3]) || !PyList_CheckExact(args[4]) || !PyCallable_Check(args[5]) || !PyLong_CheckExact(args[6])) {
        PyErr_SetString(PyExc_TypeError, "refresh(hits: list, held: dict, side: dict, keys: list, rows: list, make, start: int)");
        return NULL;
    }
    PyObject *hits = args[0], *held = args[1], *side = args[2], *keys = args[3], *rows = args[4], *make = args[5];
    Py_ssize_t i = PyLong_AsSsize_t(args[6]);
    if (i == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (i < 0) {
        i = 0;
    }
    if (i > PyList_GET_SIZE(hits)) {
        i = PyList_GET_SIZE(hits);
    }
    for (; i < PyList_GET_SIZE(hits); i++) {
        PyObject *spelling = PyList_GET_ITEM(hits, i);
        PyObject *key = PyDict_GetItemWithError(held, spelling);  /* borrowed */
        if (key == NULL) {
            if (PyErr_Occurred()) {
                return NULL;
            }
            continue;  /* no longer in the top */
        }
        PyObject *raw = PyDict_GetItemWithError(side, spelling);  /* borrowed */
        if (raw == NULL) {
            if (PyErr_Occurred()) {
                return NULL;
            }
            break;
        }
        if (!plain_size(raw) || !nonzero(raw)) {
            break;
        }
        Py_INCREF(key);  /* held while other code may run (comparisons, make) */
        Py_INCREF(raw);
        Py_ssize_t at = slot(keys, rows, key);
        PyObject *row = NULL;
        if (at >= 0) {
            PyObject *price = PyTuple_GET_ITEM(PyList_GET_ITEM(rows, at), 0);
            Py_INCREF(price);
            PyObject *value = PyObject_CallOneArg(make, raw);
            row = value == NULL ? NULL : PyTuple_Pack(2, price, value);
            Py_XDECREF(value);
            Py_DECREF(price);
        }
        Py_DECREF(key);
        Py_DECREF(raw);
        if (at == -1 || (at >= 0 && row == NULL)) {
            return NULL;
        }
        if (at == -2 || at >= PyList_GET_SIZE(rows)) {  /* not where the invariant puts it: let Python decide */
            Py_XDECREF(row);
            break;
        }
        PyList_SetItem(rows, at, row);  /* steals `row`, releases the old one */
    }
    return PyLong_FromSsize_t(i);
}

static PyMethodDef methods[] = {
    {"store", (PyCFunction)(void (*)(void))store, METH_FASTCALL,
     "store(side, levels, start[, watch, hits]) -> index of the first level from `start` that needs the exact path."},
    {"refresh", (PyCFunction)(void (*)(void))refresh, METH_FASTCALL,
     "refresh(hits, held, side, keys, rows, make, start) -> index of the first hit from `start` that needs TopLevels.stored."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "host_spec._levels", "The order book's C hot loops.", -1, methods};

PyMODINIT_FUNC PyInit__levels(void)
{
    return PyModule_Create(&module);
}
