/* The order book's hot loop in C (host_spec.orderbook.L2Book.apply_update).
 *
 * store(side, levels, start) walks `levels` (a list) from index `start` and, for each level that is
 * an exact list or tuple of two items, whose price is an exact str already held in `side` (a dict),
 * and whose size is an exact str of ASCII digits with at most one point and at least one digit, does
 * side[price] = size. It stops at the first other level and returns its index (len(levels) when none
 * is left; `start` is clamped to 0..len(levels)); the caller sends that level through the exact Python path and calls again past it.
 *
 * It accepts exactly what the Python loop in orderbook.py accepts as "valid as it stands", so every
 * other spelling (exponents, ints, Decimals, new prices, anything invalid) is decided in Python.
 * No Python code runs inside the loop: the dict holds exact str keys only.
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
    if (nargs != 3 || !PyDict_CheckExact(args[0]) || !PyList_CheckExact(args[1]) || !PyLong_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "store(side: dict, levels: list, start: int)");
        return NULL;
    }
    PyObject *side = args[0], *levels = args[1];
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
    }
    return PyLong_FromSsize_t(i);
}

static PyMethodDef methods[] = {
    {"store", (PyCFunction)(void (*)(void))store, METH_FASTCALL,
     "store(side, levels, start) -> index of the first level from `start` that needs the exact path."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "host_spec._levels", "The order book's C hot loop.", -1, methods};

PyMODINIT_FUNC PyInit__levels(void)
{
    return PyModule_Create(&module);
}
