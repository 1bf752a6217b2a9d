/*
 * wasmshell's C part for the engine, one extension module in three files:
 *
 *   _runwasm.c   run_wasm as a C SQLite function (this file), and the module
 *   _wasmcall.c  WasmCall: a Wasm function called from SQL without ctypes,
 *                and the epoch deadline callback of every store
 *   _rawrows.c   RawRows: a statement run again with TEXT kept as bytes
 *
 * run_wasm(module, func_name, args...) is a C SQL function so that a
 * constant module argument is resolved once per statement, not once per row.
 * APSW turns every argument of a Python SQL function into a new Python
 * object on every row, so a Python run_wasm must copy the whole module
 * source and then compare it to the one it compiled. SQLite's own answer is
 * sqlite3_set_auxdata(): a function may attach data to an argument, and
 * SQLite keeps it for as long as that argument stays the same (a literal or
 * a bound parameter keeps it for the whole statement). Here the data is the
 * bound Python callable for (module, function name), so a row costs one
 * pointer lookup and a compare of the short function name.
 *
 * The module is both a Python extension module and a SQLite loadable
 * extension. SQLite's C functions are reached only through the routine
 * table SQLite hands to the loadable-extension entry point, because APSW
 * links SQLite statically and exports none of its symbols. wasmshell loads
 * the module once through APSW (Connection.load_extension) to receive that
 * table, then registers the function on each connection from Python.
 *
 * Everything else stays in Python: the resolver, given (module, name,
 * argument count), returns the callable or raises the error a user sees.
 * An exception raised by the resolver or the callable is left pending, as
 * APSW does for its own Python functions, so that APSW raises it unchanged
 * from the statement.
 */
#include "_runwasm.h"

SQLITE_EXTENSION_INIT1

/* More arguments than this go through a heap array. */
#define STACK_ARGS 16

/* Per connection: the Python resolver. */
typedef struct {
    PyObject *resolve;
} Dispatch;

/* Per statement and call site, attached to the module argument. */
typedef struct {
    PyObject *call;
    int name_len;
    char name[];
} Bound;

void release_object(PyObject *object) {
    /* SQLite may drop data while the connection closes at interpreter exit. */
    if (object == NULL || !Py_IsInitialized()) return;
    PyGILState_STATE gil = PyGILState_Ensure();
    Py_DECREF(object);
    PyGILState_Release(gil);
}

static void free_bound(void *data) {
    Bound *bound = data;
    release_object(bound->call);
    PyMem_RawFree(bound);
}

static void free_dispatch(void *data) {
    Dispatch *dispatch = data;
    release_object(dispatch->resolve);
    PyMem_RawFree(dispatch);
}

/* A new reference to the Python value of an SQL value, or NULL with an exception set. */
PyObject *to_python(sqlite3_value *value) {
    switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER:
        return PyLong_FromLongLong(sqlite3_value_int64(value));
    case SQLITE_FLOAT:
        return PyFloat_FromDouble(sqlite3_value_double(value));
    case SQLITE_TEXT: {
        const char *text = (const char *)sqlite3_value_text(value);
        if (text == NULL) return PyErr_NoMemory();
        return PyUnicode_DecodeUTF8(text, sqlite3_value_bytes(value), NULL);
    }
    case SQLITE_BLOB: {
        const void *blob = sqlite3_value_blob(value);
        Py_ssize_t size = sqlite3_value_bytes(value);
        return PyBytes_FromStringAndSize(size ? blob : "", size);
    }
    default:
        Py_RETURN_NONE;
    }
}

/* Set the SQL result from a Python value; 0, or -1 with an exception set. */
int set_result(sqlite3_context *context, PyObject *result) {
    if (result == Py_None) {
        sqlite3_result_null(context);
    } else if (PyLong_CheckExact(result)) {
        long long number = PyLong_AsLongLong(result);
        if (number == -1 && PyErr_Occurred()) return -1;
        sqlite3_result_int64(context, number);
    } else if (PyFloat_CheckExact(result)) {
        sqlite3_result_double(context, PyFloat_AS_DOUBLE(result));
    } else if (PyUnicode_CheckExact(result)) {
        Py_ssize_t size;
        const char *text = PyUnicode_AsUTF8AndSize(result, &size);
        if (text == NULL) return -1;
        sqlite3_result_text64(context, text, (sqlite3_uint64)size, SQLITE_TRANSIENT, SQLITE_UTF8);
    } else if (PyBytes_CheckExact(result)) {
        sqlite3_result_blob64(context, PyBytes_AS_STRING(result), (sqlite3_uint64)PyBytes_GET_SIZE(result),
                              SQLITE_TRANSIENT);
    } else {
        PyErr_Format(PyExc_TypeError, "run_wasm: a function returned a value of Python type %s",
                     Py_TYPE(result)->tp_name);
        return -1;
    }
    return 0;
}

