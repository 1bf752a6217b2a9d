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
 * The file also has WasmCall, the call of a Wasm function from SQL: Python's
 * ctypes costs about half a microsecond a call, which is most of what a
 * small function costs per row, so the arguments go into wasmtime's raw
 * value slots (TEXT and BLOB through libsql_malloc into linear memory) and
 * wasmtime_func_call_unchecked is called from here. rawcall.py owns those
 * slots and hands over their addresses. Only the common, well-formed case is
 * done here: anything unusual (a failed call, a result pointer out of
 * bounds, a value of an odd type) goes back to runtime.Instance, so the
 * errors users see are written in one place.
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

/* ---- WasmCall ------------------------------------------------------------ */

typedef void *(*unchecked_call)(void *context, const void *func, void *slots, size_t nslots, void *trap);

/* One Wasm value slot: wasmtime_val_raw_t, a 16-byte union. */
#define SLOT_BYTES 16

enum { TAG_TEXT = 3, TAG_BLOB = 4, TAG_NULL = 5 };

/* A function as rawcall.BoundCall lays it out: see BoundCall.addresses(). */
typedef struct {
    const void *func;      /* the wasmtime_func_t, rewritten in place on reset */
    unsigned char *slots;  /* arguments in, results out */
    size_t nslots;
    uint64_t *trap;        /* wasm_trap_t *, set by a trap */
} Raw;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    unchecked_call call;
    void **context;        /* where rawcall keeps the store's context (changes on reset) */
    Raw fn, malloc;        /* the function, and libsql_malloc (malloc.func NULL if not needed) */
    char params[256];      /* per parameter: q i64, i i32, d f64, f f32, p pointer to a value */
    char result;           /* one of "qidfp", or 0 for none */
    int nparams, pointers;
    PyObject *owners;      /* what owns the memory above (the BoundCalls) */
    PyObject *stats;       /* [calls, errors] */
    PyObject *bad;         /* bad(k, value): raises for an argument of the wrong type */
    PyObject *out_of_range; /* out_of_range(k, value): raises for an i32 out of range */
    PyObject *fail;        /* fail(error_pointer): raises for a failed call */
    PyObject *instance;    /* runtime.Instance, for functions with pointers; else None */
    PyObject *name;        /* the SQL name, for the instance's messages */
} WasmCall;

static int parse_raw(PyObject *tuple, Raw *raw, unchecked_call *call, void ***context) {
    unsigned long long c, ctx, func, slots, nslots, trap;
    if (!PyArg_ParseTuple(tuple, "KKKKKK:addresses", &c, &ctx, &func, &slots, &nslots, &trap)) return -1;
    *call = (unchecked_call)(uintptr_t)c;
    *context = (void **)(uintptr_t)ctx;
    raw->func = (const void *)(uintptr_t)func;
    raw->slots = (unsigned char *)(uintptr_t)slots;
    raw->nslots = (size_t)nslots;
    raw->trap = (uint64_t *)(uintptr_t)trap;
    return 0;
}

/* Call a Wasm function without the GIL: the epoch ticker and the Ctrl-C
 * watcher are Python threads. Returns wasmtime's error pointer. */
static void *call_raw(WasmCall *self, const Raw *raw) {
    void *error;
    Py_BEGIN_ALLOW_THREADS
    error = self->call(*self->context, raw->func, raw->slots, raw->nslots, raw->trap);
    Py_END_ALLOW_THREADS
    return error;
}

static int count_call(PyObject *stats, long long *calls) {
    PyObject *old = PyList_GET_ITEM(stats, 0);
    long long n = PyLong_AsLongLong(old);
    if (n == -1 && PyErr_Occurred()) return -1;
    PyObject *now = PyLong_FromLongLong(n + 1);
    if (now == NULL) return -1;
    PyList_SET_ITEM(stats, 0, now);
    Py_DECREF(old);
    *calls = n + 1;
    return 0;
}

