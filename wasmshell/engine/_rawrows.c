/*
 * RawRows: rows of a statement run again with TEXT kept as bytes.
 */
#include "_runwasm.h"

SQLITE_EXTENSION_INIT3

/* APSW decodes TEXT strictly, so a value that is not UTF-8 fails the whole
 * statement, where sqlite3 writes its bytes as they are. RawRows runs such a
 * statement again on the same connection and gives TEXT as str with the
 * undecodable bytes kept (surrogateescape), for the shell to write back. */
typedef struct {
    PyObject_HEAD
    sqlite3_stmt *stmt;
    PyObject *owner; /* the connection object, kept alive while stepping */
    int done;
} RawRows;

static void raw_rows_dealloc(PyObject *object) {
    RawRows *self = (RawRows *)object;
    if (self->stmt != NULL) sqlite3_finalize(self->stmt);
    Py_XDECREF(self->owner);
    Py_TYPE(object)->tp_free(object);
}

static PyObject *column_value(sqlite3_stmt *stmt, int k) {
    switch (sqlite3_column_type(stmt, k)) {
    case SQLITE_INTEGER:
        return PyLong_FromLongLong(sqlite3_column_int64(stmt, k));
    case SQLITE_FLOAT:
        return PyFloat_FromDouble(sqlite3_column_double(stmt, k));
    case SQLITE_TEXT: {
        const char *text = (const char *)sqlite3_column_text(stmt, k);
        if (text == NULL) return PyErr_NoMemory();
        return PyUnicode_DecodeUTF8(text, sqlite3_column_bytes(stmt, k), "surrogateescape");
    }
    case SQLITE_BLOB: {
        const void *blob = sqlite3_column_blob(stmt, k);
        Py_ssize_t size = sqlite3_column_bytes(stmt, k);
        return PyBytes_FromStringAndSize(size ? blob : "", size);
    }
    default:
        Py_RETURN_NONE;
    }
}

static PyObject *raw_rows_next(PyObject *object) {
    RawRows *self = (RawRows *)object;
    if (self->done || self->stmt == NULL) return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = sqlite3_step(self->stmt);
    Py_END_ALLOW_THREADS
    if (rc != SQLITE_ROW) {
        self->done = 1;
        if (rc != SQLITE_DONE) {
            sqlite3 *db = sqlite3_db_handle(self->stmt);
            PyErr_Format(PyExc_RuntimeError, "%s", sqlite3_errmsg(db));
        }
        /* Finished: let go of the statement now, or the connection cannot close. */
        sqlite3_finalize(self->stmt);
        self->stmt = NULL;
        return NULL;
    }
    int n = sqlite3_column_count(self->stmt);
    PyObject *row = PyTuple_New(n);
    if (row == NULL) return NULL;
    for (int k = 0; k < n; k++) {
        PyObject *value = column_value(self->stmt, k);
        if (value == NULL) {
            Py_DECREF(row);
            return NULL;
        }
        PyTuple_SET_ITEM(row, k, value);
    }
    return row;
}

PyTypeObject RawRowsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wasmshell.engine._runwasm.RawRows",
    .tp_doc = "Rows of one read-only statement, TEXT decoded with surrogateescape.",
    .tp_basicsize = sizeof(RawRows),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = raw_rows_next,
    .tp_dealloc = raw_rows_dealloc,
};

static int bind_value(sqlite3_stmt *stmt, int index, PyObject *value) {
    if (value == Py_None) return sqlite3_bind_null(stmt, index);
    if (PyLong_Check(value)) {
        long long v = PyLong_AsLongLong(value);
        if (v == -1 && PyErr_Occurred()) return -1;
        return sqlite3_bind_int64(stmt, index, v);
    }
    if (PyFloat_Check(value)) return sqlite3_bind_double(stmt, index, PyFloat_AS_DOUBLE(value));
    if (PyUnicode_Check(value)) {
        Py_ssize_t size;
        const char *text = PyUnicode_AsUTF8AndSize(value, &size);
        if (text == NULL) return -1;
        return sqlite3_bind_text64(stmt, index, text, (sqlite3_uint64)size, SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    if (PyBytes_Check(value))
        return sqlite3_bind_blob64(stmt, index, PyBytes_AS_STRING(value), (sqlite3_uint64)PyBytes_GET_SIZE(value),
                                   SQLITE_TRANSIENT);
    PyErr_Format(PyExc_TypeError, "cannot bind a value of type %s", Py_TYPE(value)->tp_name);
    return -1;
}

PyObject *py_raw_rows(PyObject *module, PyObject *args) {
    (void)module;
    unsigned long long pointer;
    PyObject *owner, *bindings;
    const char *sql;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "KOs#O:raw_rows", &pointer, &owner, &sql, &size, &bindings)) return NULL;
    if (sqlite3_api == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the run_wasm extension has not been loaded into SQLite");
        return NULL;
    }
    sqlite3 *db = (sqlite3 *)(uintptr_t)pointer;
    sqlite3_stmt *stmt = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = sqlite3_prepare_v2(db, sql, (int)size, &stmt, NULL);
    Py_END_ALLOW_THREADS
    if (rc != SQLITE_OK || stmt == NULL) {
        if (stmt != NULL) sqlite3_finalize(stmt);
        Py_RETURN_NONE; /* it prepared before; let the first error stand */
    }
    if (!sqlite3_stmt_readonly(stmt)) {
        sqlite3_finalize(stmt);
        Py_RETURN_NONE; /* never run a statement that writes twice */
    }
    if (bindings != Py_None) {
        PyObject *values = PySequence_Fast(bindings, "bindings must be a sequence");
        if (values == NULL) {
            sqlite3_finalize(stmt);
            return NULL;
        }
        Py_ssize_t n = PySequence_Fast_GET_SIZE(values);
        for (Py_ssize_t k = 0; k < n && k < sqlite3_bind_parameter_count(stmt); k++) {
            if (bind_value(stmt, (int)k + 1, PySequence_Fast_GET_ITEM(values, k)) != SQLITE_OK) {
                if (!PyErr_Occurred()) PyErr_Format(PyExc_RuntimeError, "%s", sqlite3_errmsg(db));
                Py_DECREF(values);
                sqlite3_finalize(stmt);
                return NULL;
            }
        }
        Py_DECREF(values);
    }
    int ncolumns = sqlite3_column_count(stmt);
    PyObject *columns = PyList_New(ncolumns);
    if (columns == NULL) {
        sqlite3_finalize(stmt);
        return NULL;
    }
    for (int k = 0; k < ncolumns; k++) {
        const char *name = sqlite3_column_name(stmt, k);
        PyObject *text = PyUnicode_DecodeUTF8(name ? name : "", name ? (Py_ssize_t)strlen(name) : 0,
                                              "surrogateescape");
        if (text == NULL) {
            Py_DECREF(columns);
            sqlite3_finalize(stmt);
            return NULL;
        }
        PyList_SET_ITEM(columns, k, text);
    }
    RawRows *rows = PyObject_New(RawRows, &RawRowsType);
    if (rows == NULL) {
        Py_DECREF(columns);
        sqlite3_finalize(stmt);
        return NULL;
    }
    rows->stmt = stmt;
    rows->owner = Py_NewRef(owner);
    rows->done = 0;
    return Py_BuildValue("(NN)", columns, (PyObject *)rows);
}