/* The binding cached on the module argument if the name asked for is still its name, else NULL;
 * no GIL needed (the auxdata keeps the callable alive). */
static Bound *bound_for(sqlite3_context *context, sqlite3_value **argv) {
    Bound *bound = sqlite3_get_auxdata(context, 0);
    if (bound == NULL || sqlite3_value_type(argv[1]) != SQLITE_TEXT) return NULL;
    const unsigned char *name = sqlite3_value_text(argv[1]);
    if (name == NULL || sqlite3_value_bytes(argv[1]) != bound->name_len ||
        memcmp(name, bound->name, (size_t)bound->name_len) != 0)
        return NULL;
    return bound;
}

/* The callable cached on the module argument if the name still matches; a new reference or NULL. */
static PyObject *cached_call(sqlite3_context *context, sqlite3_value **argv) {
    Bound *bound = bound_for(context, argv);
    return bound == NULL ? NULL : Py_NewRef(bound->call);
}

/* Ask the Python resolver for the callable and cache it; a new reference or NULL with an exception set. */
static PyObject *resolve_call(sqlite3_context *context, int argc, sqlite3_value **argv) {
    Dispatch *dispatch = sqlite3_user_data(context);
    PyObject *module = argc > 0 ? to_python(argv[0]) : Py_NewRef(Py_None);
    if (module == NULL) return NULL;
    PyObject *name = argc > 1 ? to_python(argv[1]) : Py_NewRef(Py_None);
    if (name == NULL) {
        Py_DECREF(module);
        return NULL;
    }
    PyObject *call = PyObject_CallFunction(dispatch->resolve, "OOi", module, name, argc > 2 ? argc - 2 : 0);
    Py_DECREF(module);
    if (call != NULL && PyUnicode_Check(name)) {
        Py_ssize_t size;
        const char *text = PyUnicode_AsUTF8AndSize(name, &size);
        Bound *bound = text && size < INT_MAX ? PyMem_RawMalloc(sizeof(Bound) + (size_t)size) : NULL;
        if (bound != NULL) {
            bound->call = Py_NewRef(call);
            bound->name_len = (int)size;
            memcpy(bound->name, text, (size_t)size);
            /* SQLite may free it at once when the argument is not constant. */
            sqlite3_set_auxdata(context, 0, bound, free_bound);
        }
        PyErr_Clear(); /* only the cache failed; the call can still be made */
    }
    Py_DECREF(name);
    return call;
}

char *pending_message(const char *otherwise) {
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyObject *text = value ? PyObject_Str(value) : NULL;
    const char *message = text ? PyUnicode_AsUTF8(text) : NULL;
    PyErr_Clear();
    char *copy = sqlite3_mprintf("%s", message ? message : otherwise);
    Py_XDECREF(text);
    PyErr_Restore(type, value, traceback);
    return copy;
}

void report_error(sqlite3_context *context) {
    /* The message SQLite carries; APSW raises the pending exception itself. */
    char *message = pending_message("run_wasm failed");
    if (message == NULL) {
        sqlite3_result_error_nomem(context);
        return;
    }
    sqlite3_result_error(context, message, -1);
    sqlite3_free(message);
}

int sqlite_loaded(void) {
    if (sqlite3_api != NULL) return 1;
    PyErr_SetString(PyExc_RuntimeError, "the run_wasm extension has not been loaded into SQLite");
    return 0;
}

int gil_for_python(sqlite3_context *context, PyGILState_STATE *gil) {
    *gil = PyGILState_Ensure();
    if (!PyErr_Occurred()) return 1;
    sqlite3_result_error(context, "an earlier Python error is pending", -1);
    PyGILState_Release(*gil);
    return 0;
}

/* The WasmCall cached on the module argument if the name still matches, borrowed, without the GIL;
 * NULL if there is none or it is another callable. */
static PyObject *cached_wasm_call(sqlite3_context *context, sqlite3_value **argv) {
    Bound *bound = bound_for(context, argv);
    return bound != NULL && Py_TYPE(bound->call) == &WasmCallType ? bound->call : NULL;
}