/* Call a Python function that raises; NULL in any case. */
static PyObject *raise_through(PyObject *callable, PyObject *args) {
    if (args == NULL) return NULL;
    PyObject *ok = PyObject_Call(callable, args, NULL);
    Py_DECREF(args);
    if (ok != NULL) {
        Py_DECREF(ok);
        PyErr_SetString(PyExc_RuntimeError, "a wasm call failed without an error");
    }
    return NULL;
}

/* The instance's linear memory as it is now; release with PyBuffer_Release. */
static int memory_view(WasmCall *self, Py_buffer *view) {
    PyObject *mem = PyObject_GetAttrString(self->instance, "mem");
    if (mem == NULL) return -1;
    /* Not PyBUF_WRITABLE: an empty memory is a read-only b"", and nothing is
     * written to a view before fits() has found room in it. */
    int failed = PyObject_GetBuffer(mem, view, PyBUF_SIMPLE);
    Py_DECREF(mem);
    return failed;
}

/* Whether [start, start + length) is in memory, looking again if the guest grew it. */
static int fits(WasmCall *self, Py_buffer *view, uint64_t start, uint64_t length) {
    if (start + length <= (uint64_t)view->len) return 1;
    PyBuffer_Release(view);
    PyObject *done = PyObject_CallMethod(self->instance, "refresh_memory", NULL);
    if (done == NULL) return -1;
    Py_DECREF(done);
    if (memory_view(self, view) < 0) return -1;
    return start + length <= (uint64_t)view->len;
}

/* Place a TEXT, BLOB or NULL argument in guest memory; its pointer, or -1 with an exception. */
static long long put_value(WasmCall *self, PyObject *value, int position) {
    const char *data = "";
    Py_ssize_t size = 0;
    unsigned char header[5];
    size_t nheader = 1, ntrailer = 0;
    if (PyUnicode_CheckExact(value) && (data = PyUnicode_AsUTF8AndSize(value, &size)) != NULL) {
        header[0] = TAG_TEXT;
        ntrailer = 1;
    } else if (PyBytes_CheckExact(value)) {
        data = PyBytes_AS_STRING(value);
        size = PyBytes_GET_SIZE(value);
        header[0] = TAG_BLOB;
        uint32_t n = (uint32_t)size;
        header[1] = (unsigned char)(n >> 24), header[2] = (unsigned char)(n >> 16);
        header[3] = (unsigned char)(n >> 8), header[4] = (unsigned char)n;
        nheader = 5;
    } else if (value == Py_None) {
        header[0] = TAG_NULL;
    } else {
        /* Anything else (a str with lone surrogates, another type): Python's way. */
        PyErr_Clear();
        PyObject *pointer = PyObject_CallMethod(self->instance, "put", "OOi", value, self->name, position);
        if (pointer == NULL) return -1;
        long long p = PyLong_AsLongLong(pointer);
        Py_DECREF(pointer);
        return p;
    }
    uint64_t total = nheader + (uint64_t)size + ntrailer;
    if (total > 0x7FFFFFFF) {
        PyObject *pointer = PyObject_CallMethod(self->instance, "put", "OOi", value, self->name, position);
        Py_XDECREF(pointer);
        return -1; /* put raises: too large */
    }
    int32_t request = (int32_t)total;
    memcpy(self->malloc.slots, &request, sizeof request);
    void *error = call_raw(self, &self->malloc);
    if (error != NULL || *self->malloc.trap != 0) {
        PyObject *failed = PyObject_GetAttrString(self->instance, "malloc_failed");
        if (failed == NULL) return -1;
        raise_through(failed, Py_BuildValue("(KKO)", (unsigned long long)(uintptr_t)error,
                                            (unsigned long long)total, self->name));
        Py_DECREF(failed);
        return -1;
    }
    uint32_t pointer;
    memcpy(&pointer, self->malloc.slots, sizeof pointer);
    Py_buffer view;
    if (memory_view(self, &view) < 0) return -1;
    int ok = pointer == 0 ? 0 : fits(self, &view, pointer, total);
    if (ok < 0) return -1;
    if (!ok) {
        PyBuffer_Release(&view);
        PyObject *misplaced = PyObject_GetAttrString(self->instance, "misplaced");
        if (misplaced == NULL) return -1;
        raise_through(misplaced, Py_BuildValue("(KKO)", (unsigned long long)pointer, (unsigned long long)total,
                                              self->name));
        Py_DECREF(misplaced);
        return -1;
    }
    unsigned char *at = (unsigned char *)view.buf + pointer;
    memcpy(at, header, nheader);
    if (size) memcpy(at + nheader, data, (size_t)size);
    if (ntrailer) at[nheader + (size_t)size] = 0;
    PyBuffer_Release(&view);
    /* Past the threshold the instance is replaced after this call. */
    PyObject *threshold = PyObject_GetAttrString(self->instance, "threshold");
    if (threshold == NULL) return -1;
    PyObject *end = PyLong_FromUnsignedLongLong(pointer + total);
    int past = end == NULL ? -1 : PyObject_RichCompareBool(end, threshold, Py_GT);
    Py_XDECREF(end);
    Py_DECREF(threshold);
    if (past < 0 || (past && PyObject_SetAttrString(self->instance, "stale", Py_True) < 0)) return -1;
    return pointer;
}

