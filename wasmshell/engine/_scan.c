/*
 * word_starts: whether SQL text has a word that begins with one of a few stems.
 *
 * Before a statement runs, the engine looks in it for the names of sqlite3's
 * built-in extensions that are not loaded yet (builtins.py). A piped script
 * is megabytes of SQL that names none of them: this one pass over its bytes,
 * looking only where a word begins, is what a regular expression of the stems
 * costs many times over.
 */
#include "_runwasm.h"

/* Bytes that continue an identifier, as SQLite's tokenizer reads one (any byte >= 0x80 does). */
static unsigned char identifier[256];

static void fill_identifier(void) {
    for (int c = 0; c < 256; c++)
        identifier[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '$' || c >= 0x80;
}

static unsigned char fold(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* Whether text of size n at z begins with stem (lower case), ASCII letters in any case. */
static int begins(const unsigned char *z, Py_ssize_t n, PyObject *stem) {
    Py_ssize_t size = PyBytes_GET_SIZE(stem);
    const unsigned char *s = (const unsigned char *)PyBytes_AS_STRING(stem);
    if (size > n) return 0;
    for (Py_ssize_t i = 0; i < size; i++)
        if (fold(z[i]) != s[i]) return 0;
    return 1;
}

static int stems_ok(PyObject *stems) {
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(stems); k++) {
        PyObject *stem = PyTuple_GET_ITEM(stems, k);
        if (!PyBytes_Check(stem) || PyBytes_GET_SIZE(stem) == 0) {
            PyErr_SetString(PyExc_TypeError, "word_starts: stems must be non-empty bytes");
            return 0;
        }
    }
    return 1;
}

/* word_starts(data, stems, anywhere=()) -> bool: whether a word of data (a run of identifier
 * bytes) begins with one of stems, or one of anywhere stands anywhere in it (all tuples of
 * non-empty lower-case bytes; data's ASCII letters in any case). */
PyObject *py_word_starts(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer data;
    PyObject *stems, *anywhere = NULL;
    if (!PyArg_ParseTuple(args, "y*O!|O!:word_starts", &data, &PyTuple_Type, &stems, &PyTuple_Type, &anywhere))
        return NULL;
    if (!identifier['a']) fill_identifier();
    if (!stems_ok(stems) || (anywhere != NULL && !stems_ok(anywhere))) {
        PyBuffer_Release(&data);
        return NULL;
    }
    unsigned char pairs[65536 / 8] = {0}; /* the first two bytes of a stem, as bits */
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(stems); k++) {
        PyObject *stem = PyTuple_GET_ITEM(stems, k);
        const unsigned char *z = (const unsigned char *)PyBytes_AS_STRING(stem);
        for (int second = 0; second < 256; second++) /* a stem of one byte: any second byte */
            if (PyBytes_GET_SIZE(stem) == 1 || second == z[1]) pairs[(z[0] << 5) | (second >> 3)] |= 1 << (second & 7);
    }
    const unsigned char *z = data.buf;
    Py_ssize_t n = data.len, i = 0;
    int found = 0;
    while (i < n && !found) {
        while (i < n && !identifier[z[i]]) i++; /* to the start of the next word */
        unsigned char a = i < n ? fold(z[i]) : 0, b = i + 1 < n ? fold(z[i + 1]) : 0;
        if (i < n && (pairs[(a << 5) | (b >> 3)] & (1 << (b & 7)))) {
            for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(stems) && !found; k++)
                found = begins(z + i, n - i, PyTuple_GET_ITEM(stems, k));
        }
        while (i < n && identifier[z[i]]) i++; /* past its end */
    }
    for (Py_ssize_t k = 0; anywhere != NULL && k < PyTuple_GET_SIZE(anywhere) && !found; k++) {
        PyObject *stem = PyTuple_GET_ITEM(anywhere, k);
        unsigned char head = (unsigned char)PyBytes_AS_STRING(stem)[0];
        for (i = 0; i < n && !found; i++)
            found = fold(z[i]) == head && begins(z + i, n - i, stem);
    }
    PyBuffer_Release(&data);
    return PyBool_FromLong(found);
}
