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
    if (!sqlite_loaded()) return NULL;
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

/*
 * rest_of_rows: the rows of a statement APSW is stepping, from the one it holds now to the end,
 * counted in C, only the last `keep` kept (for the table view, which shows the first and last
 * rows of a result of millions). APSW steps when asked for a row, so the statement holds the last
 * row it gave and this begins by stepping; at the end the statement is done and the caller closes
 * APSW's cursor.
 * The kept rows are copied as they pass into slots reused round a ring: no allocation and no
 * Python object for a row that is not kept.
 */
typedef struct {
    int type;
    sqlite3_int64 integer;
    double real;
    char *bytes;
    size_t size, capacity;
} Cell;

/* Copy a value of the statement's row into a cell; 0, or -1 out of memory. */
static int keep_cell(sqlite3_value *value, Cell *cell) {
    cell->type = sqlite3_value_type(value);
    switch (cell->type) {
    case SQLITE_INTEGER:
        cell->integer = sqlite3_value_int64(value);
        return 0;
    case SQLITE_FLOAT:
        cell->real = sqlite3_value_double(value);
        return 0;
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
        const void *data = cell->type == SQLITE_TEXT ? (const void *)sqlite3_value_text(value)
                                                     : sqlite3_value_blob(value);
        size_t size = (size_t)sqlite3_value_bytes(value);
        /* Grown to the value, and given back when a large one has passed: a ring does not keep a
         * slot the size of the largest value of a million rows. */
        if (size > cell->capacity || (cell->capacity > (1u << 20) && size < cell->capacity / 4)) {
            char *resized = PyMem_RawRealloc(cell->bytes, size ? size : 1);
            if (resized == NULL) return -1;
            cell->bytes = resized;
            cell->capacity = size;
        }
        if (size) memcpy(cell->bytes, data, size);
        cell->size = size;
        return 0;
    }
    default:
        return 0;
    }
}

static PyObject *cell_value(const Cell *cell) {
    switch (cell->type) {
    case SQLITE_INTEGER:
        return PyLong_FromLongLong(cell->integer);
    case SQLITE_FLOAT:
        return PyFloat_FromDouble(cell->real);
    case SQLITE_TEXT:
        return PyUnicode_DecodeUTF8(cell->size ? cell->bytes : "", (Py_ssize_t)cell->size, "surrogateescape");
    case SQLITE_BLOB:
        return PyBytes_FromStringAndSize(cell->size ? cell->bytes : "", (Py_ssize_t)cell->size);
    default:
        Py_RETURN_NONE;
    }
}

/* The one statement of the connection that has a row in hand, if its text is in sql. */
static sqlite3_stmt *stepping_statement(sqlite3 *db, const char *sql) {
    sqlite3_stmt *found = NULL;
    for (sqlite3_stmt *stmt = sqlite3_next_stmt(db, NULL); stmt != NULL; stmt = sqlite3_next_stmt(db, stmt)) {
        if (!sqlite3_stmt_busy(stmt) || sqlite3_data_count(stmt) == 0) continue;
        if (found != NULL) return NULL; /* two: not knowing which, take neither */
        found = stmt;
    }
    const char *text = found ? sqlite3_sql(found) : NULL;
    return text != NULL && strstr(sql, text) != NULL ? found : NULL;
}

/* The rows the running rest_of_rows has stepped so far. A progress handler (the shell's progress
 * line) reads it from inside sqlite3_step, on the thread that runs the loop: the loop keeps its
 * count here rather than in a local, which costs one store per row and nothing else. */
static long long rows_stepped = 0;

PyObject *py_rows_stepped(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    return PyLong_FromLongLong(rows_stepped);
}

/* rest_of_rows(sqlite3_pointer, sql, keep) -> None, or (count, last rows, error): error is None,
 * an exception a callback left pending, or (extended result code, message). */
PyObject *py_rest_of_rows(PyObject *module, PyObject *args) {
    (void)module;
    unsigned long long pointer;
    const char *sql;
    int keep;
    if (!PyArg_ParseTuple(args, "Ksi:rest_of_rows", &pointer, &sql, &keep)) return NULL;
    rows_stepped = 0; /* never the last statement's total, whatever happens next */
    if (sqlite3_api == NULL || keep < 0) Py_RETURN_NONE;
    sqlite3 *db = (sqlite3 *)(uintptr_t)pointer;
    sqlite3_stmt *stmt = stepping_statement(db, sql);
    if (stmt == NULL) Py_RETURN_NONE;
    int ncol = sqlite3_column_count(stmt);
    Cell *ring = PyMem_RawCalloc((size_t)(keep ? keep : 1) * (size_t)(ncol ? ncol : 1), sizeof(Cell));
    if (ring == NULL) return PyErr_NoMemory();
    long long count = 0;
    int rc, failed = 0, errored = 0;
    char *message = NULL; /* SQLite's, read while the mutex is held */
    Py_BEGIN_ALLOW_THREADS
    /* The connection's mutex is held throughout, as each column call would take it: a row's
     * values are then read as protected ones, and SQLite's calls inside take it again cheaply. */
    sqlite3_mutex *mutex = sqlite3_db_mutex(db);
    sqlite3_mutex_enter(mutex);
    /* The row in hand is the last APSW gave: the rest begins with the next. */
    rc = sqlite3_step(stmt);
    while (rc == SQLITE_ROW) {
        Cell *slot = keep ? ring + (size_t)(count % keep) * (size_t)ncol : NULL;
        for (int k = 0; slot != NULL && k < ncol && !failed; k++)
            failed = keep_cell(sqlite3_column_value(stmt, k), slot + k) < 0;
        if (failed) break;
        rows_stepped = ++count;
        rc = sqlite3_step(stmt);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) rc = sqlite3_extended_errcode(db), errored = 1;
    if (errored) message = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    sqlite3_mutex_leave(mutex);
    Py_END_ALLOW_THREADS
    PyObject *error = NULL, *rows = NULL, *result = NULL;
    if (failed) {
        PyErr_NoMemory();
        goto out;
    }
    if (errored) {
        if (PyErr_Occurred()) {
            PyObject *type, *value, *traceback;
            PyErr_Fetch(&type, &value, &traceback);
            PyErr_NormalizeException(&type, &value, &traceback);
            if (traceback != NULL) PyException_SetTraceback(value, traceback);
            error = value;
            Py_XDECREF(type);
            Py_XDECREF(traceback);
        } else {
            error = Py_BuildValue("(is)", rc, message ? message : "out of memory");
        }
        if (error == NULL) goto out;
    } else {
        error = Py_NewRef(Py_None);
    }
    long long first = count > keep ? count - keep : 0;
    rows = PyList_New(0);
    for (long long r = first; rows != NULL && r < count; r++) {
        Cell *slot = ring + (size_t)(r % keep) * (size_t)ncol;
        PyObject *row = PyTuple_New(ncol);
        for (int k = 0; row != NULL && k < ncol; k++) {
            PyObject *value = cell_value(slot + k);
            if (value == NULL) {
                Py_CLEAR(row);
                break;
            }
            PyTuple_SET_ITEM(row, k, value);
        }
        if (row == NULL || PyList_Append(rows, row) < 0) Py_CLEAR(rows);
        Py_XDECREF(row);
    }
    if (rows != NULL) result = Py_BuildValue("(LOO)", count, rows, error);
out:
    sqlite3_free(message);
    Py_XDECREF(rows);
    Py_XDECREF(error);
    for (size_t c = 0; c < (size_t)keep * (size_t)ncol; c++) PyMem_RawFree(ring[c].bytes);
    PyMem_RawFree(ring);
    return result;
}