/* The value a pointer result points at; anything unusual goes to Instance.get,
 * which knows every message. */
static PyObject *get_value(WasmCall *self, uint32_t pointer) {
    Py_buffer view;
    if (memory_view(self, &view) < 0) return NULL;
    PyObject *value = NULL;
    int handled = 0;
    if ((uint64_t)pointer + 1 <= (uint64_t)view.len) {
        const unsigned char *mem = view.buf;
        unsigned char tag = mem[pointer];
        if (tag == TAG_NULL) {
            value = Py_NewRef(Py_None);
            handled = 1;
        } else if (tag == TAG_TEXT) {
            const unsigned char *start = mem + pointer + 1;
            const unsigned char *nul = memchr(start, 0, (size_t)(view.len - pointer - 1));
            if (nul != NULL) {
                value = PyUnicode_DecodeUTF8((const char *)start, nul - start, NULL);
                if (value == NULL) PyErr_Clear(); /* let get() say where */
                handled = value != NULL;
            }
        } else if (tag == TAG_BLOB && (uint64_t)pointer + 5 <= (uint64_t)view.len) {
            const unsigned char *p = mem + pointer + 1;
            uint64_t length = ((uint64_t)p[0] << 24) | ((uint64_t)p[1] << 16) | ((uint64_t)p[2] << 8) | p[3];
            if (length <= 0x7FFFFFFF && (uint64_t)pointer + 5 + length <= (uint64_t)view.len) {
                value = PyBytes_FromStringAndSize((const char *)p + 4, (Py_ssize_t)length);
                handled = 1;
            }
        }
    }
    PyBuffer_Release(&view);
    if (handled) return value;
    return PyObject_CallMethod(self->instance, "get", "kO", (unsigned long)pointer, self->name);
}

