/*
 * WasmCall: a Wasm function called from SQL, straight into wasmtime.
 *
 * Python's ctypes costs about half a microsecond a call, which is most of
 * what a small function costs per row, so the arguments go into wasmtime's
 * raw value slots (TEXT and BLOB through libsql_malloc into linear memory)
 * and wasmtime_func_call_unchecked is called from here. rawcall.py owns
 * those slots and hands over their addresses. Only the common, well-formed
 * case is done here: anything unusual (a failed call, a result pointer out
 * of bounds, a value of an odd type) goes back to runtime.Instance, so the
 * errors users see are written in one place.
 */
#include "_runwasm.h"

typedef void *(*unchecked_call)(void *context, const void *func, void *slots, size_t nslots, void *trap);
typedef void *(*error_new_fn)(const char *message);

/* wasmtime_error_new, found by rawcall.py in wasmtime-py's library and handed over once. */
static error_new_fn error_new;

/*
 * The epoch deadline callback of every store, called by wasmtime about once
 * per tick of the epoch while Wasm runs, without the GIL. It is C, not a
 * ctypes callback, so that no Python code runs in it: a KeyboardInterrupt
 * raised as a Python callback is entered escapes it, and ctypes then hands
 * wasmtime an uninitialised error pointer. `env` is the instance's control
 * block (runtime.Instance.control), which outlives the store:
 *   [0] entries into Wasm    [1] 1 while a store is bound (unused here)
 *   [2] the entry last seen  [3] when it was first seen, CLOCK_MONOTONIC ns
 *   [4] the session's signals: int64 [interrupted, time limit in ms]
 */
static void *deadline_check(void *context, void *env, uint64_t *delta, uint8_t *kind) {
    (void)context;
    uint64_t *control = env;
    const volatile int64_t *signals = (const volatile int64_t *)(uintptr_t)control[4];
    if (signals[0]) return error_new("interrupted");
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (control[0] != control[2]) {
        control[2] = control[0]; /* a new entry: its time starts now */
        control[3] = now;
    } else if (now - control[3] >= (uint64_t)signals[1] * 1000000u) {
        return error_new("time limit exceeded");
    }
    *delta = 1;
    *kind = 0; /* WASMTIME_UPDATE_DEADLINE_CONTINUE */
    return NULL;
}

PyObject *py_deadline_callback(PyObject *module, PyObject *args) {
    (void)module;
    unsigned long long address;
    if (!PyArg_ParseTuple(args, "K:deadline_callback", &address)) return NULL;
    if (address == 0) {
        PyErr_SetString(PyExc_ValueError, "deadline_callback: no wasmtime_error_new");
        return NULL;
    }
    error_new = (error_new_fn)(uintptr_t)address;
    return PyLong_FromUnsignedLongLong((unsigned long long)(uintptr_t)deadline_check);
}

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
    uint64_t *control;     /* Instance.control: [entries into Wasm, 1 while a store is bound] */
    int maintain;          /* the module has memory: look after the instance between calls */
    Raw fn, malloc;        /* the function, and libsql_malloc (malloc.func NULL if not needed) */
    char params[256];      /* per parameter: q i64, i i32, d f64, f f32, p pointer to a value */
    char result;           /* one of "qidfp", or 0 for none */
    int nparams, pointers;
    PyObject *owners;      /* what owns the memory above (the BoundCalls) */
    PyObject *stats;       /* [calls, errors] */
    PyObject *bad;         /* bad(k, value): raises for an argument of the wrong type */
    PyObject *out_of_range; /* out_of_range(k, value): raises for an i32 out of range */
    PyObject *fail;        /* fail(error_pointer): raises for a failed call */
    PyObject *instance;    /* runtime.Instance: starts stores, places and reads values, says errors */
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
    self->control[0]++; /* a new entry into Wasm: its time limit starts now */
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

/* Start a store for the instance if it has none (after a trap, a reset, new limits); 0 or -1. */
static int ensure_started(WasmCall *self) {
    if (self->control[1]) return 0;
    PyObject *done = PyObject_CallMethod(self->instance, "ensure", "O", self->name);
    if (done == NULL) return -1;
    Py_DECREF(done);
    return self->control[1] ? 0 : (PyErr_SetString(PyExc_RuntimeError, "wasm instance did not start"), -1);
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
    /* Nothing calls into Wasm without a store: */
    if (ensure_started(self) < 0) return NULL;
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
    if (value == NULL || !self->maintain) return value;
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
                            "fail", "instance", "control", "maintain", "name", "malloc", NULL};
    PyObject *addresses, *owners, *stats, *bad, *out_of_range, *fail, *instance, *name, *malloc = Py_None;
    const char *params, *result;
    unsigned long long control;
    int maintain;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!ssOO!OOOOKpU|O:WasmCall", names, &PyTuple_Type, &addresses,
                                     &params, &result, &owners, &PyList_Type, &stats, &bad, &out_of_range, &fail,
                                     &instance, &control, &maintain, &name, &malloc))
        return NULL;
    size_t n = strlen(params);
    int pointers = (int)(strchr(params, 'p') != NULL) + (result[0] == 'p');
    if (n >= sizeof(((WasmCall *)0)->params) || strspn(params, "qidfp") != n || strlen(result) > 1 ||
        strspn(result, "qidfp") != strlen(result) || PyList_GET_SIZE(stats) < 1 ||
        instance == Py_None || control == 0 || (strchr(params, 'p') && malloc == Py_None)) {
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
    self->control = (uint64_t *)(uintptr_t)control;
    self->maintain = maintain;
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

PyTypeObject WasmCallType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wasmshell.engine._runwasm.WasmCall",
    .tp_doc = "WasmCall(addresses, params, result, owners, stats, bad, out_of_range, fail, instance, control, "
              "maintain, name, malloc=None)\n\n"
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
