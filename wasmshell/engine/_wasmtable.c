/*
 * A Wasm table-valued function as a C virtual table (tables.py says what the guest exports).
 *
 * What happens once per scan stays in Python: binding the function and declaring its columns
 * (xConnect), opening a state with the scan's arguments (xFilter), each batch of rows copied out of
 * linear memory (TableFunction.batch_bytes), closing the state (xClose). What happens once per row
 * is here, without the GIL or a Python object: stepping through the batch and giving SQLite each
 * column straight from its bytes. A batch is checked whole before its first row is given, as
 * tables.parse_batch does; one that is malformed is handed to parse_batch, which says what is
 * wrong, so the messages are written in one place.
 */
#include "_runwasm.h"

SQLITE_EXTENSION_INIT3

enum { TAG_INTEGER = 1, TAG_REAL = 2, TAG_TEXT = 3, TAG_BLOB = 4, TAG_NULL = 5 };

typedef struct {
    sqlite3_vtab base;
    PyObject *fn;    /* tables.TableFunction */
    int visible;     /* columns that are not arguments */
    int nargs;       /* hidden columns: the arguments */
    unsigned defaults; /* bit k: argument k has a default */
} WasmTable;

/* An argument of the scan as SQLite is given it back (a hidden column), read without the GIL. */
typedef struct {
    int type;
    sqlite3_int64 integer;
    double real;
    const char *bytes; /* in args' str or bytes object */
    Py_ssize_t size;
} Argument;

typedef struct {
    sqlite3_vtab_cursor base;
    PyObject *handle;      /* TableFunction.open's handle, or NULL */
    PyObject *args;        /* every argument of the scan */
    Argument *given;       /* the same, for xColumn */
    PyObject *data;        /* the batch's bytes */
    uint32_t count, index; /* rows in the batch, the row at hand */
    size_t *rows;          /* where each row of the batch starts, and where the last ends */
    size_t *cells;         /* where each column of the row at hand starts (found once per row) */
    sqlite3_int64 rowid;
    int eof, pinned;
} WasmCursor;

/* obj.name(arg): a tuple argument stays one argument (PyObject_CallMethod would spread it). */
static PyObject *call_one(PyObject *obj, const char *name, PyObject *arg) {
    PyObject *method = PyUnicode_FromString(name);
    if (method == NULL) return NULL;
    PyObject *result = PyObject_CallMethodOneArg(obj, method, arg);
    Py_DECREF(method);
    return result;
}

/* Module-level: the Python side of the module (TableModule) given to create_table. */
static void release_module(void *data) { release_object(data); }

/* Set the vtab's message from the pending exception, leaving it pending for APSW to raise. */
static int say_error(sqlite3_vtab *vtab) {
    sqlite3_free(vtab->zErrMsg);
    vtab->zErrMsg = pending_message("wasm table function failed");
    return SQLITE_ERROR;
}