static void run_wasm(sqlite3_context *context, int argc, sqlite3_value **argv) {
    PyObject *fast = argc >= 2 ? cached_wasm_call(context, argv) : NULL;
    if (fast != NULL) {
        /* The row as a registered function's: no GIL unless something is unusual. */
        wasm_call_row(context, fast, argc - 2, argv + 2);
        return;
    }
    PyGILState_STATE gil;
    if (!gil_for_python(context, &gil)) return;
    PyObject *call = argc >= 2 ? cached_call(context, argv) : NULL;
    if (call == NULL) call = resolve_call(context, argc, argv);
    if (call == NULL) {
        report_error(context);
        goto out;
    }
    int nargs = argc > 2 ? argc - 2 : 0;
    PyObject *small[STACK_ARGS];
    PyObject **args = nargs <= STACK_ARGS ? small : PyMem_Malloc(sizeof(PyObject *) * (size_t)nargs);
    PyObject *result = NULL;
    int made = 0;
    if (args == NULL) {
        PyErr_NoMemory();
    } else {
        for (; made < nargs; made++) {
            args[made] = to_python(argv[made + 2]);
            if (args[made] == NULL) break;
        }
        if (made == nargs) result = PyObject_Vectorcall(call, args, (size_t)nargs, NULL);
        for (int k = 0; k < made; k++) Py_DECREF(args[k]);
        if (args != small) PyMem_Free(args);
    }
    Py_DECREF(call);
    if (result == NULL || set_result(context, result) < 0) report_error(context);
    Py_XDECREF(result);
out:
    PyGILState_Release(gil);
}

/* The loadable-extension entry point: keep SQLite's routine table. */
__attribute__((visibility("default"))) int sqlite3_runwasm_init(sqlite3 *db, char **error,
                                                                const sqlite3_api_routines *api) {
    (void)db;
    (void)error;
    SQLITE_EXTENSION_INIT2(api);
    return SQLITE_OK;
}

/* A REAL as SQLite's own printf writes it into out (size bytes): style 0 as
 * CAST(x AS TEXT) and the sqlite3 shell's text modes give it ("%!.17g"),
 * style 1 as the shell's insert and json modes do ("%.16g"). The length, or
 * -1 before the routine table has been received. Exported to _rows.c as a
 * capsule, so both write a REAL's digits as SQLite computes them. */
static int real_text(double value, int style, char *out, int size) {
    if (sqlite3_api == NULL) return -1;
    sqlite3_snprintf(size, out, style ? "%.16g" : "%!.17g", value);
    return (int)strlen(out);
}

static PyObject *py_real_text(PyObject *self, PyObject *args) {
    (void)self;
    double value;
    int style = 0;
    char out[64];
    if (!PyArg_ParseTuple(args, "d|i:real_text", &value, &style)) return NULL;
    int n = real_text(value, style, out, sizeof out);
    if (n < 0) Py_RETURN_NONE;
    return PyUnicode_FromStringAndSize(out, n);
}

static PyObject *py_loaded(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyBool_FromLong(sqlite3_api != NULL);
}

static PyObject *py_register(PyObject *self, PyObject *args) {
    (void)self;
    unsigned long long pointer;
    PyObject *resolve;
    if (!PyArg_ParseTuple(args, "KO:register", &pointer, &resolve)) return NULL;
    if (!sqlite_loaded()) return NULL;
    if (!PyCallable_Check(resolve)) {
        PyErr_SetString(PyExc_TypeError, "resolve must be callable");
        return NULL;
    }
    Dispatch *dispatch = PyMem_RawMalloc(sizeof(Dispatch));
    if (dispatch == NULL) return PyErr_NoMemory();
    dispatch->resolve = Py_NewRef(resolve);
    sqlite3 *db = (sqlite3 *)(uintptr_t)pointer;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    /* On failure SQLite calls free_dispatch itself. */
    /* Innocuous: sandboxed, so a view or trigger of a file not trusted may call it. */
    rc = sqlite3_create_function_v2(db, "run_wasm", -1, SQLITE_UTF8 | SQLITE_INNOCUOUS, dispatch, run_wasm, NULL, NULL,
                                    free_dispatch);
    Py_END_ALLOW_THREADS
    if (rc != SQLITE_OK) {
        PyErr_Format(PyExc_RuntimeError, "registering run_wasm failed: %s", sqlite3_errstr(rc));
        return NULL;
    }
    Py_RETURN_NONE;
}

