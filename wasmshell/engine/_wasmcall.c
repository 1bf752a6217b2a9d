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

#include <structmember.h>

SQLITE_EXTENSION_INIT3

typedef void *(*unchecked_call)(void *context, const void *func, void *slots, size_t nslots, void *trap);
typedef void *(*error_new_fn)(const char *message);

typedef uint8_t *(*memory_data_fn)(const void *context, const void *memory);
typedef size_t (*memory_size_fn)(const void *context, const void *memory);

/* wasmtime_error_new, wasmtime_memory_data and wasmtime_memory_data_size, found by rawcall.py
 * in wasmtime-py's library and handed over once. */
static error_new_fn error_new;
static memory_data_fn memory_data;
static memory_size_fn memory_size;


/*
 * The epoch deadline callback of every store, called by wasmtime about once
 * per tick of the epoch while Wasm runs, without the GIL. It is C, not a
 * ctypes callback, so that no Python code runs in it: a KeyboardInterrupt
 * raised as a Python callback is entered escapes it, and ctypes then hands
 * wasmtime an uninitialised error pointer. `env` is the instance's control
 * block (runtime.Instance.control, slots C_ENTRIES... of _runwasm.h), which
 * outlives the store.
 */
static void *deadline_check(void *context, void *env, uint64_t *delta, uint8_t *kind) {
    (void)context;
    uint64_t *control = env;
    const volatile int64_t *signals = (const volatile int64_t *)(uintptr_t)control[C_SIGNALS];
    if (signals[0]) return error_new("interrupted");
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (control[C_ENTRIES] != control[C_SEEN]) {
        control[C_SEEN] = control[C_ENTRIES]; /* a new entry: its time starts now */
        control[C_SINCE] = now;
    } else if (now - control[C_SINCE] >= (uint64_t)signals[1] * 1000000u) {
        return error_new("time limit exceeded");
    }
    *delta = 1;
    *kind = 0; /* WASMTIME_UPDATE_DEADLINE_CONTINUE */
    return NULL;
}

PyObject *py_deadline_callback(PyObject *module, PyObject *args) {
    (void)module;
    unsigned long long address, data = 0, size = 0;
    if (!PyArg_ParseTuple(args, "K|KK:deadline_callback", &address, &data, &size)) return NULL;
    if (address == 0) {
        PyErr_SetString(PyExc_ValueError, "deadline_callback: no wasmtime_error_new");
        return NULL;
    }
    error_new = (error_new_fn)(uintptr_t)address;
    if (data && size) {
        memory_data = (memory_data_fn)(uintptr_t)data;
        memory_size = (memory_size_fn)(uintptr_t)size;
    }
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
    uint64_t *control;     /* Instance.control: see C_ENTRIES... */
    int maintain;          /* the module has memory: look after the instance between calls */
    Raw fn, malloc;        /* the function, and libsql_malloc (malloc.func NULL if not needed) */
    char params[256];      /* per parameter: q i64, i i32, d f64, f f32, p pointer to a value */
    char result;           /* one of "qidfp", or 0 for none */
    int nparams, pointers;
    int skip;              /* leading parameters that are not SQL arguments (an aggregate's state) */
    long long fast;        /* calls made by x_func without the GIL, start to end */
    PyObject *owners;      /* what owns the memory above (the BoundCalls) */
    PyObject *stats;       /* int64 [calls, errors]: a writable buffer (what owns counters) */
    int64_t *counters;     /* stats' memory */
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
    self->control[C_ENTRIES]++; /* a new entry into Wasm: its time limit starts now */
    Py_BEGIN_ALLOW_THREADS
    error = self->call(*self->context, raw->func, raw->slots, raw->nslots, raw->trap);
    Py_END_ALLOW_THREADS
    return error;
}