static int x_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **error) {
    (void)argc;
    (void)argv;
    PyGILState_STATE gil = PyGILState_Ensure();
    int rc = SQLITE_ERROR;
    PyObject *info = PyObject_CallMethod((PyObject *)aux, "native", NULL);
    const char *schema;
    PyObject *fn;
    int visible, nargs;
    unsigned long defaults;
    if (info == NULL || !PyArg_ParseTuple(info, "sOiik", &schema, &fn, &visible, &nargs, &defaults)) {
        *error = pending_message("wasm table function: cannot bind");
        goto out;
    }
    rc = sqlite3_declare_vtab(db, schema);
    if (rc != SQLITE_OK) {
        *error = sqlite3_mprintf("%s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
    WasmTable *table = sqlite3_malloc(sizeof *table);
    if (table == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    memset(table, 0, sizeof *table);
    table->fn = Py_NewRef(fn);
    table->visible = visible;
    table->nargs = nargs;
    table->defaults = (unsigned)defaults;
    *out = &table->base;
out:
    Py_XDECREF(info);
    PyGILState_Release(gil);
    return rc;
}

static int x_disconnect(sqlite3_vtab *vtab) {
    WasmTable *table = (WasmTable *)vtab;
    release_object(table->fn);
    sqlite3_free(table);
    return SQLITE_OK;
}

/* As tables._Table.BestIndexObject: equality on the arguments' columns gives them, in order. */
static int x_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info) {
    WasmTable *table = (WasmTable *)vtab;
    int given[32], nargs = table->nargs < 32 ? table->nargs : 32;
    unsigned waiting = 0;
    for (int k = 0; k < nargs; k++) given[k] = -1;
    for (int k = 0; k < info->nConstraint; k++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[k];
        int position = c->iColumn - table->visible;
        if (c->iColumn < table->visible || position >= nargs || c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
        if (c->usable) {
            if (given[position] < 0) given[position] = k;
        } else {
            waiting |= 1u << position; /* from a table not read yet in this join order */
        }
    }
    unsigned mask = 0;
    int index = 1;
    for (int position = 0; position < nargs; position++) {
        if (given[position] < 0) continue;
        mask |= 1u << position;
        info->aConstraintUsage[given[position]].argvIndex = index++;
        info->aConstraintUsage[given[position]].omit = 1;
    }
    info->idxNum = (int)mask;
    int runs = 1;
    for (int k = 0; k < table->nargs; k++) {
        if (k < 32 && (mask >> k & 1)) continue;
        if (k >= 32 || (waiting >> k & 1) || !(table->defaults >> k & 1)) runs = 0;
    }
    info->estimatedCost = runs ? 1000.0 : 1e300;
    info->estimatedRows = 1000;
    return SQLITE_OK;
}

static int x_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out) {
    (void)vtab;
    WasmCursor *cursor = sqlite3_malloc(sizeof *cursor);
    if (cursor == NULL) return SQLITE_NOMEM;
    memset(cursor, 0, sizeof *cursor);
    cursor->eof = 1;
    *out = &cursor->base;
    return SQLITE_OK;
}

/* With the GIL: close the state (TableFunction.close) and forget the batch. 0, or -1 with an exception. */
static int release_scan(WasmTable *table, WasmCursor *cursor) {
    int failed = 0;
    PyObject *handle = cursor->handle;
    cursor->handle = NULL;
    if (cursor->pinned) {
        cursor->pinned = 0;
        PyObject *done = PyObject_CallMethod(table->fn, "pin", "i", -1);
        failed |= done == NULL;
        Py_XDECREF(done);
    }
    if (handle != NULL) {
        PyObject *done = failed ? NULL : call_one(table->fn, "close", handle);
        failed |= done == NULL;
        Py_XDECREF(done);
        Py_DECREF(handle);
    }
    Py_CLEAR(cursor->data);
    PyMem_Free(cursor->rows);
    cursor->rows = NULL;
    PyMem_Free(cursor->cells);
    cursor->cells = NULL;
    cursor->count = cursor->index = 0;
    cursor->eof = 1;
    return failed ? -1 : 0;
}

/* The length of the value at data[at..end), or 0 if it is malformed (parse_batch says how). */
static size_t value_length(const unsigned char *data, size_t at, size_t end, int check_utf8) {
    if (at >= end) return 0;
    switch (data[at]) {
    case TAG_INTEGER:
    case TAG_REAL:
        return at + 9 <= end ? 9 : 0;
    case TAG_NULL:
        return 1;
    case TAG_TEXT: {
        const unsigned char *nul = memchr(data + at + 1, 0, end - at - 1);
        if (nul == NULL) return 0;
        size_t n = (size_t)(nul - (data + at + 1));
        return !check_utf8 || utf8_valid(data + at + 1, n) ? n + 2 : 0;
    }
    case TAG_BLOB: {
        if (at + 5 > end) return 0;
        const unsigned char *p = data + at + 1;
        size_t length = ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
        return at + 5 + length <= end ? 5 + length : 0;
    }
    default:
        return 0;
    }
}

/* Find where each column of the row at hand starts, and where the row ends (cells[visible]): once
 * per row, not once per column read (a row of a hundred columns would be walked a hundred times).
 * The batch was checked whole when it came, its TEXT's UTF-8 too: not again here. */
static void locate_row(const WasmTable *table, WasmCursor *cursor) {
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(cursor->data);
    size_t at = cursor->rows[cursor->index], end = cursor->rows[cursor->index + 1];
    for (int c = 0; c < table->visible; c++) {
        cursor->cells[c] = at;
        at += value_length(data, at, end, 0);
    }
    cursor->cells[table->visible] = at;
}

/* With the GIL: the next batch, checked whole (rows[] found); the cursor at its end if none. 0, or -1. */
static int next_batch(WasmTable *table, WasmCursor *cursor) {
    Py_CLEAR(cursor->data);
    cursor->count = cursor->index = 0;
    PyObject *got = call_one(table->fn, "batch_bytes", cursor->handle);
    if (got == NULL) return -1;
    if (got == Py_None) {
        Py_DECREF(got);
        cursor->eof = 1;
        return release_scan(table, cursor);
    }
    unsigned int count;
    PyObject *data;
    if (!PyArg_ParseTuple(got, "IO!", &count, &PyBytes_Type, &data)) {
        Py_DECREF(got);
        return -1;
    }
    cursor->data = Py_NewRef(data);
    Py_DECREF(got);
    const unsigned char *bytes = (const unsigned char *)PyBytes_AS_STRING(data);
    size_t end = (size_t)PyBytes_GET_SIZE(data), at = 0;
    size_t *rows = PyMem_Realloc(cursor->rows, sizeof(size_t) * ((size_t)count + 1));
    if (rows == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    cursor->rows = rows;
    size_t *cells = PyMem_Realloc(cursor->cells, sizeof(size_t) * ((size_t)table->visible + 1));
    if (cells == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    cursor->cells = cells;
    int ok = 1;
    for (unsigned int r = 0; ok && r < count; r++) {
        rows[r] = at;
        for (int c = 0; c < table->visible; c++) {
            size_t n = value_length(bytes, at, end, 1);
            if (n == 0) {
                ok = 0;
                break;
            }
            at += n;
        }
    }
    if (!ok || at != end) {
        /* parse_batch says what is wrong; if it finds nothing, the two disagree. */
        PyObject *parsed = PyObject_CallMethod(table->fn, "parse", "IO", count, data);
        if (parsed != NULL) {
            Py_DECREF(parsed);
            PyErr_SetString(PyExc_RuntimeError, "wasm table function: a batch C and Python read differently");
        }
        return -1;
    }
    rows[count] = at;
    cursor->count = count;
    if (count == 0) {
        cursor->eof = 1;
        return release_scan(table, cursor);
    }
    cursor->eof = 0;
    locate_row(table, cursor);
    return 0;
}

/* With the GIL: the scan's arguments (cursor->args) as Arguments; 0, or -1 with an exception. */
static int read_arguments(WasmCursor *cursor) {
    PyObject *args = cursor->args;
    if (!PyTuple_Check(args)) {
        PyErr_SetString(PyExc_TypeError, "wasm table function: arguments are not a tuple");
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    Argument *given = PyMem_Realloc(cursor->given, sizeof(Argument) * (size_t)(n ? n : 1));
    if (given == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    cursor->given = given;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *value = PyTuple_GET_ITEM(args, k);
        Argument *a = &given[k];
        memset(a, 0, sizeof *a);
        if (value == Py_None) {
            a->type = SQLITE_NULL;
        } else if (PyLong_CheckExact(value)) {
            a->type = SQLITE_INTEGER;
            a->integer = PyLong_AsLongLong(value);
            if (a->integer == -1 && PyErr_Occurred()) return -1;
        } else if (PyFloat_CheckExact(value)) {
            a->type = SQLITE_FLOAT;
            a->real = PyFloat_AS_DOUBLE(value);
        } else if (PyUnicode_CheckExact(value)) {
            a->type = SQLITE_TEXT;
            a->bytes = PyUnicode_AsUTF8AndSize(value, &a->size);
            if (a->bytes == NULL) return -1;
        } else if (PyBytes_CheckExact(value)) {
            a->type = SQLITE_BLOB;
            a->bytes = PyBytes_AS_STRING(value);
            a->size = PyBytes_GET_SIZE(value);
        } else {
            PyErr_Format(PyExc_TypeError, "wasm table function: an argument of type %s", Py_TYPE(value)->tp_name);
            return -1;
        }
    }
    return 0;
}

static int x_filter(sqlite3_vtab_cursor *base, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
    (void)idxStr;
    WasmCursor *cursor = (WasmCursor *)base;
    WasmTable *table = (WasmTable *)base->pVtab;
    PyGILState_STATE gil = PyGILState_Ensure();
    int rc = SQLITE_OK;
    if (PyErr_Occurred() || release_scan(table, cursor) < 0) goto failed;
    cursor->rowid = 0;
    Py_CLEAR(cursor->args);
    PyObject *given = PyTuple_New(argc);
    if (given == NULL) goto failed;
    for (int k = 0; k < argc; k++) {
        PyObject *value = to_python(argv[k]);
        if (value == NULL) {
            Py_DECREF(given);
            goto failed;
        }
        PyTuple_SET_ITEM(given, k, value);
    }
    cursor->args = PyObject_CallMethod(table->fn, "arguments", "iO", idxNum, given);
    Py_DECREF(given);
    if (cursor->args == NULL || read_arguments(cursor) < 0) goto failed;
    PyObject *handle = call_one(table->fn, "open", cursor->args);
    if (handle == NULL) goto failed;
    if (handle == Py_None) { /* a NULL number: no rows */
        Py_DECREF(handle);
        cursor->eof = 1;
        goto out;
    }
    cursor->handle = handle;
    PyObject *done = PyObject_CallMethod(table->fn, "pin", "i", 1);
    if (done == NULL) goto failed;
    Py_DECREF(done);
    cursor->pinned = 1;
    if (next_batch(table, cursor) < 0) goto failed;
    goto out;
failed:
    rc = say_error(base->pVtab);
out:
    PyGILState_Release(gil);
    return rc;
}

static int x_next(sqlite3_vtab_cursor *base) {
    WasmCursor *cursor = (WasmCursor *)base;
    cursor->rowid++;
    WasmTable *table = (WasmTable *)base->pVtab;
    if (++cursor->index < cursor->count) {
        locate_row(table, cursor);
        return SQLITE_OK;
    }
    PyGILState_STATE gil = PyGILState_Ensure();
    int rc = next_batch(table, cursor) < 0 ? say_error(base->pVtab) : SQLITE_OK;
    PyGILState_Release(gil);
    return rc;
}

static int x_eof(sqlite3_vtab_cursor *base) { return ((WasmCursor *)base)->eof; }

static int x_column(sqlite3_vtab_cursor *base, sqlite3_context *context, int column) {
    WasmCursor *cursor = (WasmCursor *)base;
    WasmTable *table = (WasmTable *)base->pVtab;
    if (column >= table->visible) { /* an argument: as the scan was given it */
        int k = column - table->visible;
        const Argument *a = cursor->args && k < PyTuple_GET_SIZE(cursor->args) ? &cursor->given[k] : NULL;
        switch (a ? a->type : SQLITE_NULL) {
        case SQLITE_INTEGER:
            sqlite3_result_int64(context, a->integer);
            break;
        case SQLITE_FLOAT:
            sqlite3_result_double(context, a->real);
            break;
        case SQLITE_TEXT:
            sqlite3_result_text64(context, a->bytes, (sqlite3_uint64)a->size, SQLITE_TRANSIENT, SQLITE_UTF8);
            break;
        case SQLITE_BLOB:
            sqlite3_result_blob64(context, a->size ? a->bytes : "", (sqlite3_uint64)a->size, SQLITE_TRANSIENT);
            break;
        default:
            sqlite3_result_null(context);
        }
        return SQLITE_OK;
    }
    if (cursor->data == NULL || cursor->index >= cursor->count) { /* SQLite reads no column at the end */
        sqlite3_result_null(context);
        return SQLITE_OK;
    }
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(cursor->data);
    size_t at = cursor->cells[column];
    const unsigned char *p = data + at + 1;
    switch (data[at]) {
    case TAG_INTEGER: {
        int64_t q;
        memcpy(&q, p, 8); /* little-endian, as the batch's */
        sqlite3_result_int64(context, q);
        break;
    }
    case TAG_REAL: {
        double d;
        memcpy(&d, p, 8);
        if (isnan(d))
            sqlite3_result_null(context);
        else
            sqlite3_result_double(context, d);
        break;
    }
    case TAG_TEXT: /* the tag, the bytes, a NUL: up to where the next column starts */
        sqlite3_result_text64(context, (const char *)p, (sqlite3_uint64)(cursor->cells[column + 1] - at - 2),
                              SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
    case TAG_BLOB: {
        size_t length = ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
        sqlite3_result_blob64(context, p + 4, (sqlite3_uint64)length, SQLITE_TRANSIENT);
        break;
    }
    default:
        sqlite3_result_null(context);
    }
    return SQLITE_OK;
}

static int x_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid) {
    *rowid = ((WasmCursor *)base)->rowid;
    return SQLITE_OK;
}

static int x_close(sqlite3_vtab_cursor *base) {
    WasmCursor *cursor = (WasmCursor *)base;
    WasmTable *table = (WasmTable *)base->pVtab;
    PyGILState_STATE gil = PyGILState_Ensure();
    /* SQLite closes the cursor of a statement that failed as it resets it: the error of the
     * failure stays pending, for APSW to raise. */
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    if (release_scan(table, cursor) < 0) PyErr_Clear(); /* a close that fails has nothing to undo */
    Py_CLEAR(cursor->args);
    PyMem_Free(cursor->given);
    PyErr_Restore(type, value, traceback);
    PyGILState_Release(gil);
    sqlite3_free(cursor);
    return SQLITE_OK;
}

static sqlite3_module table_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only: the table is the function's name, never CREATE VIRTUAL TABLE */
    .xConnect = x_connect,
    .xBestIndex = x_best_index,
    .xDisconnect = x_disconnect,
    .xDestroy = x_disconnect,
    .xOpen = x_open,
    .xClose = x_close,
    .xFilter = x_filter,
    .xNext = x_next,
    .xEof = x_eof,
    .xColumn = x_column,
    .xRowid = x_rowid,
};

/* create_table(sqlite3_pointer, name, table_module) -> SQLite's result code: register a Wasm
 * table-valued function (tables.TableModule) as an eponymous C virtual table. */
PyObject *py_create_table(PyObject *module, PyObject *args) {
    (void)module;
    unsigned long long pointer;
    const char *name;
    PyObject *source;
    if (!PyArg_ParseTuple(args, "KsO:create_table", &pointer, &name, &source)) return NULL;
    if (!sqlite_loaded()) return NULL;
    sqlite3 *db = (sqlite3 *)(uintptr_t)pointer;
    Py_INCREF(source);
    int rc;
    Py_BEGIN_ALLOW_THREADS
    /* On failure SQLite calls release_module itself. */
    rc = sqlite3_create_module_v2(db, name, &table_module, source, release_module);
    Py_END_ALLOW_THREADS
    return PyLong_FromLong(rc);
}