static PyObject *wasm_call(PyObject *object, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    WasmCall *self = (WasmCall *)object;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL || nargs != self->nparams) {
        PyErr_Format(PyExc_TypeError, "expected %d arguments, got %zd", self->nparams, nargs);
        return NULL;
    }
    /* Numbers first: a NULL among them returns NULL before anything is allocated. */
    for (int k = 0; k < self->nparams; k++) {
        PyObject *a = args[k];
        unsigned char *slot = self->fn.slots + (size_t)k * SLOT_BYTES;
        char kind = self->params[k];
        if (kind == 'p') continue;
        if (kind == 'q' || kind == 'i') {
            if (!PyLong_CheckExact(a)) {
                if (a == Py_None) Py_RETURN_NONE; /* a NULL number: NULL, without a call */
                return raise_through(self->bad, Py_BuildValue("(iO)", k, a));
            }
            long long v = PyLong_AsLongLong(a);
            if (v == -1 && PyErr_Occurred()) return NULL;
            if (kind == 'q') {
                int64_t q = v;
                memcpy(slot, &q, sizeof q);
            } else {
                if (v < INT32_MIN || v > INT32_MAX) return raise_through(self->out_of_range, Py_BuildValue("(iO)", k, a));
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
                return raise_through(self->bad, Py_BuildValue("(iO)", k, a));
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
    for (int k = 0; self->pointers && k < self->nparams; k++) {
        if (self->params[k] != 'p') continue;
        long long pointer = put_value(self, args[k], k + 1);
        if (pointer < 0) return NULL;
        int32_t i = (int32_t)(uint32_t)pointer;
        memcpy(self->fn.slots + (size_t)k * SLOT_BYTES, &i, sizeof i);
    }
    long long calls;
    if (count_call(self->stats, &calls) < 0) return NULL;
    void *error = call_raw(self, &self->fn);
    if (error != NULL || *self->fn.trap != 0)
        return raise_through(self->fail, Py_BuildValue("(K)", (unsigned long long)(uintptr_t)error));
    PyObject *value;
    switch (self->result) {
    case 'q': {
        int64_t q;
        memcpy(&q, self->fn.slots, sizeof q);
        value = PyLong_FromLongLong(q);
        break;
    }
    case 'i': {
        int32_t i;
        memcpy(&i, self->fn.slots, sizeof i);
        value = PyLong_FromLong(i);
        break;
    }
    case 'd': {
        double d;
        memcpy(&d, self->fn.slots, sizeof d);
        value = isnan(d) ? Py_NewRef(Py_None) : PyFloat_FromDouble(d);
        break;
    }
    case 'f': {
        float f;
        memcpy(&f, self->fn.slots, sizeof f);
        value = isnan(f) ? Py_NewRef(Py_None) : PyFloat_FromDouble(f);
        break;
    }
    case 'p': {
        uint32_t pointer;
        memcpy(&pointer, self->fn.slots, sizeof pointer);
        value = get_value(self, pointer);
        break;
    }
    default:
        value = Py_NewRef(Py_None);
    }
    if (value == NULL || self->instance == Py_None) return value;
    /* Now and then, and when the instance has grown too far: Instance.maintain. */
    int stale = 0;
    if (calls % 256 != 0) {
        PyObject *flag = PyObject_GetAttrString(self->instance, "stale");
        stale = flag == NULL ? -1 : PyObject_IsTrue(flag);
        Py_XDECREF(flag);
    }
    if (stale < 0) {
        Py_DECREF(value);
        return NULL;
    }
    if (stale || calls % 256 == 0) {
        PyObject *done = PyObject_CallMethod(self->instance, "maintain", NULL);
        if (done == NULL) {
            Py_DECREF(value);
            return NULL;
        }
        Py_DECREF(done);
    }
    return value;
}

static int wasm_call_traverse(PyObject *object, visitproc visit, void *arg) {
    WasmCall *self = (WasmCall *)object;
    Py_VISIT(self->owners);
    Py_VISIT(self->stats);
    Py_VISIT(self->bad);
    Py_VISIT(self->out_of_range);
    Py_VISIT(self->fail);
    Py_VISIT(self->instance);
    Py_VISIT(self->name);
    return 0;
}

static int wasm_call_clear(PyObject *object) {
    WasmCall *self = (WasmCall *)object;
    Py_CLEAR(self->owners);
    Py_CLEAR(self->stats);
    Py_CLEAR(self->bad);
    Py_CLEAR(self->out_of_range);
    Py_CLEAR(self->fail);
    Py_CLEAR(self->instance);
    Py_CLEAR(self->name);
    return 0;
}

static void wasm_call_dealloc(PyObject *object) {
    PyObject_GC_UnTrack(object);
    wasm_call_clear(object);
    Py_TYPE(object)->tp_free(object);
}

static PyObject *wasm_call_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"addresses", "params", "result", "owners", "stats", "bad", "out_of_range",
                            "fail", "instance", "name", "malloc", NULL};
    PyObject *addresses, *owners, *stats, *bad, *out_of_range, *fail, *instance, *name, *malloc = Py_None;
    const char *params, *result;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!ssOO!OOOOU|O:WasmCall", names, &PyTuple_Type, &addresses,
                                     &params, &result, &owners, &PyList_Type, &stats, &bad, &out_of_range, &fail,
                                     &instance, &name, &malloc))
        return NULL;
    size_t n = strlen(params);
    int pointers = (int)(strchr(params, 'p') != NULL) + (result[0] == 'p');
    if (n >= sizeof(((WasmCall *)0)->params) || strspn(params, "qidfp") != n || strlen(result) > 1 ||
        strspn(result, "qidfp") != strlen(result) || PyList_GET_SIZE(stats) < 1 ||
        (pointers && instance == Py_None) || (strchr(params, 'p') && malloc == Py_None)) {
        PyErr_SetString(PyExc_ValueError, "WasmCall: bad signature");
        return NULL;
    }
    WasmCall *self = (WasmCall *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    if (parse_raw(addresses, &self->fn, &self->call, &self->context) < 0 ||
        (malloc != Py_None && parse_raw(malloc, &self->malloc, &self->call, &self->context) < 0)) {
        Py_DECREF(self);
        return NULL;
    }
    if (self->fn.nslots < (n > 1 ? n : 1)) {
        Py_DECREF(self);
        PyErr_SetString(PyExc_ValueError, "WasmCall: too few slots");
        return NULL;
    }
    self->vectorcall = wasm_call;
    memcpy(self->params, params, n + 1);
    self->result = result[0];
    self->nparams = (int)n;
    self->pointers = pointers;
    self->owners = Py_NewRef(owners);
    self->stats = Py_NewRef(stats);
    self->bad = Py_NewRef(bad);
    self->out_of_range = Py_NewRef(out_of_range);
    self->fail = Py_NewRef(fail);
    self->instance = Py_NewRef(instance);
    self->name = Py_NewRef(name);
    return (PyObject *)self;
}

