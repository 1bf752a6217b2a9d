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

/* word_starts(data, stems) -> bool: whether a word of data (a run of identifier bytes) begins
 * with one of stems (a tuple of non-empty bytes), byte for byte. */
PyObject *py_word_starts(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer data;
    PyObject *stems;
    if (!PyArg_ParseTuple(args, "y*O!:word_starts", &data, &PyTuple_Type, &stems)) return NULL;
    if (!identifier['a']) fill_identifier();
    Py_ssize_t count = PyTuple_GET_SIZE(stems);
    unsigned char pairs[65536 / 8] = {0}; /* the first two bytes of a stem, as bits */
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *stem = PyTuple_GET_ITEM(stems, k);
        if (!PyBytes_Check(stem) || PyBytes_GET_SIZE(stem) == 0) {
            PyBuffer_Release(&data);
            PyErr_SetString(PyExc_TypeError, "word_starts: stems must be non-empty bytes");
            return NULL;
        }
        const unsigned char *z = (const unsigned char *)PyBytes_AS_STRING(stem);
        for (int second = 0; second < 256; second++) /* a stem of one byte: any second byte */
            if (PyBytes_GET_SIZE(stem) == 1 || second == z[1]) pairs[(z[0] << 5) | (second >> 3)] |= 1 << (second & 7);
    }
    const unsigned char *z = data.buf;
    Py_ssize_t n = data.len, i = 0;
    int found = 0;
    while (i < n && !found) {
        while (i < n && !identifier[z[i]]) i++; /* to the start of the next word */
        unsigned char second = i + 1 < n ? z[i + 1] : 0;
        if (i < n && (pairs[(z[i] << 5) | (second >> 3)] & (1 << (second & 7)))) {
            for (Py_ssize_t k = 0; k < count; k++) {
                PyObject *stem = PyTuple_GET_ITEM(stems, k);
                Py_ssize_t size = PyBytes_GET_SIZE(stem);
                if (size <= n - i && memcmp(z + i, PyBytes_AS_STRING(stem), (size_t)size) == 0) {
                    found = 1;
                    break;
                }
            }
        }
        while (i < n && identifier[z[i]]) i++; /* past its end */
    }
    PyBuffer_Release(&data);
    return PyBool_FromLong(found);
}
