/* The order book's hot loop in C (host_spec.orderbook.L2Book.apply_update), with the kept top of book_top.py.
 *
 * store(side, levels, start) walks `levels` (a list) from index `start` and, for each level that is
 * an exact list or tuple of two items, whose price is an exact str already held in `side` (a dict),
 * and whose size is an exact str of ASCII digits with at most one point and at least one digit, does
 * side[price] = size. It stops at the first other level and returns its index (len(levels) when none
 * is left; `start` is clamped to 0..len(levels)); the caller sends that level through the exact Python
 * path and calls again past it.
 *
 * store(side, levels, start, top) does the same for a book that keeps its top levels (`top` is a
 * book_top.TopLevels, or None for none): a level whose price `top.held` maps (spelling -> sort key) is
 * taken only if its size has a nonzero digit and its key is at some index i of `top.keys` where
 * `top.rows` has a (price, size) tuple; then besides the store rows[i] becomes (price, Decimal(size)) and
 * `top.levels` is set to None. Any other level the top holds (a zero size: a removal) stops the loop.
 *
 * It accepts exactly what the Python loop in orderbook.py accepts as "valid as it stands", so every
 * other spelling (exponents, ints, Decimals, new prices, anything invalid) is decided in Python.
 * No Python code runs inside the loop: the dicts hold exact str keys only, sort keys are Decimals.
 *
 * frozen(rows) is tuple(rows) for the top's views (book_top.TopLevels.view), with the result and its row
 * tuples taken out of the garbage collector's sight when they hold only untracked items.
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

static PyObject *decimal_type;  /* decimal.Decimal, imported when the module is */
static PyObject *name_held, *name_keys, *name_rows, *name_levels;

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
 * equal) if `rows` holds a pair there; -2 if not, -1 on error. */
static Py_ssize_t slot(PyObject *keys, PyObject *rows, PyObject *key)
{
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(keys);
    if (hi <= 64) {  /* the top stores the same key object in `held` and `keys`: no comparison needed */
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

/* Take the tuple `t` out of the collector's sight when none of its items can be tracked (the collector would
 * do the same at its first pass over it: a tuple of untracked items can never be part of a cycle). A view's
 * rows and level tuples live a while, in the consumers' mailboxes and the kept tops: tracked, they are most
 * of what each young-generation pass walks (at 1,000 followed books, 7,000-75,000 references a pass). */
static void untrack_atomic(PyObject *t)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(t); i++) {
        PyObject *item = PyTuple_GET_ITEM(t, i);
        if (PyObject_IS_GC(item) && PyObject_GC_IsTracked(item)) {
            return;
        }
    }
    PyObject_GC_UnTrack(t);
}

/* frozen(rows: list) -> tuple(rows); the rows that are tuples and the result are untracked when their items are. */
static PyObject *frozen(PyObject *module, PyObject *rows)
{
    if (!PyList_CheckExact(rows)) {
        PyErr_SetString(PyExc_TypeError, "frozen(rows: list)");
        return NULL;
    }
    PyObject *t = PyList_AsTuple(rows);
    if (t == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(t); i++) {
        PyObject *item = PyTuple_GET_ITEM(t, i);
        if (PyTuple_CheckExact(item) && PyObject_GC_IsTracked(item)) {
            untrack_atomic(item);
        }
    }
    untrack_atomic(t);
    return t;
}

/* The row for a level the top holds, sized `size` (`keys` and `rows`: the top's lists): 1 done, 0 not taken
 * (the caller stops), -1 error. */
static int resize(PyObject *keys, PyObject *rows, PyObject *key, PyObject *size, int *changed)
{
    if (!nonzero(size)) {
        return 0;
    }
    Py_INCREF(key);  /* held while comparisons run */
    Py_ssize_t at = slot(keys, rows, key);
    Py_DECREF(key);
    if (at < 0) {
        return at == -1 ? -1 : 0;
    }
    PyObject *price = PyTuple_GET_ITEM(PyList_GET_ITEM(rows, at), 0);
    Py_INCREF(price);
    PyObject *value = PyObject_CallOneArg(decimal_type, size);
    PyObject *row = value == NULL ? NULL : PyTuple_Pack(2, price, value);
    Py_XDECREF(value);
    Py_DECREF(price);
    if (row == NULL) {
        return -1;
    }
    if (at >= PyList_GET_SIZE(rows)) {
        Py_DECREF(row);
        return 0;
    }
    PyList_SetItem(rows, at, row);  /* steals `row`, releases the old one */
    *changed = 1;
    return 1;
}