/* Start a store for the instance if it has none (after a trap, a reset, new limits); 0 or -1. */
static int ensure_started(WasmCall *self) {
    if (self->control[C_BOUND]) return 0;
    PyObject *done = PyObject_CallMethod(self->instance, "ensure", "O", self->name);
    if (done == NULL) return -1;
    Py_DECREF(done);
    return self->control[C_BOUND] ? 0 : (PyErr_SetString(PyExc_RuntimeError, "wasm instance did not start"), -1);
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

/* Strict UTF-8, as Python decodes it: no overlong forms, no surrogates, nothing past U+10FFFF. */
int utf8_valid(const unsigned char *s, size_t n) {
    size_t k = 0;
    while (k < n) {
        /* Eight ASCII bytes at a time. */
        if (k + 8 <= n) {
            uint64_t word;
            memcpy(&word, s + k, 8);
            if (!(word & 0x8080808080808080ull)) {
                k += 8;
                continue;
            }
        }
        unsigned char c = s[k];
        if (c < 0x80) {
            k++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (k + 1 >= n || (s[k + 1] & 0xC0) != 0x80) return 0;
            k += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (k + 2 >= n || (s[k + 1] & 0xC0) != 0x80 || (s[k + 2] & 0xC0) != 0x80) return 0;
            if ((c == 0xE0 && s[k + 1] < 0xA0) || (c == 0xED && s[k + 1] > 0x9F)) return 0;
            k += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (k + 3 >= n || (s[k + 1] & 0xC0) != 0x80 || (s[k + 2] & 0xC0) != 0x80 || (s[k + 3] & 0xC0) != 0x80)
                return 0;
            if ((c == 0xF0 && s[k + 1] < 0x90) || (c == 0xF4 && s[k + 1] > 0x8F)) return 0;
            k += 4;
        } else {
            return 0;
        }
    }
    return 1;
}

/*
 * Linear memory, read and written from C. Both call paths use these: SQLite's rows without the GIL
 * (x_func, the aggregates) and the Python-facing call (wasm_call). Where C cannot see the memory (the
 * wasmtime_memory_t too large to keep, wasmtime's functions not found), runtime.Instance's put and
 * get do it from Python.
 */

/* Whether C can place and read values in the bound store's memory. */
static int memory_in_c(const WasmCall *self) { return memory_size != NULL && self->control[C_HAS_MEMORY]; }

/* Call a Wasm function from code that does not hold the GIL. */
static void *call_free(WasmCall *self, const Raw *raw) {
    self->control[C_ENTRIES]++; /* a new entry into Wasm: its time limit starts now */
    return self->call(*self->context, raw->func, raw->slots, raw->nslots, raw->trap);
}

/* The bound store's linear memory: its base, and its size in *size. */
static uint8_t *guest_memory(WasmCall *self, size_t *size) {
    const void *memory = self->control + C_MEMORY;
    *size = self->control[C_KNOWN] = memory_size(*self->context, memory);
    uint8_t *base = memory_data(*self->context, memory);
    self->control[C_BASE] = (uint64_t)(uintptr_t)base;
    return base;
}

/* The bound store's linear memory, if [0, end) is in it (asking its size only when it may have
 * grown past what is known: a memory never shrinks); NULL if not. */
static uint8_t *guest_bytes(WasmCall *self, uint64_t end, size_t *size) {
    if (end > self->control[C_KNOWN]) {
        uint8_t *mem = guest_memory(self, size);
        return end <= *size ? mem : NULL;
    }
    *size = self->control[C_KNOWN];
    /* The engine's memories never move (compiler.py: memory_may_move is off). */
    return (uint8_t *)(uintptr_t)self->control[C_BASE];
}

/* The bytes a value of n bytes takes placed: its tag, a BLOB's length, a TEXT's closing NUL. */
static uint64_t placed_size(unsigned char tag, uint64_t n) {
    return n + (tag == TAG_BLOB ? 5 : tag == TAG_TEXT ? 2 : 1);
}

/* How place() went. */
enum { PLACED, MALLOC_FAILED, MISPLACED };

/* Place a tagged TEXT, BLOB or NULL of n bytes (total, with its header and NUL, at most 2^31 - 1)
 * through libsql_malloc: *pointer is where, or what libsql_malloc gave (MISPLACED), *error wasmtime's
 * error (MALLOC_FAILED). Memory placed past the threshold marks the instance stale. `gil`: the caller
 * holds the GIL, which is let go while Wasm runs. */
static int place(WasmCall *self, unsigned char tag, const void *data, uint64_t n, int gil, uint32_t *pointer,
                 void **error) {
    unsigned char header[5] = {tag};
    size_t nheader = 1, ntrailer = tag == TAG_TEXT;
    if (tag == TAG_BLOB) {
        header[1] = (unsigned char)(n >> 24), header[2] = (unsigned char)(n >> 16);
        header[3] = (unsigned char)(n >> 8), header[4] = (unsigned char)n;
        nheader = 5;
    }
    uint64_t total = placed_size(tag, n);
    int32_t request = (int32_t)total;
    memcpy(self->malloc.slots, &request, sizeof request);
    *error = gil ? call_raw(self, &self->malloc) : call_free(self, &self->malloc);
    if (*error != NULL || *self->malloc.trap != 0) return MALLOC_FAILED;
    memcpy(pointer, self->malloc.slots, sizeof *pointer);
    size_t size;
    uint8_t *mem = *pointer == 0 ? NULL : guest_bytes(self, (uint64_t)*pointer + total, &size);
    if (mem == NULL) return MISPLACED;
    unsigned char *at = mem + *pointer;
    memcpy(at, header, nheader);
    if (n) memcpy(at + nheader, data, (size_t)n);
    if (ntrailer) at[nheader + n] = 0;
    if (*pointer + total > self->control[C_THRESHOLD] && !self->control[C_STALE])
        self->control[C_STALE] = STALE_NOW; /* replaced later */
    return PLACED;
}

/* A tagged value a function returned, where it lies in memory. */
typedef struct {
    unsigned char tag;
    const unsigned char *bytes; /* TEXT (checked UTF-8, NUL not counted) and BLOB */
    size_t length;
} Value;

/* Read the value at pointer in place; 0 if it is not plain (Instance.get says what is wrong). */
static int read_value(WasmCall *self, uint32_t pointer, Value *value) {
    size_t size;
    const uint8_t *mem = guest_bytes(self, (uint64_t)pointer + 1, &size);
    if (mem == NULL) return 0;
    value->tag = mem[pointer];
    if (value->tag == TAG_NULL) return 1;
    if (value->tag == TAG_TEXT) {
        const unsigned char *nul = memchr(mem + pointer + 1, 0, size - pointer - 1);
        if (nul == NULL) { /* the guest may have grown its memory past what was known */
            mem = guest_memory(self, &size);
            nul = memchr(mem + pointer + 1, 0, size - pointer - 1);
        }
        value->bytes = mem + pointer + 1;
        value->length = nul == NULL ? 0 : (size_t)(nul - value->bytes);
        return nul != NULL && utf8_valid(value->bytes, value->length);
    }
    if (value->tag != TAG_BLOB || (mem = guest_bytes(self, (uint64_t)pointer + 5, &size)) == NULL) return 0;
    const unsigned char *p = mem + pointer + 1;
    uint64_t length = ((uint64_t)p[0] << 24) | ((uint64_t)p[1] << 16) | ((uint64_t)p[2] << 8) | p[3];
    if (length > 0x7FFFFFFF || (mem = guest_bytes(self, (uint64_t)pointer + 5 + length, &size)) == NULL) return 0;
    value->bytes = mem + pointer + 5;
    value->length = (size_t)length;
    return 1;
}

/* The result slot: 'q' an integer in *q (an i32 widened), 'd' a number in *d (an f32 widened; NaN is
 * SQL's NULL), 'p' a pointer in *q, 0 no result. */
static char read_slot(const WasmCall *self, int64_t *q, double *d) {
    const unsigned char *slot = self->fn.slots;
    switch (self->result) {
    case 'q':
        memcpy(q, slot, sizeof *q);
        return 'q';
    case 'i': {
        int32_t i;
        memcpy(&i, slot, sizeof i);
        *q = i;
        return 'q';
    }
    case 'd':
        memcpy(d, slot, sizeof *d);
        return 'd';
    case 'f': {
        float f;
        memcpy(&f, slot, sizeof f);
        *d = f;
        return 'd';
    }
    case 'p': {
        uint32_t pointer;
        memcpy(&pointer, slot, sizeof pointer);
        *q = pointer;
        return 'p';
    }
    default:
        return 0;
    }
}

/* After a call: whether Instance.maintain should look at the instance (replace it if it grew too far
 * and no state lives in it): marked stale, or now and then for the guest's own growth. */
static int due_for_maintenance(WasmCall *self) {
    if (!self->maintain) return 0;
    /* STALE_HELD: Instance.maintain found state living in it; the last holder's release asks again,
     * so the calls meanwhile do not take the GIL to hear the same answer. */
    if (self->control[C_STALE]) return self->control[C_STALE] == STALE_NOW;
    if (self->counters[0] % 256 != 0) return 0;
    if (!memory_in_c(self)) return 1; /* Instance.maintain reads the size itself */
    size_t size;
    guest_memory(self, &size);
    return size > self->control[C_THRESHOLD];
}

/* Place a TEXT, BLOB or NULL argument in guest memory, with the GIL; its pointer, or -1 with an
 * exception. Anything C does not place (another type, a str with lone surrogates, a memory C
 * cannot see) goes to Instance.put, which also says what is wrong. */
static long long put_value(WasmCall *self, PyObject *value, int position) {
    const char *data = "";
    Py_ssize_t size = 0;
    unsigned char tag = TAG_NULL;
    if (!memory_in_c(self)) {
        tag = 0;
    } else if (PyUnicode_CheckExact(value) && (data = PyUnicode_AsUTF8AndSize(value, &size)) != NULL) {
        tag = TAG_TEXT;
    } else if (PyBytes_CheckExact(value)) {
        data = PyBytes_AS_STRING(value);
        size = PyBytes_GET_SIZE(value);
        tag = TAG_BLOB;
    } else if (value != Py_None) {
        tag = 0;
    }
    if (tag == 0 || placed_size(tag, (uint64_t)size) > 0x7FFFFFFF) { /* too large: put says so */
        PyErr_Clear();
        PyObject *pointer = PyObject_CallMethod(self->instance, "put", "OOi", value, self->name, position);
        if (pointer == NULL) return -1;
        long long p = PyLong_AsLongLong(pointer);
        Py_DECREF(pointer);
        return p;
    }
    uint32_t pointer;
    void *error;
    int placed = place(self, tag, data, (uint64_t)size, 1, &pointer, &error);
    if (placed == PLACED) return pointer;
    PyObject *said = PyObject_GetAttrString(self->instance, placed == MALLOC_FAILED ? "malloc_failed" : "misplaced");
    if (said == NULL) return -1;
    unsigned long long first = placed == MALLOC_FAILED ? (unsigned long long)(uintptr_t)error : pointer;
    raise_through(said, Py_BuildValue("(KKO)", first, (unsigned long long)placed_size(tag, (uint64_t)size),
                                      self->name));
    Py_DECREF(said);
    return -1;
}

/* The value a pointer result points at, with the GIL; anything unusual goes to Instance.get, which
 * knows every message. */
static PyObject *get_value(WasmCall *self, uint32_t pointer) {
    Value value;
    if (memory_in_c(self) && read_value(self, pointer, &value)) {
        if (value.tag == TAG_NULL) Py_RETURN_NONE;
        if (value.tag == TAG_TEXT)
            return PyUnicode_DecodeUTF8((const char *)value.bytes, (Py_ssize_t)value.length, NULL);
        return PyBytes_FromStringAndSize((const char *)value.bytes, (Py_ssize_t)value.length);
    }
    PyObject *done = PyObject_CallMethod(self->instance, "refresh_memory", NULL);
    if (done == NULL) return NULL;
    Py_DECREF(done);
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
    /* A TEXT, BLOB or NULL parameter given another type: a failed call, counted as a number's is. */
    for (int k = 0; self->pointers && k < self->nparams; k++) {
        PyObject *a = args[k];
        if (self->params[k] == 'p' && a != Py_None && !PyUnicode_CheckExact(a) && !PyBytes_CheckExact(a))
            return raise_through(self->bad, Py_BuildValue("(iO)", k, a));
    }
    /* Nothing calls into Wasm without a store: */
    if (ensure_started(self) < 0) return NULL;
    for (int k = 0; self->pointers && k < self->nparams; k++) {
        if (self->params[k] != 'p') continue;
        long long pointer = put_value(self, args[k], k + 1 - self->skip);
        if (pointer < 0) return NULL;
        int32_t i = (int32_t)(uint32_t)pointer;
        memcpy(self->fn.slots + (size_t)k * SLOT_BYTES, &i, sizeof i);
    }
    self->counters[0]++;
    void *error = call_raw(self, &self->fn);
    if (error != NULL || *self->fn.trap != 0)
        return raise_through(self->fail, Py_BuildValue("(K)", (unsigned long long)(uintptr_t)error));
    int64_t q;
    double d;
    PyObject *value;
    switch (read_slot(self, &q, &d)) {
    case 'q':
        value = PyLong_FromLongLong(q);
        break;
    case 'd':
        value = isnan(d) ? Py_NewRef(Py_None) : PyFloat_FromDouble(d);
        break;
    case 'p':
        value = get_value(self, (uint32_t)q);
        break;
    default:
        value = Py_NewRef(Py_None);
    }
    if (value != NULL && due_for_maintenance(self)) {
        PyObject *done = PyObject_CallMethod(self->instance, "maintain", NULL);
        if (done == NULL) Py_CLEAR(value);
        Py_XDECREF(done);
    }
    return value;
}

/*
 * The C SQLite function: SQLite calls x_func for every row, and the common
 * case runs here without the GIL and without a Python object (APSW has let
 * go of the GIL while SQLite steps). Anything else goes through wasm_call
 * with the GIL, the Python values made from the SQL ones, so that every error
 * is the one the Python path raises: an argument of the wrong type, a store
 * to start, a text that is not UTF-8. Once Wasm has been entered for a row
 * nothing is done twice: a failure from then on is said through the
 * instance, with the GIL.
 */

/* The whole call with the GIL, through wasm_call: for anything the fast path does not do. */
static void slow_call(sqlite3_context *context, WasmCall *self, int argc, sqlite3_value **argv) {
    PyGILState_STATE gil;
    if (!gil_for_python(context, &gil)) return;
    PyObject *small[16];
    PyObject **args = argc <= 16 ? small : PyMem_Malloc(sizeof(PyObject *) * (size_t)argc);
    PyObject *result = NULL;
    int made = 0;
    if (args == NULL) {
        PyErr_NoMemory();
    } else {
        for (; made < argc; made++) {
            args[made] = to_python(argv[made]);
            if (args[made] == NULL) break;
        }
        if (made == argc) result = wasm_call((PyObject *)self, args, (size_t)argc, NULL);
        for (int k = 0; k < made; k++) Py_DECREF(args[k]);
        if (args != small) PyMem_Free(args);
    }
    if (result == NULL || set_result(context, result) < 0) report_error(context);
    Py_XDECREF(result);
    PyGILState_Release(gil);
}

/* What the instance is asked to say, with the GIL, once Wasm has run for a row and failed. */
enum { SAY_FAIL, SAY_MALLOC_FAILED, SAY_MISPLACED, SAY_GET };

/* Fail the SQL call with the instance's error (SAY_GET: set the value Instance.get reads, or its error). */
static void said_by_instance(sqlite3_context *context, WasmCall *self, int what, unsigned long long a,
                             unsigned long long b) {
    static const char *methods[] = {NULL, "malloc_failed", "misplaced", "get"};
    PyGILState_STATE gil;
    if (!gil_for_python(context, &gil)) return; /* a statement failing ends its groups: that error stays */
    PyObject *refreshed = PyObject_CallMethod(self->instance, "refresh_memory", NULL);
    PyObject *value = NULL;
    if (refreshed != NULL) {
        Py_DECREF(refreshed);
        if (what == SAY_FAIL)
            value = raise_through(self->fail, Py_BuildValue("(K)", a));
        else if (what == SAY_GET)
            value = PyObject_CallMethod(self->instance, methods[what], "KO", a, self->name);
        else
            value = PyObject_CallMethod(self->instance, methods[what], "KKO", a, b, self->name);
    }
    if (value == NULL || set_result(context, value) < 0) report_error(context);
    Py_XDECREF(value);
    PyGILState_Release(gil);
}

/* With the GIL: the instance grew past its threshold or may have; Instance.maintain. */
static void maintain_now(sqlite3_context *context, WasmCall *self) {
    PyGILState_STATE gil = PyGILState_Ensure();
    if (PyErr_Occurred()) { /* a statement failing (SQLite ends its groups): that error stays */
        PyGILState_Release(gil);
        return;
    }
    PyObject *done = PyObject_CallMethod(self->instance, "maintain", NULL);
    if (done == NULL) report_error(context);
    Py_XDECREF(done);
    PyGILState_Release(gil);
}

/* What fast_call did. */
enum { CALLED, NULL_ARGUMENT, SLOW, SAID };

/*
 * The call of one row without the GIL: argv into slots first.. (the slots before first are set by
 * the caller: an aggregate's state), TEXT and BLOB placed in memory, the function called, its
 * results left in the slots. NULL_ARGUMENT: a NULL for a number, nothing called. SLOW: nothing
 * done that matters, the caller goes the slow way. SAID: Wasm ran and failed, and the error is set.
 */
static int fast_call(sqlite3_context *context, WasmCall *self, int first, int argc, sqlite3_value **argv) {
    if (first + argc != self->nparams || !self->control[C_BOUND] || memory_size == NULL ||
        (self->pointers && !self->control[C_HAS_MEMORY]))
        return SLOW;
    for (int k = 0; k < argc; k++) {
        sqlite3_value *a = argv[k];
        int type = sqlite3_value_type(a);
        unsigned char *slot = self->fn.slots + (size_t)(first + k) * SLOT_BYTES;
        char kind = self->params[first + k];
        if (kind == 'p') {
            if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) return SLOW;
            continue;
        }
        if (type == SQLITE_NULL) return NULL_ARGUMENT;
        if (kind == 'q' || kind == 'i') {
            if (type != SQLITE_INTEGER) return SLOW;
            int64_t q = sqlite3_value_int64(a);
            if (kind == 'q') {
                memcpy(slot, &q, sizeof q);
            } else {
                if (q < INT32_MIN || q > INT32_MAX) return SLOW;
                int32_t i = (int32_t)q;
                memcpy(slot, &i, sizeof i);
            }
        } else {
            if (type != SQLITE_INTEGER && type != SQLITE_FLOAT) return SLOW;
            double d = sqlite3_value_double(a);
            if (kind == 'd') {
                memcpy(slot, &d, sizeof d);
            } else {
                float f = isnan(d) || fabs(d) <= FLT_MAX ? (float)d : (d > 0 ? INFINITY : -INFINITY);
                memcpy(slot, &f, sizeof f);
            }
        }
    }
    for (int k = 0; self->pointers && k < argc; k++) {
        if (self->params[first + k] != 'p') continue;
        sqlite3_value *a = argv[k];
        int type = sqlite3_value_type(a);
        const unsigned char *data = NULL;
        uint64_t n = 0;
        unsigned char tag = TAG_NULL;
        if (type == SQLITE_TEXT) {
            data = sqlite3_value_text(a);
            n = (uint64_t)sqlite3_value_bytes(a);
            if (data == NULL || !utf8_valid(data, n)) return SLOW;
            tag = TAG_TEXT;
        } else if (type == SQLITE_BLOB) {
            data = sqlite3_value_blob(a);
            n = (uint64_t)sqlite3_value_bytes(a);
            tag = TAG_BLOB;
        }
        uint64_t total = placed_size(tag, n);
        if (total > 0x7FFFFFFF) return SLOW;
        /* From here on Wasm has run for this row: failures are said, not retried. (An argument placed
         * before a later one sends the row the slow way is only memory the ABI never frees.) */
        uint32_t pointer;
        void *error;
        switch (place(self, tag, data, n, 0, &pointer, &error)) {
        case MALLOC_FAILED:
            said_by_instance(context, self, SAY_MALLOC_FAILED, (unsigned long long)(uintptr_t)error, total);
            return SAID;
        case MISPLACED:
            said_by_instance(context, self, SAY_MISPLACED, pointer, total);
            return SAID;
        default:
            break;
        }
        int32_t i = (int32_t)pointer;
        memcpy(self->fn.slots + (size_t)(first + k) * SLOT_BYTES, &i, sizeof i);
    }
    self->counters[0]++;
    void *error = call_free(self, &self->fn);
    if (error != NULL || *self->fn.trap != 0) {
        said_by_instance(context, self, SAY_FAIL, (unsigned long long)(uintptr_t)error, 0);
        return SAID;
    }
    self->fast++;
    return CALLED;
}