/* Test controls newer than an older sqlite3.h may have (the values are SQLite's). */
#ifndef SQLITE_TESTCTRL_FK_NO_ACTION
#define SQLITE_TESTCTRL_FK_NO_ACTION 7
#endif
#ifndef SQLITE_TESTCTRL_JSON_SELFCHECK
#define SQLITE_TESTCTRL_JSON_SELFCHECK 14
#endif
#ifndef SQLITE_TESTCTRL_GETOPT
#define SQLITE_TESTCTRL_GETOPT 16
#endif
#ifndef SQLITE_TESTCTRL_SEEK_COUNT
#define SQLITE_TESTCTRL_SEEK_COUNT 30
#endif

/* test_control(sqlite3_pointer, op, value) -> int: the sqlite3_test_control() calls the shell's
 * .testctrl makes, each with the arguments its operation takes (value where it takes one); the
 * result is the call's return code, or the number it writes back (GETOPT, JSON_SELFCHECK,
 * SEEK_COUNT). Any other operation is refused: a wrong argument list is undefined behaviour. */
static PyObject *py_test_control(PyObject *self, PyObject *args) {
    (void)self;
    unsigned long long pointer;
    int op;
    long long value;
    if (!PyArg_ParseTuple(args, "KiL:test_control", &pointer, &op, &value)) return NULL;
    if (!sqlite_loaded()) return NULL;
    sqlite3 *db = (sqlite3 *)(uintptr_t)pointer;
    long long result;
    switch (op) {
    case SQLITE_TESTCTRL_BYTEORDER:
    case SQLITE_TESTCTRL_PRNG_SAVE:
    case SQLITE_TESTCTRL_PRNG_RESTORE:
        result = sqlite3_test_control(op);
        break;
    case SQLITE_TESTCTRL_INTERNAL_FUNCTIONS:
        result = sqlite3_test_control(op, db);
        break;
    case SQLITE_TESTCTRL_FK_NO_ACTION:
    case SQLITE_TESTCTRL_SORTER_MMAP:
        result = sqlite3_test_control(op, db, (int)value);
        break;
    case SQLITE_TESTCTRL_OPTIMIZATIONS:
        result = sqlite3_test_control(op, db, (unsigned int)value);
        break;
    case SQLITE_TESTCTRL_LOCALTIME_FAULT:
        result = sqlite3_test_control(op, value ? 1 : 0, (void *)0);
        break;
    case SQLITE_TESTCTRL_PRNG_SEED:
        result = sqlite3_test_control(op, (int)value, (sqlite3 *)0);
        break;
    case SQLITE_TESTCTRL_GETOPT: {
        int flags = 0;
        sqlite3_test_control(op, db, &flags);
        result = (unsigned int)flags;
        break;
    }
    case SQLITE_TESTCTRL_JSON_SELFCHECK: {
        int on = (int)value;
        sqlite3_test_control(op, &on);
        result = on;
        break;
    }
    case SQLITE_TESTCTRL_SEEK_COUNT: {
        sqlite3_uint64 seeks = 0;
        sqlite3_test_control(op, db, &seeks);
        result = (long long)seeks;
        break;
    }
    default:
        PyErr_Format(PyExc_ValueError, "test_control: operation %d is not one .testctrl makes", op);
        return NULL;
    }
    return PyLong_FromLongLong(result);
}

/* sqlite3_test_control(SQLITE_TESTCTRL_IMPOSTER, db, schema, on, tnum), which APSW does not
 * offer: the sqlite3 shell's .imposter makes a table over an index's b-tree with it. */
static PyObject *py_imposter(PyObject *self, PyObject *args) {
    (void)self;
    unsigned long long pointer;
    const char *schema;
    int on, tnum;
    if (!PyArg_ParseTuple(args, "Ksii:imposter", &pointer, &schema, &on, &tnum)) return NULL;
    if (!sqlite_loaded()) return NULL;
    int rc = sqlite3_test_control(SQLITE_TESTCTRL_IMPOSTER, (sqlite3 *)(uintptr_t)pointer, schema, on, tnum);
    return PyLong_FromLong(rc);
}