static PyObject *store(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if ((nargs != 3 && nargs != 4) || !PyDict_CheckExact(args[0]) || !PyList_CheckExact(args[1]) || !PyLong_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "store(side: dict, levels: list, start: int[, top: TopLevels | None])");
        return NULL;
    }
    PyObject *side = args[0], *levels = args[1], *top = nargs == 4 && args[3] != Py_None ? args[3] : NULL;
    PyObject *held = NULL, *keys = NULL, *rows = NULL;
    Py_ssize_t i = PyLong_AsSsize_t(args[2]);
    if (i == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (top != NULL) {  /* the top's containers, read once: its methods mutate them in place, never rebind them */
        held = PyObject_GetAttr(top, name_held);
        keys = held ? PyObject_GetAttr(top, name_keys) : NULL;
        rows = keys ? PyObject_GetAttr(top, name_rows) : NULL;
        if (rows == NULL || !PyDict_CheckExact(held) || !PyList_CheckExact(keys) || !PyList_CheckExact(rows)) {
            if (rows != NULL) {
                PyErr_SetString(PyExc_TypeError, "store: top.held must be a dict, top.keys and top.rows lists");
            }
            Py_XDECREF(held);
            Py_XDECREF(keys);
            Py_XDECREF(rows);
            return NULL;
        }
    }
    if (i < 0) {
        i = 0;
    }
    if (i > PyList_GET_SIZE(levels)) {
        i = PyList_GET_SIZE(levels);
    }
    int changed = 0, failed = 0;
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
        if (held != NULL) {
            PyObject *key = PyDict_GetItemWithError(held, price);  /* borrowed */
            if (key == NULL && PyErr_Occurred()) {
                failed = 1;
                break;
            }
            if (key != NULL) {
                int known = PyDict_Contains(side, price);  /* so: the top's row never changes for a price the side lacks */
                if (known <= 0) {
                    failed = known < 0;
                    break;
                }
                Py_INCREF(level);  /* `levels` may change while Decimal or a comparison runs */
                int done = resize(keys, rows, key, size, &changed);
                Py_DECREF(level);
                if (done <= 0) {
                    failed = done < 0;
                    break;
                }
                if (i >= PyList_GET_SIZE(levels) || PyList_GET_ITEM(levels, i) != level) {
                    failed = 1;
                    PyErr_SetString(PyExc_RuntimeError, "store: levels changed while it ran");
                    break;
                }
            }
        }
        /* one lookup for the common case, a size on a price the side holds: a new price (rare) grows the
         * side, and is taken out again at once for the caller's exact path */
        Py_ssize_t held_before = PyDict_GET_SIZE(side);
        if (PyDict_SetItem(side, price, size) < 0) {
            failed = 1;
            break;
        }
        if (PyDict_GET_SIZE(side) != held_before) {
            failed = PyDict_DelItem(side, price) < 0;
            break;
        }
    }
    if (changed && !failed && PyObject_SetAttr(top, name_levels, Py_None) < 0) {
        failed = 1;
    }
    Py_XDECREF(held);
    Py_XDECREF(keys);
    Py_XDECREF(rows);
    return failed ? NULL : PyLong_FromSsize_t(i);
}

static PyMethodDef methods[] = {
    {"store", (PyCFunction)(void (*)(void))store, METH_FASTCALL,
     "store(side, levels, start[, top]) -> index of the first level from `start` that needs the exact path."},
    {"frozen", (PyCFunction)frozen, METH_O, "frozen(rows: list) -> tuple(rows), it and its rows untracked when their items are."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "host_spec._levels", "The order book's C hot loop.", -1, methods};

PyMODINIT_FUNC PyInit__levels(void)
{
    if (decimal_type == NULL) {
        PyObject *decimal = PyImport_ImportModule("decimal");
        decimal_type = decimal == NULL ? NULL : PyObject_GetAttrString(decimal, "Decimal");
        Py_XDECREF(decimal);
        name_held = PyUnicode_InternFromString("held");
        name_keys = PyUnicode_InternFromString("keys");
        name_rows = PyUnicode_InternFromString("rows");
        name_levels = PyUnicode_InternFromString("levels");
        if (decimal_type == NULL || !name_held || !name_keys || !name_rows || !name_levels) {
            Py_CLEAR(decimal_type);
            return NULL;
        }
    }
    return PyModule_Create(&module);
}
