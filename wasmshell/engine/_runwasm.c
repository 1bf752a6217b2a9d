/*
 * run_wasm(module, func_name, args...) as a C SQL function, so that a
 * constant module argument is resolved once per statement, not once per row.
 *
 * APSW turns every argument of a Python SQL function into a new Python
 * object on every row, so a Python run_wasm must copy the whole module
 * source and then compare it to the one it compiled. SQLite's own answer is
 * sqlite3_set_auxdata(): a function may attach data to an argument, and
 * SQLite keeps it for as long as that argument stays the same (a literal or
 * a bound parameter keeps it for the whole statement). Here the data is the
 * bound Python callable for (module, function name), so a row costs one
 * pointer lookup and a compare of the short function name.
 *
 * This file is both a Python extension module and a SQLite loadable
 * extension. SQLite's C functions are reached only through the routine
 * table SQLite hands to the loadable-extension entry point, because APSW
 * links SQLite statically and exports none of its symbols. wasmshell loads
 * this file once through APSW (Connection.load_extension) to receive that
 * table, then registers the function on each connection from Python.
 *
 * Everything else stays in Python: the resolver, given (module, name,
 * argument count), returns the callable or raises the error a user sees.
 *
 * The file also has NumberCall, the call of a Wasm function whose parameters
 * and result are all numbers (a module without memory): Python's ctypes
 * costs about half a microsecond a call, which is most of what such a
 * function costs per row, so the arguments go into wasmtime's raw value
 * slots and wasmtime_func_call_unchecked is called from here. rawcall.py
 * owns those slots and hands over their addresses; failures go back to
 * Python to be turned into the exceptions users see.
 * An exception raised by the resolver or the callable is left pending, as
 * APSW does for its own Python functions, so that APSW raises it unchanged
 * from the statement.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sqlite3ext.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

static void release_object(PyObject *object) {
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
static PyObject *to_python(sqlite3_value *value) {
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
static int set_result(sqlite3_context *context, PyObject *result) {
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

/* The callable cached on the module argument if the name still matches; a new reference or NULL. */
static PyObject *cached_call(sqlite3_context *context, sqlite3_value **argv) {
    Bound *bound = sqlite3_get_auxdata(context, 0);
    if (bound == NULL || sqlite3_value_type(argv[1]) != SQLITE_TEXT) return NULL;
    const unsigned char *name = sqlite3_value_text(argv[1]);
    if (name == NULL || sqlite3_value_bytes(argv[1]) != bound->name_len ||
        memcmp(name, bound->name, (size_t)bound->name_len) != 0)
        return NULL;
    Py_INCREF(bound->call);
    return bound->call;
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

static void fail(sqlite3_context *context) {
    /* The message SQLite carries; APSW raises the pending exception itself. */
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyObject *text = value ? PyObject_Str(value) : NULL;
    const char *message = text ? PyUnicode_AsUTF8(text) : NULL;
    PyErr_Clear();
    sqlite3_result_error(context, message ? message : "run_wasm failed", -1);
    Py_XDECREF(text);
    PyErr_Restore(type, value, traceback);
}

static void run_wasm(sqlite3_context *context, int argc, sqlite3_value **argv) {
    PyGILState_STATE gil = PyGILState_Ensure();
    if (PyErr_Occurred()) {
        /* An earlier callback failed in this statement: let that error surface. */
        sqlite3_result_error(context, "an earlier Python error is pending", -1);
        goto out;
    }
    PyObject *call = argc >= 2 ? cached_call(context, argv) : NULL;
    if (call == NULL) call = resolve_call(context, argc, argv);
    if (call == NULL) {
        fail(context);
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
    if (result == NULL || set_result(context, result) < 0) fail(context);
    Py_XDECREF(result);
out:
    PyGILState_Release(gil);
}

/* ---- NumberCall ---------------------------------------------------------- */

typedef void *(*unchecked_call)(void *context, const void *func, void *slots, size_t nslots, void *trap);

/* One Wasm value slot: wasmtime_val_raw_t, a 16-byte union. */
#define SLOT_BYTES 16

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    unchecked_call call;
    void **context;        /* where rawcall keeps the store's context (changes on reset) */
    const void *func;      /* the wasmtime_func_t, rewritten in place on reset */
    unsigned char *slots;  /* arguments in, results out */
    size_t nslots;
    uint64_t *trap;        /* wasm_trap_t *, set by a trap */
    char params[256];      /* one of "qidf" per parameter: i64, i32, f64, f32 */
    char result;           /* one of "qidf", or 0 for none */
    int nparams;
    PyObject *owner;       /* the rawcall.BoundCall owning the memory above */
    PyObject *stats;       /* [calls, errors] */
    PyObject *bad;         /* bad(k, value): raises for an argument of the wrong type */
    PyObject *out_of_range; /* out_of_range(k, value): raises for an i32 out of range */
    PyObject *fail;        /* fail(error_pointer): raises for a failed call */
} NumberCall;

static int count_call(PyObject *stats) {
    PyObject *old = PyList_GET_ITEM(stats, 0);
    long long calls = PyLong_AsLongLong(old);
    if (calls == -1 && PyErr_Occurred()) return -1;
    PyObject *now = PyLong_FromLongLong(calls + 1);
    if (now == NULL) return -1;
    PyList_SET_ITEM(stats, 0, now);
    Py_DECREF(old);
    return 0;
}

/* Raise through a Python callback that raises; NULL in any case. */
static PyObject *raise_with(PyObject *callback, int k, PyObject *value) {
    PyObject *ok = PyObject_CallFunction(callback, "iO", k, value);
    if (ok != NULL) {
        Py_DECREF(ok);
        PyErr_SetString(PyExc_RuntimeError, "an argument check did not raise");
    }
    return NULL;
}

static PyObject *number_call(PyObject *object, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    NumberCall *self = (NumberCall *)object;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL || nargs != self->nparams) {
        PyErr_Format(PyExc_TypeError, "expected %d arguments, got %zd", self->nparams, nargs);
        return NULL;
    }
    for (int k = 0; k < self->nparams; k++) {
        PyObject *a = args[k];
        unsigned char *slot = self->slots + (size_t)k * SLOT_BYTES;
        char kind = self->params[k];
        if (kind == 'q' || kind == 'i') {
            if (!PyLong_CheckExact(a)) {
                if (a == Py_None) Py_RETURN_NONE; /* a NULL number: NULL, without a call */
                return raise_with(self->bad, k, a);
            }
            long long v = PyLong_AsLongLong(a);
            if (v == -1 && PyErr_Occurred()) return NULL;
            if (kind == 'q') {
                int64_t q = v;
                memcpy(slot, &q, sizeof q);
            } else {
                if (v < INT32_MIN || v > INT32_MAX) return raise_with(self->out_of_range, k, a);
                int32_t i = (int32_t)v;
                memcpy(slot, &i, sizeof i);
            }
        } else {
            double d;
            if (PyFloat_CheckExact(a)) {
                d = PyFloat_AS_DOUBLE(a);
            } else if (PyLong_CheckExact(a)) {
                d = PyLong_AsDouble(a);
                if (d == -1.0 && PyErr_Occurred()) return NULL;
            } else if (a == Py_None) {
                Py_RETURN_NONE;
            } else {
                return raise_with(self->bad, k, a);
            }
            if (kind == 'd') {
                memcpy(slot, &d, sizeof d);
            } else {
                /* Beyond float's range a REAL becomes an infinity, as in Python's path. */
                float f = isnan(d) || fabs(d) <= FLT_MAX ? (float)d : (d > 0 ? INFINITY : -INFINITY);
                memcpy(slot, &f, sizeof f);
            }
        }
    }
    if (count_call(self->stats) < 0) return NULL;
    void *error;
    Py_BEGIN_ALLOW_THREADS
    /* Without the GIL: the epoch ticker and Ctrl-C watcher are Python threads. */
    error = self->call(*self->context, self->func, self->slots, self->nslots, self->trap);
    Py_END_ALLOW_THREADS
    if (error != NULL || *self->trap != 0) {
        PyObject *ok = PyObject_CallFunction(self->fail, "K", (unsigned long long)(uintptr_t)error);
        if (ok != NULL) {
            Py_DECREF(ok);
            PyErr_SetString(PyExc_RuntimeError, "a failed wasm call was not reported");
        }
        return NULL;
    }
    switch (self->result) {
    case 'q': {
        int64_t q;
        memcpy(&q, self->slots, sizeof q);
        return PyLong_FromLongLong(q);
    }
    case 'i': {
        int32_t i;
        memcpy(&i, self->slots, sizeof i);
        return PyLong_FromLong(i);
    }
    case 'd': {
        double d;
        memcpy(&d, self->slots, sizeof d);
        if (isnan(d)) Py_RETURN_NONE;
        return PyFloat_FromDouble(d);
    }
    case 'f': {
        float f;
        memcpy(&f, self->slots, sizeof f);
        if (isnan(f)) Py_RETURN_NONE;
        return PyFloat_FromDouble(f);
    }
    default:
        Py_RETURN_NONE;
    }
}