static PyMethodDef methods[] = {
    {"imposter", py_imposter, METH_VARARGS,
     "imposter(sqlite3_pointer, schema, on, tnum) -> SQLite's result code\n\n"
     "sqlite3_test_control(SQLITE_TESTCTRL_IMPOSTER, ...): the next CREATE TABLE is over b-tree tnum."},
    {"test_control", py_test_control, METH_VARARGS,
     "test_control(sqlite3_pointer, op, value) -> int: one of the sqlite3_test_control() calls of .testctrl"},
    {"loaded", py_loaded, METH_NOARGS, "Whether SQLite's routine table has been received."},
    {"real_text", py_real_text, METH_VARARGS,
     "real_text(value, style=0) -> str, or None before the routine table is received\n\n"
     "SQLite's printf of a REAL: style 0 \"%!.17g\" (CAST AS TEXT), style 1 \"%.16g\"."},
    {"deadline_callback", py_deadline_callback, METH_VARARGS,
     "deadline_callback(error_new_address) -> address of the C epoch deadline callback\n\n"
     "Its environment is an instance's control block (see _wasmcall.c)."},
    {"raw_rows", py_raw_rows, METH_VARARGS,
     "raw_rows(sqlite3_pointer, connection, sql, bindings) -> (columns, rows) or None\n\n"
     "Run the first statement of sql again if it only reads, TEXT kept as bytes (surrogateescape)."},
    {"rest_of_rows", py_rest_of_rows, METH_VARARGS,
     "rest_of_rows(sqlite3_pointer, sql, keep) -> None or (count, last rows, error)\n\n"
     "Step the statement APSW is in the middle of to its end, keeping only the last rows."},
    {"rows_stepped", py_rows_stepped, METH_NOARGS,
     "rows_stepped() -> int: the rows the running (or last) rest_of_rows has stepped so far."},
    {"insert_lines", py_insert_lines, METH_VARARGS,
     "insert_lines(sqlite3_pointer, sql, data, colsep, rowsep, csv, ncol) -> (lines, bytes, error)\n\n"
     "Insert the rows of data's plain lines as TEXT; stop at a line that is not simple, or after\n"
     "one whose INSERT failed (error: SQLite's message)."},
    {"run_plain", py_run_plain, METH_VARARGS,
     "run_plain(sqlite3_pointer, sql) -> (done, outcome, code, error, offset)\n\n"
     "Run sql's statements in turn while they give no result columns (see _bulkinsert.c)."},
    {"word_starts", py_word_starts, METH_VARARGS,
     "word_starts(data, stems) -> bool: whether a word of data begins with one of stems (see _scan.c)."},
    {"stmt_status", py_stmt_status, METH_VARARGS,
     "stmt_status(sqlite3_pointer, sql, reset) -> the counters of the statement of that text, or None"},
    {"explain_rows", py_explain_rows, METH_VARARGS,
     "explain_rows(sqlite3_pointer, sql, full) -> (query plan rows, bytecode rows or None), or None"},
    {"create_function", py_create_function, METH_VARARGS,
     "create_function(sqlite3_pointer, name, nargs, flags, wasm_call): register a WasmCall as a C SQL function."},
    {"create_aggregate", py_create_aggregate, METH_VARARGS,
     "create_aggregate(sqlite3_pointer, name, nargs, flags, fast, python, group_class, first_pointer, state)\n\n"
     "Register a Wasm aggregate (a window function if it has an inverse) whose phases are WasmCalls."},
    {"create_table", py_create_table, METH_VARARGS,
     "create_table(sqlite3_pointer, name, table_module) -> SQLite's result code\n\n"
     "Register a Wasm table-valued function (tables.TableModule) as an eponymous C virtual table."},
    {"register", py_register, METH_VARARGS,
     "register(sqlite3_pointer, resolve): define run_wasm on a connection.\n\n"
     "resolve(module, name, nargs) returns the callable for the rest of the arguments."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_runwasm",
    .m_doc = "run_wasm as a C SQLite function (see _runwasm.c).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__runwasm(void) {
    if (PyType_Ready(&WasmCallType) < 0 || PyType_Ready(&RawRowsType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "WasmCall", (PyObject *)&WasmCallType) < 0 ||
        PyModule_AddIntConstant(m, "CONTROL_MEMORY", C_MEMORY) < 0 ||
        PyModule_AddIntConstant(m, "CONTROL_SLOTS", C_SIZE) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    PyObject *capsule = PyCapsule_New((void *)real_text, "wasmshell.engine._runwasm.real_text_c", NULL);
    if (capsule == NULL || PyModule_AddObject(m, "real_text_c", capsule) < 0) {
        Py_XDECREF(capsule);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