static PyObject *wasm_call_plain(PyObject *self, PyObject *args, PyObject *kwargs) {
    return PyVectorcall_Call(self, args, kwargs);
}

static PyTypeObject WasmCallType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wasmshell.engine._runwasm.WasmCall",
    .tp_doc = "WasmCall(addresses, params, result, owners, stats, bad, out_of_range, fail, instance, name, "
              "malloc=None)\n\n"
              "A Wasm function called straight through wasmtime's raw slots.",
    .tp_basicsize = sizeof(WasmCall),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(WasmCall, vectorcall),
    .tp_call = wasm_call_plain,
    .tp_new = wasm_call_new,
    .tp_traverse = wasm_call_traverse,
    .tp_clear = wasm_call_clear,
    .tp_dealloc = wasm_call_dealloc,
};

/* ---- Rows that keep their bytes ---------------------------------------------- */

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

static PyTypeObject RawRowsType = {
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

static PyObject *py_raw_rows(PyObject *module, PyObject *args) {
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
    {"raw_rows", py_raw_rows, METH_VARARGS,
     "raw_rows(sqlite3_pointer, connection, sql, bindings) -> (columns, rows) or None\n\n"
     "Run the first statement of sql again if it only reads, TEXT kept as bytes (surrogateescape)."},
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
    if (PyModule_AddObjectRef(m, "WasmCall", (PyObject *)&WasmCallType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