static int number_call_traverse(PyObject *object, visitproc visit, void *arg) {
    NumberCall *self = (NumberCall *)object;
    Py_VISIT(self->owner);
    Py_VISIT(self->stats);
    Py_VISIT(self->bad);
    Py_VISIT(self->out_of_range);
    Py_VISIT(self->fail);
    return 0;
}

static int number_call_clear(PyObject *object) {
    NumberCall *self = (NumberCall *)object;
    Py_CLEAR(self->owner);
    Py_CLEAR(self->stats);
    Py_CLEAR(self->bad);
    Py_CLEAR(self->out_of_range);
    Py_CLEAR(self->fail);
    return 0;
}

static void number_call_dealloc(PyObject *object) {
    PyObject_GC_UnTrack(object);
    number_call_clear(object);
    Py_TYPE(object)->tp_free(object);
}

static PyObject *number_call_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"addresses", "params", "result", "owner", "stats", "bad", "out_of_range", "fail", NULL};
    unsigned long long call, context, func, slots, nslots, trap;
    const char *params, *result;
    PyObject *owner, *stats, *bad, *out_of_range, *fail;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "(KKKKKK)ssOO!OOO:NumberCall", names, &call, &context, &func,
                                     &slots, &nslots, &trap, &params, &result, &owner, &PyList_Type, &stats, &bad,
                                     &out_of_range, &fail))
        return NULL;
    size_t n = strlen(params);
    if (n >= sizeof(((NumberCall *)0)->params) || strspn(params, "qidf") != n || strlen(result) > 1 ||
        strspn(result, "qidf") != strlen(result) || PyList_GET_SIZE(stats) < 1 ||
        nslots < (n > 1 ? n : 1)) {
        PyErr_SetString(PyExc_ValueError, "NumberCall: bad signature or slots");
        return NULL;
    }
    NumberCall *self = (NumberCall *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->vectorcall = number_call;
    self->call = (unchecked_call)(uintptr_t)call;
    self->context = (void **)(uintptr_t)context;
    self->func = (const void *)(uintptr_t)func;
    self->slots = (unsigned char *)(uintptr_t)slots;
    self->nslots = (size_t)nslots;
    self->trap = (uint64_t *)(uintptr_t)trap;
    memcpy(self->params, params, n + 1);
    self->result = result[0];
    self->nparams = (int)n;
    self->owner = Py_NewRef(owner);
    self->stats = Py_NewRef(stats);
    self->bad = Py_NewRef(bad);
    self->out_of_range = Py_NewRef(out_of_range);
    self->fail = Py_NewRef(fail);
    return (PyObject *)self;
}