/* Set the SQL result from the result slot; 0 if it could not be (the error is set). */
static int slot_result(sqlite3_context *context, WasmCall *self) {
    int64_t q;
    double d;
    Value value;
    switch (read_slot(self, &q, &d)) {
    case 'q':
        sqlite3_result_int64(context, q);
        return 1;
    case 'd':
        if (isnan(d))
            sqlite3_result_null(context);
        else
            sqlite3_result_double(context, d);
        return 1;
    case 'p':
        if (!read_value(self, (uint32_t)q, &value)) {
            said_by_instance(context, self, SAY_GET, (unsigned long long)q, 0);
            return 0;
        }
        if (value.tag == TAG_TEXT)
            sqlite3_result_text64(context, (const char *)value.bytes, value.length, SQLITE_TRANSIENT, SQLITE_UTF8);
        else if (value.tag == TAG_BLOB)
            sqlite3_result_blob64(context, value.bytes, value.length, SQLITE_TRANSIENT);
        else
            sqlite3_result_null(context);
        return 1;
    default:
        sqlite3_result_null(context);
        return 1;
    }
}

/* After a call: Instance.maintain when it is due. */
static void look_after(sqlite3_context *context, WasmCall *self) {
    if (due_for_maintenance(self)) maintain_now(context, self);
}