static PyObject *number_call_plain(PyObject *self, PyObject *args, PyObject *kwargs) {
    return PyVectorcall_Call(self, args, kwargs);
}

static PyTypeObject NumberCallType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wasmshell.engine._runwasm.NumberCall",
    .tp_doc = "NumberCall(addresses, params, result, owner, stats, bad, out_of_range, fail)\n\n"
              "A Wasm function of numbers, called straight through wasmtime's raw slots.",
    .tp_basicsize = sizeof(NumberCall),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(NumberCall, vectorcall),
    .tp_call = number_call_plain,
    .tp_new = number_call_new,
    .tp_traverse = number_call_traverse,
    .tp_clear = number_call_clear,
    .tp_dealloc = number_call_dealloc,
};

/* The loadable-extension entry point: keep SQLite's routine table. */
__attribute__((visibility("default"))) int sqlite3_runwasm_init(sqlite3 *db, char **error,
                                                                const sqlite3_api_routines *api) {
    (void)db;
    (void)error;
    SQLITE_EXTENSION_INIT2(api);
    return SQLITE_OK;
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
    if (sqlite3_api == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the run_wasm extension has not been loaded into SQLite");
        return NULL;
    }
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
    rc = sqlite3_create_function_v2(db, "run_wasm", -1, SQLITE_UTF8, dispatch, run_wasm, NULL, NULL,
                                    free_dispatch);
    Py_END_ALLOW_THREADS
    if (rc != SQLITE_OK) {
        PyErr_Format(PyExc_RuntimeError, "registering run_wasm failed: %s", sqlite3_errstr(rc));
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"loaded", py_loaded, METH_NOARGS, "Whether SQLite's routine table has been received."},
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
    if (PyType_Ready(&NumberCallType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "NumberCall", (PyObject *)&NumberCallType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