static void x_func(sqlite3_context *context, int argc, sqlite3_value **argv) {
    wasm_call_row(context, sqlite3_user_data(context), argc, argv);
}

void wasm_call_row(sqlite3_context *context, PyObject *call, int argc, sqlite3_value **argv) {
    WasmCall *self = (WasmCall *)call;
    switch (fast_call(context, self, 0, argc, argv)) {
    case CALLED:
        if (slot_result(context, self)) look_after(context, self);
        return;
    case NULL_ARGUMENT:
        sqlite3_result_null(context); /* a NULL number: NULL, without a call */
        return;
    case SLOW:
        slow_call(context, self, argc, argv);
        return;
    default:
        return;
    }
}

static void free_wasm_call(void *data) { release_object(data); }

/* create_function(sqlite3_pointer, name, nargs, flags, wasm_call) -> SQLite's result code: register
 * a WasmCall as the C SQLite function name/nargs (flags: SQLITE_DETERMINISTIC, SQLITE_INNOCUOUS...). */
PyObject *py_create_function(PyObject *module, PyObject *args) {
    (void)module;
    unsigned long long pointer;
    const char *name;
    int nargs, flags;
    PyObject *call;
    if (!PyArg_ParseTuple(args, "KsiiO!:create_function", &pointer, &name, &nargs, &flags, &WasmCallType, &call))
        return NULL;
    if (!sqlite_loaded()) return NULL;
    if (nargs != ((WasmCall *)call)->nparams) {
        PyErr_SetString(PyExc_ValueError, "create_function: nargs differs from the function's");
        return NULL;
    }
    sqlite3 *db = (sqlite3 *)(uintptr_t)pointer;
    Py_INCREF(call);
    int rc;
    Py_BEGIN_ALLOW_THREADS
    /* On failure SQLite calls free_wasm_call itself. */
    rc = sqlite3_create_function_v2(db, name, nargs, SQLITE_UTF8 | flags, call, x_func, NULL, NULL, free_wasm_call);
    Py_END_ALLOW_THREADS
    return PyLong_FromLong(rc);
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
                            "fail", "instance", "control", "maintain", "name", "malloc", "skip", NULL};
    PyObject *addresses, *owners, *stats, *bad, *out_of_range, *fail, *instance, *name, *malloc = Py_None;
    const char *params, *result;
    unsigned long long control;
    int maintain, skip = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!ssOOOOOOKpU|Oi:WasmCall", names, &PyTuple_Type, &addresses,
                                     &params, &result, &owners, &stats, &bad, &out_of_range, &fail,
                                     &instance, &control, &maintain, &name, &malloc, &skip))
        return NULL;
    size_t n = strlen(params);
    int pointers = (int)(strchr(params, 'p') != NULL) + (result[0] == 'p');
    if (n >= sizeof(((WasmCall *)0)->params) || strspn(params, "qidfp") != n || strlen(result) > 1 ||
        strspn(result, "qidfp") != strlen(result) ||
        instance == Py_None || control == 0 || (strchr(params, 'p') && malloc == Py_None)) {
        PyErr_SetString(PyExc_ValueError, "WasmCall: bad signature");
        return NULL;
    }
    Py_buffer counters;
    if (PyObject_GetBuffer(stats, &counters, PyBUF_WRITABLE) < 0) return NULL;
    /* The memory stays where it is while stats lives (a memoryview of a ctypes array). */
    int64_t *at = counters.buf;
    int enough = counters.len >= (Py_ssize_t)(2 * sizeof(int64_t)) && (uintptr_t)at % sizeof(int64_t) == 0;
    PyBuffer_Release(&counters);
    if (!enough) {
        PyErr_SetString(PyExc_ValueError, "WasmCall: stats must be two int64 counters");
        return NULL;
    }
    WasmCall *self = (WasmCall *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->counters = at;
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
    self->skip = skip;
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

/*
 * Aggregates and window functions (aggregate.py): SQLite's xStep, xFinal, xValue and xInverse in C,
 * each phase a WasmCall whose first parameter is the group's state. A group lives in SQLite's
 * aggregate context; while any does, the instance is not replaced (C_HOLDERS). The slow way is
 * the Python phase of aggregate._native_phase, given the group as a GroupState.
 */
enum { STEP, FINAL, VALUE, INVERSE, PHASES };

typedef struct {
    WasmCall *fast[PHASES];    /* value: final's when the module has no NAME_value; inverse: NULL if none */
    PyObject *python[PHASES];  /* phase(group, *args) of aggregate._native_phase */
    PyObject *group_class;     /* aggregate.GroupState */
    PyObject *first_pointer;   /* () -> (pointer to a NULL, starts): a pointer state's start; or None */
    char state;                /* 'q' i64, 'i' i32 (a pointer if first_pointer), 'd' f64 */
} Aggregate;

typedef struct {
    int started;
    int64_t q; /* the state: an i64 or an i32 */
    double d;  /* an f64 state */
    uint64_t generation;
} Group;

static void free_aggregate(void *data) {
    Aggregate *agg = data;
    if (Py_IsInitialized()) {
        PyGILState_STATE gil = PyGILState_Ensure();
        for (int k = 0; k < PHASES; k++) {
            Py_XDECREF(agg->fast[k]);
            Py_XDECREF(agg->python[k]);
        }
        Py_XDECREF(agg->group_class);
        Py_XDECREF(agg->first_pointer);
        PyGILState_Release(gil);
    }
    PyMem_RawFree(agg);
}

/* Begin a group: its first state, and one more holder of the store; 0, or -1 with the error set. */
static int start_group(sqlite3_context *context, Aggregate *agg, Group *group) {
    uint64_t *control = agg->fast[STEP]->control;
    if (agg->first_pointer == Py_None) {
        group->q = 0;
        group->d = 0.0;
        group->generation = control[C_STARTS];
    } else {
        PyGILState_STATE gil;
        if (!gil_for_python(context, &gil)) return -1;
        PyObject *first = PyObject_CallNoArgs(agg->first_pointer);
        int ok = first != NULL && PyArg_ParseTuple(first, "LK", &group->q, &group->generation);
        Py_XDECREF(first);
        if (!ok) report_error(context);
        PyGILState_Release(gil);
        if (!ok) return -1;
    }
    control[C_HOLDERS]++;
    group->started = 1;
    return 0;
}

/* The Python value of a group's state. */
static PyObject *state_object(Aggregate *agg, Group *group) {
    return agg->state == 'd' ? PyFloat_FromDouble(group->d) : PyLong_FromLongLong(group->q);
}

/* A phase the slow way, with the GIL: the Python phase on a GroupState made of the group. */
static void slow_phase(sqlite3_context *context, Aggregate *agg, Group *group, int phase, int argc,
                       sqlite3_value **argv) {
    PyGILState_STATE gil;
    if (!gil_for_python(context, &gil)) return;
    PyObject *value = state_object(agg, group);
    PyObject *holder = value == NULL ? NULL
                                     : PyObject_CallFunction(agg->group_class, "OK", value,
                                                             (unsigned long long)group->generation);
    Py_XDECREF(value);
    PyObject *args = holder == NULL ? NULL : PyTuple_New(argc + 1);
    PyObject *result = NULL;
    if (args != NULL) {
        PyTuple_SET_ITEM(args, 0, Py_NewRef(holder));
        int made = 1;
        for (; made <= argc; made++) {
            PyObject *item = to_python(argv[made - 1]);
            if (item == NULL) break;
            PyTuple_SET_ITEM(args, made, item);
        }
        if (made > argc) result = PyObject_Call(agg->python[phase], args, NULL);
        Py_DECREF(args);
    }
    int ok = result != NULL;
    if (ok && (phase == STEP || phase == INVERSE)) {
        PyObject *state = PyObject_GetAttrString(holder, "value");
        if (state == NULL) {
            ok = 0;
        } else if (agg->state == 'd') {
            group->d = PyFloat_AsDouble(state);
            ok = !(group->d == -1.0 && PyErr_Occurred());
        } else {
            group->q = PyLong_AsLongLong(state);
            ok = !(group->q == -1 && PyErr_Occurred());
        }
        Py_XDECREF(state);
    } else if (ok) {
        ok = set_result(context, result) == 0;
    }
    if (!ok) report_error(context);
    Py_XDECREF(result);
    Py_XDECREF(holder);
    PyGILState_Release(gil);
}

static void run_phase(sqlite3_context *context, Aggregate *agg, Group *group, int phase, int argc,
                      sqlite3_value **argv) {
    WasmCall *call = agg->fast[phase];
    const uint64_t *control = call->control;
    /* A pointer into a store dropped since (a trap, a reset) must not be read in the new one:
     * the Python phase says the state is lost. */
    if (agg->first_pointer != Py_None && (group->generation != control[C_STARTS] || !control[C_BOUND])) {
        slow_phase(context, agg, group, phase, argc, argv);
        return;
    }
    unsigned char *slot = call->fn.slots;
    if (agg->state == 'q') {
        memcpy(slot, &group->q, sizeof group->q);
    } else if (agg->state == 'i') {
        int32_t i = (int32_t)group->q;
        memcpy(slot, &i, sizeof i);
    } else {
        memcpy(slot, &group->d, sizeof group->d);
    }
    switch (fast_call(context, call, 1, argc, argv)) {
    case CALLED:
        if (phase == FINAL || phase == VALUE) {
            slot_result(context, call);
        } else if (agg->state == 'q') {
            memcpy(&group->q, slot, sizeof group->q);
        } else if (agg->state == 'i') {
            int32_t i;
            memcpy(&i, slot, sizeof i);
            group->q = i;
        } else {
            memcpy(&group->d, slot, sizeof group->d);
        }
        return;
    case NULL_ARGUMENT:
        return; /* a NULL number: the row is skipped, the state stays */
    case SLOW:
        slow_phase(context, agg, group, phase, argc, argv);
        return;
    default:
        return;
    }
}

static Group *group_of(sqlite3_context *context, Aggregate *agg) {
    Group *group = sqlite3_aggregate_context(context, sizeof(Group));
    if (group == NULL) {
        sqlite3_result_error_nomem(context);
        return NULL;
    }
    if (!group->started && start_group(context, agg, group) < 0) return NULL;
    return group;
}

static void x_step(sqlite3_context *context, int argc, sqlite3_value **argv) {
    Aggregate *agg = sqlite3_user_data(context);
    Group *group = group_of(context, agg);
    if (group != NULL) run_phase(context, agg, group, STEP, argc, argv);
}

static void x_inverse(sqlite3_context *context, int argc, sqlite3_value **argv) {
    Aggregate *agg = sqlite3_user_data(context);
    Group *group = group_of(context, agg);
    if (group != NULL) run_phase(context, agg, group, INVERSE, argc, argv);
}

static void x_value(sqlite3_context *context) {
    Aggregate *agg = sqlite3_user_data(context);
    Group *group = group_of(context, agg);
    if (group != NULL) run_phase(context, agg, group, VALUE, 0, NULL);
}

/* Also for an empty group, and when SQLite drops a group of a statement that failed. */
static void x_final(sqlite3_context *context) {
    Aggregate *agg = sqlite3_user_data(context);
    Group *group = group_of(context, agg);
    if (group == NULL) return;
    run_phase(context, agg, group, FINAL, 0, NULL);
    group->started = 0;
    WasmCall *call = agg->fast[FINAL];
    uint64_t *control = call->control;
    if (--control[C_HOLDERS] == 0 && memory_in_c(call) && call->maintain) {
        /* No state lives in the store now: it may be replaced (Instance.maintain). */
        size_t size = 0;
        if (!control[C_STALE] && control[C_BOUND]) guest_memory(call, &size);
        if (control[C_STALE] || size > control[C_THRESHOLD]) maintain_now(context, call);
    }
}

/* create_aggregate(sqlite3_pointer, name, nargs, flags, fast, python, group_class, first_pointer,
 * state) -> SQLite's result code. fast and python: the four phases (step, final, value, inverse;
 * inverse None for an aggregate that is not a window function). */
PyObject *py_create_aggregate(PyObject *module, PyObject *args) {
    (void)module;
    unsigned long long pointer;
    const char *name, *state;
    int nargs, flags;
    PyObject *fast, *python, *group_class, *first_pointer;
    if (!PyArg_ParseTuple(args, "KsiiO!O!OOs:create_aggregate", &pointer, &name, &nargs, &flags, &PyTuple_Type,
                          &fast, &PyTuple_Type, &python, &group_class, &first_pointer, &state))
        return NULL;
    if (!sqlite_loaded()) return NULL;
    if (PyTuple_GET_SIZE(fast) != PHASES || PyTuple_GET_SIZE(python) != PHASES || strlen(state) != 1 ||
        !strchr("qid", state[0])) {
        PyErr_SetString(PyExc_ValueError, "create_aggregate: four phases and a state of q, i or d");
        return NULL;
    }
    int window = PyTuple_GET_ITEM(fast, INVERSE) != Py_None;
    for (int k = 0; k < PHASES; k++) {
        PyObject *call = PyTuple_GET_ITEM(fast, k);
        if (k == INVERSE && !window) continue;
        if (!PyObject_TypeCheck(call, &WasmCallType) || ((WasmCall *)call)->nparams != 1 + (k == STEP || k == INVERSE) * nargs ||
            !PyCallable_Check(PyTuple_GET_ITEM(python, k))) {
            PyErr_SetString(PyExc_ValueError, "create_aggregate: a phase does not fit");
            return NULL;
        }
    }
    Aggregate *agg = PyMem_RawCalloc(1, sizeof(Aggregate));
    if (agg == NULL) return PyErr_NoMemory();
    for (int k = 0; k < PHASES; k++) {
        if (k == INVERSE && !window) continue;
        agg->fast[k] = (WasmCall *)Py_NewRef(PyTuple_GET_ITEM(fast, k));
        agg->python[k] = Py_NewRef(PyTuple_GET_ITEM(python, k));
    }
    agg->group_class = Py_NewRef(group_class);
    agg->first_pointer = Py_NewRef(first_pointer);
    agg->state = state[0];
    sqlite3 *db = (sqlite3 *)(uintptr_t)pointer;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    /* On failure SQLite calls free_aggregate itself. */
    if (window)
        rc = sqlite3_create_window_function(db, name, nargs, SQLITE_UTF8 | flags, agg, x_step, x_final, x_value,
                                            x_inverse, free_aggregate);
    else
        rc = sqlite3_create_function_v2(db, name, nargs, SQLITE_UTF8 | flags, agg, NULL, x_step, x_final,
                                        free_aggregate);
    Py_END_ALLOW_THREADS
    return PyLong_FromLong(rc);
}

static PyMemberDef wasm_call_members[] = {
    {"nparams", T_INT, offsetof(WasmCall, nparams), READONLY, "How many arguments the function takes."},
    {"fast_calls", T_LONGLONG, offsetof(WasmCall, fast), READONLY,
     "Calls SQLite made of the C function that ran from start to end without the GIL."},
    {NULL, 0, 0, 0, NULL},
};

static PyObject *wasm_call_plain(PyObject *self, PyObject *args, PyObject *kwargs) {
    return PyVectorcall_Call(self, args, kwargs);
}

PyTypeObject WasmCallType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wasmshell.engine._runwasm.WasmCall",
    .tp_doc = "WasmCall(addresses, params, result, owners, stats, bad, out_of_range, fail, instance, control, "
              "maintain, name, malloc=None, skip=0)\n\n"
              "A Wasm function called straight through wasmtime's raw slots.",
    .tp_basicsize = sizeof(WasmCall),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(WasmCall, vectorcall),
    .tp_call = wasm_call_plain,
    .tp_new = wasm_call_new,
    .tp_members = wasm_call_members,
    .tp_traverse = wasm_call_traverse,
    .tp_clear = wasm_call_clear,
    .tp_dealloc = wasm_call_dealloc,
};
