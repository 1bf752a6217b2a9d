/*
 * The hot loops of output, in C: list, csv, tabs and ascii rows as they come,
 * .dump's INSERT statements, and the cells of the columnar modes (Cells).
 *
 * Writing a million rows in these modes spends most of its time
 * in Python-level formatting: a few type tests, a str() and a join per row.
 * write_rows() does the same work on a buffer of UTF-8 bytes and hands the
 * stream a chunk at a time. It formats only what is common and simple:
 * INTEGERs, REALs (their digits from SQLite's own printf, see sqlite_real),
 * TEXT, and BLOBs as literals; any other value goes to a
 * Python function (render.py's own), so the output is the same byte for
 * byte with or without this module.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#define FLUSH_AT (64 * 1024)

enum { MODE_LIST = 0, MODE_CSV = 1, MODE_INSERT = 2 };

typedef struct {
    char *data;
    size_t len, cap;
} Buffer;

static int reserve(Buffer *b, size_t more) {
    if (b->len + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : FLUSH_AT * 2;
    while (cap < b->len + more) cap *= 2;
    char *data = PyMem_Realloc(b->data, cap);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

static int append(Buffer *b, const char *text, size_t n) {
    if (reserve(b, n) < 0) return -1;
    memcpy(b->data + b->len, text, n);
    b->len += n;
    return 0;
}

/* Hand what is buffered to write() as one str. */
static int flush(Buffer *b, PyObject *write) {
    if (b->len == 0) return 0;
    PyObject *chunk = PyUnicode_DecodeUTF8(b->data, (Py_ssize_t)b->len, "surrogateescape");
    if (chunk == NULL) return -1;
    b->len = 0;
    PyObject *done = PyObject_CallOneArg(write, chunk);
    Py_DECREF(chunk);
    if (done == NULL) return -1;
    Py_DECREF(done);
    return 0;
}

/* UTF-8 of a str, lone surrogates (from undecodable bytes) as the bytes they stand for.
 * Sets *keep to a new reference that owns the bytes, if one was needed. */
static const char *utf8_of(PyObject *text, Py_ssize_t *size, PyObject **keep) {
    *keep = NULL;
    const char *data = PyUnicode_AsUTF8AndSize(text, size);
    if (data != NULL) return data;
    PyErr_Clear();
    *keep = PyUnicode_AsEncodedString(text, "utf-8", "surrogateescape");
    if (*keep == NULL) return NULL;
    *size = PyBytes_GET_SIZE(*keep);
    return PyBytes_AS_STRING(*keep);
}

/* sqlite3's csv: a field is written as it is only if it is not empty, has
 * nothing but printable ASCII other than space and the two quotes, and does
 * not contain the separator (an empty one counts as contained). */
static int csv_plain(const char *text, Py_ssize_t n, const char *sep, Py_ssize_t nsep) {
    if (n == 0) return 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)text[k];
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\'') return 0;
    }
    if (nsep == 0) return 0; /* as in sqlite3: an empty separator matches everywhere */
    if (nsep > n) return 1;
    for (Py_ssize_t k = 0; k + nsep <= n; k++)
        if (memcmp(text + k, sep, (size_t)nsep) == 0) return 0;
    return 1;
}

/* Whether text holds a control character sqlite3 3.54 writes as ^X: any below 0x20 but TAB,
 * LF and the CR of a CRLF. */
static int needs_escape(const char *text, Py_ssize_t n) {
    for (Py_ssize_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)text[k];
        if (c < 0x20 && c != '\t' && c != '\n' && !(c == '\r' && k + 1 < n && text[k + 1] == '\n')) return 1;
    }
    return 0;
}

static int append_csv_quoted(Buffer *b, const char *text, Py_ssize_t n) {
    if (reserve(b, (size_t)n * 2 + 2) < 0) return -1;
    b->data[b->len++] = '"';
    for (Py_ssize_t k = 0; k < n; k++) {
        if (text[k] == '"') b->data[b->len++] = '"';
        b->data[b->len++] = text[k];
    }
    b->data[b->len++] = '"';
    return 0;
}

/* A REAL as SQLite's own printf writes it (engine/_runwasm.c's real_text, through a
 * capsule): style 0 "%!.17g" as CAST(x AS TEXT) (1 would be "%.16g", insert mode's).
 * The length, or -1 when that is not at hand (the slow formatter then asks SQLite). */
typedef int (*RealText)(double, int, char *, int);
static RealText real_text_fn = NULL;
static int real_text_tried = 0;

static int sqlite_real(double value, int style, char *out, int size) {
    if (real_text_fn == NULL) {
        if (real_text_tried) return -1;
        real_text_tried = 1;
        real_text_fn = (RealText)PyCapsule_Import("wasmshell.engine._runwasm.real_text_c", 0);
        if (real_text_fn == NULL) {
            PyErr_Clear();
            return -1;
        }
    }
    return real_text_fn(value, style, out, size);
}

typedef struct {
    int mode;
    const char *sep, *end, *null, *prefix;
    Py_ssize_t nsep, nend, nnull, nprefix;
    int numbers_plain; /* csv: numbers are never quoted (sqlite3 3.54) */
    int raw_controls;  /* dump: TEXT with control characters written as it is (.mode --escape off) */
    PyObject *slow;    /* slow(value) -> str, for everything not done here */
} Format;

/* A REAL as .dump writes it (values.dump_real): its text, which SQLite reads back as the same
 * REAL; -0.0 and the infinities (9e+999) spelled so that they do too. 1 if done, 0 to leave it
 * to the slow formatter, -1 on error. */
static int append_dump_real(Buffer *b, double d) {
    if (isinf(d)) return append(b, d < 0 ? "-9e+999" : "9e+999", d < 0 ? 7 : 6) < 0 ? -1 : 1;
    if (d == 0.0 && signbit(d)) return append(b, "-0.0", 4) < 0 ? -1 : 1;
    char digits[64];
    int n = sqlite_real(d, 0, digits, sizeof digits);
    if (n < 0) return 0;
    return append(b, digits, (size_t)n) < 0 ? -1 : 1;
}

/* .dump: a value as an SQL literal, where that is simple; 1 if done, 0 to leave it to the
 * slow formatter, -1 on error. */
static int append_literal(Buffer *b, const Format *f, PyObject *v) {
    if (PyFloat_CheckExact(v)) return append_dump_real(b, PyFloat_AS_DOUBLE(v));
    if (PyBytes_CheckExact(v)) {
        static const char hex[] = "0123456789abcdef";
        Py_ssize_t n = PyBytes_GET_SIZE(v);
        const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(v);
        if (reserve(b, (size_t)n * 2 + 3) < 0) return -1;
        b->data[b->len++] = 'x';
        b->data[b->len++] = '\'';
        for (Py_ssize_t k = 0; k < n; k++) {
            b->data[b->len++] = hex[data[k] >> 4];
            b->data[b->len++] = hex[data[k] & 15];
        }
        b->data[b->len++] = '\'';
        return 1;
    }
    if (!PyUnicode_CheckExact(v)) return 0;
    Py_ssize_t n;
    PyObject *keep;
    const char *text = utf8_of(v, &n, &keep);
    if (text == NULL) return -1;
    /* TEXT with a control character is written with unistr() (%#Q), and a NUL cuts it: the
     * slow way. Copied and checked in one pass; what was copied is dropped if it is not simple. */
    int simple = 1, failed = reserve(b, (size_t)n * 2 + 2) < 0;
    if (!failed) {
        size_t start = b->len;
        char *out = b->data + b->len;
        *out++ = '\'';
        for (Py_ssize_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)text[k];
            if (c < 0x20 && (c == 0 || !f->raw_controls)) {
                simple = 0;
                break;
            }
            if (c == '\'') *out++ = '\'';
            *out++ = (char)c;
        }
        *out++ = '\'';
        b->len = simple ? (size_t)(out - b->data) : start;
    }
    Py_XDECREF(keep);
    return failed ? -1 : simple;
}

/* The decimal digits of i, into out (24 bytes at least); their count. */
static int integer_text(long long i, char *out) {
    char digits[24];
    int n = 0;
    unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    int len = 0;
    if (i < 0) out[len++] = '-';
    while (n) out[len++] = digits[--n];
    return len;
}

/* Append one field: text is the value's text; numeric says it came from a number. */
static int append_field(Buffer *b, const Format *f, const char *text, Py_ssize_t n, int numeric) {
    if (f->mode == MODE_CSV && !(numeric && f->numbers_plain) && !csv_plain(text, n, f->sep, f->nsep))
        return append_csv_quoted(b, text, n);
    return append(b, text, (size_t)n);
}

static int append_value(Buffer *b, const Format *f, PyObject *v) {
    if (v == Py_None) return append(b, f->null, (size_t)f->nnull);
    if (f->mode == MODE_INSERT && !PyLong_CheckExact(v)) {
        int done = append_literal(b, f, v);
        if (done != 0) return done < 0 ? -1 : 0;
    } else if (PyLong_CheckExact(v)) {
        long long i = PyLong_AsLongLong(v);
        if (!(i == -1 && PyErr_Occurred())) {
            char digits[24];
            return append_field(b, f, digits, integer_text(i, digits), 1);
        }
        PyErr_Clear(); /* beyond 64 bits: Python's way */
    } else if (PyFloat_CheckExact(v)) {
        char digits[64];
        int n = sqlite_real(PyFloat_AS_DOUBLE(v), 0, digits, sizeof digits);
        if (n >= 0) return append_field(b, f, digits, n, 1);
    } else if (PyUnicode_CheckExact(v)) {
        Py_ssize_t n;
        PyObject *keep;
        const char *text = utf8_of(v, &n, &keep);
        if (text == NULL) return -1;
        /* C strings end at a NUL, and control characters are written ^X: the slow way. */
        if (memchr(text, 0, (size_t)n) == NULL && !needs_escape(text, n)) {
            int failed = append_field(b, f, text, n, 0);
            Py_XDECREF(keep);
            return failed;
        }
        Py_XDECREF(keep);
    }
    PyObject *shown = PyObject_CallOneArg(f->slow, v);
    if (shown == NULL) return -1;
    if (!PyUnicode_Check(shown)) {
        Py_DECREF(shown);
        PyErr_SetString(PyExc_TypeError, "write_rows: the slow formatter must return str");
        return -1;
    }
    Py_ssize_t n;
    PyObject *keep;
    const char *text = utf8_of(shown, &n, &keep);
    /* The slow formatter's text is final (quoted and escaped as the mode wants): as it is. */
    int failed = text == NULL ? -1 : append(b, text, (size_t)n);
    Py_XDECREF(keep);
    Py_DECREF(shown);
    return failed;
}

static PyObject *write_rows(PyObject *module, PyObject *args, PyObject *kwargs) {
    (void)module;
    static char *names[] = {"renderer", "rows",   "write",  "mode",          "colsep", "rowsep", "null",
                            "slow",     "header", "prefix", "raw_controls", NULL};
    PyObject *renderer, *rows, *write, *slow, *header;
    const char *mode_name;
    Format f;
    f.prefix = "";
    f.nprefix = 0;
    f.raw_controls = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOss#s#s#OO|s#p:write_rows", names, &renderer, &rows,
                                     &write, &mode_name, &f.sep, &f.nsep, &f.end, &f.nend, &f.null, &f.nnull,
                                     &slow, &header, &f.prefix, &f.nprefix, &f.raw_controls))
        return NULL;
    if (strcmp(mode_name, "list") == 0) {
        f.mode = MODE_LIST;
    } else if (strcmp(mode_name, "csv") == 0) {
        f.mode = MODE_CSV;
    } else if (strcmp(mode_name, "dump") == 0) {
        f.mode = MODE_INSERT; /* .dump's INSERT statements */
    } else {
        PyErr_Format(PyExc_ValueError, "write_rows: no fast loop for mode %s", mode_name);
        return NULL;
    }
    f.slow = slow;
    /* An empty separator is found in every text (sqlite3's strstr), so every field is quoted. */
    f.numbers_plain = 1;
    PyObject *start = PyObject_GetAttrString(renderer, "count");
    if (start == NULL) return NULL;
    long long count = PyLong_AsLongLong(start);
    Py_DECREF(start);
    if (count == -1 && PyErr_Occurred()) return NULL;
    PyObject *iterator = PyObject_GetIter(rows);
    if (iterator == NULL) return NULL;
    Buffer b = {NULL, 0, 0};
    int failed = 0;
    PyObject *row;
    while ((row = PyIter_Next(iterator)) != NULL) {
        if (count == 0 && header != Py_None) {
            Py_ssize_t n;
            PyObject *keep = NULL;
            const char *text = PyUnicode_Check(header) ? utf8_of(header, &n, &keep) : NULL;
            if (text == NULL && !PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "header must be str");
            failed = text == NULL || append(&b, text, (size_t)n) < 0;
            Py_XDECREF(keep);
        }
        PyObject *values = failed ? NULL : PySequence_Fast(row, "write_rows: a row must be a sequence");
        Py_DECREF(row);
        if (values == NULL) {
            failed = 1;
            break;
        }
        count++;
        if (f.nprefix && append(&b, f.prefix, (size_t)f.nprefix) < 0) failed = 1;
        Py_ssize_t width = PySequence_Fast_GET_SIZE(values);
        PyObject **items = PySequence_Fast_ITEMS(values);
        for (Py_ssize_t k = 0; k < width && !failed; k++) {
            if (k && append(&b, f.sep, (size_t)f.nsep) < 0) failed = 1;
            if (!failed && append_value(&b, &f, items[k]) < 0) failed = 1;
        }
        Py_DECREF(values);
        if (failed || append(&b, f.end, (size_t)f.nend) < 0 ||
            (b.len >= FLUSH_AT && flush(&b, write) < 0)) {
            failed = 1;
            break;
        }
    }
    Py_DECREF(iterator);
    PyObject *type = NULL, *value = NULL, *traceback = NULL;
    if (failed || PyErr_Occurred()) PyErr_Fetch(&type, &value, &traceback);
    /* Rows already formatted are written even when the statement then fails,
     * as sqlite3 prints rows before an error. */
    int flushed = failed ? 0 : flush(&b, write);
    PyMem_Free(b.data);
    PyObject *total = PyLong_FromLongLong(count);
    int counted = total == NULL ? -1 : PyObject_SetAttrString(renderer, "count", total);
    Py_XDECREF(total);
    if (type != NULL) {
        PyErr_Clear(); /* the first error wins */
        PyErr_Restore(type, value, traceback);
        return NULL;
    }
    if (flushed < 0 || counted < 0) return NULL;
    Py_RETURN_NONE;
}


/* -- a script's simple lines ----------------------------------------------------------------
 *
 * A piped script is mostly lines like "INSERT INTO t VALUES(1,'a');": one whole statement
 * each. take_lines() reads such lines from the input's iterator in one go, for runner.py to
 * run as a batch, and stops at the first line that is anything else (returned for the usual
 * path): a dot-command, a comment, a blank line, a statement that goes on, several on a line,
 * a parameter, or a word that the engine or the dump reader must see on its own. */

/* Whether a line (no line ending) is one simple complete statement; if it is, *query says
 * whether it may give rows (state.py's looks_like_query): it begins with SELECT, VALUES, WITH,
 * PRAGMA or EXPLAIN, or has RETURNING in it (in any case). One pass over the line. */
static int simple_line(const char *z, Py_ssize_t n, int *query) {
    static const char *const words[] = {"select", "values", "with", "pragma", "explain"};
    if (n < 2 || z[n - 1] != ';') return 0;
    unsigned char first = (unsigned char)z[0] | 0x20;
    if (!(first >= 'a' && first <= 'z')) return 0;
    /* COMMIT or END may end a dump's transaction: runner.py looks at those itself. */
    if (first == 'c' || first == 'e') return 0;
    int rows = 0;
    for (size_t w = 0; w < sizeof words / sizeof words[0] && !rows; w++) {
        size_t size = strlen(words[w]);
        rows = (size_t)n >= size && strncasecmp(z, words[w], size) == 0;
    }
    char quote = 0;
    for (Py_ssize_t k = 0; k < n - 1; k++) {
        unsigned char c = (unsigned char)z[k];
        /* function, rollback, libsql_wasm_func_table (quoted too): the engine must see these */
        unsigned char lower = c | 0x20;
        if ((lower == 'f' || lower == 'r' || lower == 'l') && k + 8 <= n) {
            if (strncasecmp(z + k, "function", 8) == 0 || strncasecmp(z + k, "rollback", 8) == 0) return 0;
            if (k + 22 <= n && strncasecmp(z + k, "libsql_wasm_func_table", 22) == 0) return 0;
            if (k + 9 <= n && strncasecmp(z + k, "returning", 9) == 0) rows = 1;
        }
        if (quote) {
            if (c == (unsigned char)quote) quote = 0;
            continue;
        }
        switch (c) {
        case ';': case '?': case ':': case '@': case '$': case '#': case 0:
            return 0;
        case '\'': case '"': case '`':
            quote = (char)c;
            break;
        case '[':
            quote = ']';
            break;
        case '-':
            if (z[k + 1] == '-') return 0;
            break;
        case '/':
            if (z[k + 1] == '*') return 0;
            break;
        default:
            if (c >= 0x80) return 0; /* any character beyond ASCII: the usual path */
        }
    }
    if (quote) return 0;
    *query = rows;
    return 1;
}

/* take_lines(lines, start) -> (texts, end, query): the simple lines of the list lines from
 * index start on, without a CR before their end; end is the index of the first line not taken
 * (len(lines) if all were); query whether one of them may give rows (see simple_line). Lines
 * are as the reader yields them: no "\n". No object is made per line but for one with a CR. */
static PyObject *take_lines(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *lines;
    Py_ssize_t start;
    if (!PyArg_ParseTuple(args, "O!n:take_lines", &PyList_Type, &lines, &start)) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(lines), k = start < 0 ? 0 : start, first = k;
    int query = 0, carriage = 0;
    for (; k < count; k++) {
        PyObject *line = PyList_GET_ITEM(lines, k);
        if (!PyUnicode_Check(line) || !PyUnicode_IS_ASCII(line)) break;
        const char *z = (const char *)PyUnicode_DATA(line);
        Py_ssize_t end = PyUnicode_GET_LENGTH(line);
        if (end && z[end - 1] == '\r') {
            end--;
            carriage = 1;
        }
        int rows;
        if (!simple_line(z, end, &rows)) break;
        query = query || rows;
    }
    PyObject *texts = PyList_GetSlice(lines, first, k);
    if (texts == NULL) return NULL;
    for (Py_ssize_t i = 0; carriage && i < k - first; i++) {
        PyObject *line = PyList_GET_ITEM(texts, i);
        Py_ssize_t n = PyUnicode_GET_LENGTH(line);
        if (n && PyUnicode_READ_CHAR(line, n - 1) == '\r') {
            PyObject *text = PyUnicode_Substring(line, 0, n - 1);
            if (text == NULL) {
                Py_DECREF(texts);
                return NULL;
            }
            PyList_SetItem(texts, i, text); /* (steals text, releases the line) */
        }
    }
    return Py_BuildValue("(NnO)", texts, k, query ? Py_True : Py_False);
}


/* -- the columnar modes' cells -------------------------------------------------------------
 *
 * box, table, column and markdown must see every row before they write one. Cells keeps each
 * value's text in one buffer (a million rows in tens of MB, not a Python object per value),
 * with its width, and writes the common table in C: every cell one line without control
 * characters (a cell beyond ASCII measured by measure(code), qrf.code_width). Anything else
 * is handed back to columnar.py's layout as (bytes, numeric) pairs. */

typedef struct {
    PyObject_HEAD
    Buffer text;                 /* the cells' texts, one after the other */
    size_t *start;               /* where cell k begins; start[n] is the end */
    unsigned char *numeric;      /* cell k came from an INTEGER or a REAL */
    int *width;                  /* cell k's width in columns (when simple) */
    Py_ssize_t n, cap, ncol, rows;
    Py_ssize_t *widest;          /* per column: the widest cell */
    int simple;                  /* every cell so far is one line without control characters */
    int plain_text;              /* TEXT is written as it is (no quoting) when printable */
    PyObject *slow;              /* slow(value) -> str: qrf.render in the mode's style */
    PyObject *null;              /* the NULL text (str) */
    PyObject *measure;           /* measure(text) -> its width, for text beyond ASCII */
} Cells;

static void Cells_dealloc(Cells *self) {
    PyMem_Free(self->text.data);
    PyMem_Free(self->start);
    PyMem_Free(self->numeric);
    PyMem_Free(self->width);
    PyMem_Free(self->widest);
    Py_XDECREF(self->slow);
    Py_XDECREF(self->null);
    Py_XDECREF(self->measure);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Cells_init(Cells *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"ncol", "slow", "null", "plain_text", "measure", NULL};
    Py_ssize_t ncol;
    PyObject *slow, *null, *measure;
    int plain_text;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "nOUpO:Cells", names, &ncol, &slow, &null, &plain_text,
                                     &measure))
        return -1;
    if (ncol <= 0) {
        PyErr_SetString(PyExc_ValueError, "Cells: ncol must be positive");
        return -1;
    }
    self->ncol = ncol;
    self->widest = PyMem_Calloc((size_t)ncol, sizeof(Py_ssize_t));
    self->start = PyMem_Malloc(sizeof(size_t));
    if (self->widest == NULL || self->start == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->start[0] = 0;
    self->simple = 1;
    self->plain_text = plain_text;
    Py_INCREF(slow);
    Py_XSETREF(self->slow, slow);
    Py_INCREF(null);
    Py_XSETREF(self->null, null);
    Py_INCREF(measure);
    Py_XSETREF(self->measure, measure);
    return 0;
}

static int printable_ascii(const char *text, Py_ssize_t n) {
    for (Py_ssize_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)text[k];
        if (c < 0x20 || c > 0x7e) return 0;
    }
    return 1;
}

/* Room for one more cell's bookkeeping. */
static int cells_grow(Cells *self) {
    if (self->n < self->cap) return 0;
    Py_ssize_t cap = self->cap ? self->cap * 2 : 1024;
    size_t *start = PyMem_Realloc(self->start, sizeof(size_t) * (size_t)(cap + 1));
    if (start == NULL) goto oom;
    self->start = start;
    unsigned char *numeric = PyMem_Realloc(self->numeric, (size_t)cap);
    if (numeric == NULL) goto oom;
    self->numeric = numeric;
    int *width = PyMem_Realloc(self->width, sizeof(int) * (size_t)cap);
    if (width == NULL) goto oom;
    self->width = width;
    self->cap = cap;
    return 0;
oom:
    PyErr_NoMemory();
    return -1;
}

/* Add one cell: its text, whether it came from a number, and its width: -1 to be found
 * (printable ASCII: its length), -2 for a cell that is not simple. */
static int cells_add(Cells *self, const char *text, Py_ssize_t n, int numeric, Py_ssize_t width) {
    if (cells_grow(self) < 0 || append(&self->text, text, (size_t)n) < 0) return -1;
    Py_ssize_t k = self->n++;
    self->start[k + 1] = self->text.len;
    self->numeric[k] = (unsigned char)numeric;
    if (width == -1) width = printable_ascii(text, n) ? n : -2;
    if (width < 0 || width > INT_MAX) {
        self->simple = 0;
        width = 0;
    }
    self->width[k] = (int)width;
    Py_ssize_t col = k % self->ncol;
    if (width > self->widest[col]) self->widest[col] = width;
    return 0;
}

/* Columns of each code point of the Basic Multilingual Plane, as measure(code) says: asked
 * once per code point (-1: not asked yet). */
static signed char bmp_width[0x10000];
static int bmp_width_ready = 0;

static int code_columns(Cells *self, unsigned int code) {
    if (code < 0x10000 && bmp_width[code] >= 0) return bmp_width[code];
    PyObject *w = PyObject_CallFunction(self->measure, "I", code);
    if (w == NULL) return -1;
    long width = PyLong_AsLong(w);
    Py_DECREF(w);
    if (width < 0 || width > 2) return PyErr_Occurred() ? -1 : 1;
    if (code < 0x10000) bmp_width[code] = (signed char)width;
    return (int)width;
}

/* The width of valid UTF-8 text with no control character, each code point measured by
 * measure(code) (qrf.code_width); -2 if it has a control character or DEL, or bytes that are
 * not UTF-8 (surrogates in its str); -3 on error. */
static Py_ssize_t measured(Cells *self, const char *text, Py_ssize_t n, int keep) {
    if (keep) return -2; /* bytes that are not UTF-8: measured byte by byte in Python */
    if (!bmp_width_ready) {
        memset(bmp_width, -1, sizeof bmp_width);
        bmp_width_ready = 1;
    }
    Py_ssize_t width = 0;
    for (Py_ssize_t k = 0; k < n;) {
        unsigned char c = (unsigned char)text[k];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) return -2;
            width++;
            k++;
            continue;
        }
        int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        unsigned int code = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
        for (int i = 1; i < len && k + i < n; i++) code = code << 6 | ((unsigned char)text[k + i] & 0x3F);
        int columns = code_columns(self, code);
        if (columns < 0) return -3;
        width += columns;
        k += len;
    }
    return width;
}

static int cells_add_str(Cells *self, PyObject *shown, int numeric) {
    Py_ssize_t n;
    PyObject *keep;
    const char *text = utf8_of(shown, &n, &keep);
    if (text == NULL) return -1;
    Py_ssize_t width = printable_ascii(text, n) ? n : measured(self, text, n, keep != NULL);
    int failed = width == -3 ? -1 : cells_add(self, text, n, numeric, width);
    Py_XDECREF(keep);
    return failed;
}

static int cells_add_value(Cells *self, PyObject *v) {
    if (v == Py_None) return cells_add_str(self, self->null, 0);
    if (PyLong_CheckExact(v)) {
        long long i = PyLong_AsLongLong(v);
        if (!(i == -1 && PyErr_Occurred())) {
            char digits[24];
            return cells_add(self, digits, integer_text(i, digits), 1, -1);
        }
        PyErr_Clear();
    } else if (PyFloat_CheckExact(v)) {
        char digits[64];
        int n = sqlite_real(PyFloat_AS_DOUBLE(v), 0, digits, sizeof digits);
        if (n >= 0) return cells_add(self, digits, n, 1, -1);
    } else if (PyUnicode_CheckExact(v) && self->plain_text) {
        if (PyUnicode_IS_ASCII(v)) {
            Py_ssize_t n = PyUnicode_GET_LENGTH(v);
            const char *text = (const char *)PyUnicode_DATA(v);
            if (printable_ascii(text, n)) return cells_add(self, text, n, 0, n);
        } else {
            /* TEXT beyond ASCII is written as it is when it has no control character */
            Py_ssize_t n;
            const char *text = PyUnicode_AsUTF8AndSize(v, &n);
            if (text == NULL) {
                PyErr_Clear(); /* surrogates: the slow way */
            } else {
                Py_ssize_t width = measured(self, text, n, 0);
                if (width == -3) return -1;
                if (width >= 0) return cells_add(self, text, n, 0, width);
            }
        }
    }
    PyObject *shown = PyObject_CallOneArg(self->slow, v);
    if (shown == NULL) return -1;
    int failed = PyUnicode_Check(shown) ? cells_add_str(self, shown, PyLong_Check(v) || PyFloat_Check(v)) : -1;
    if (!PyUnicode_Check(shown)) PyErr_SetString(PyExc_TypeError, "Cells: slow() must return str");
    Py_DECREF(shown);
    return failed;
}

/* add(rows): every row of an iterator; self.rows counts them, even when a row fails. */
static PyObject *Cells_add(Cells *self, PyObject *rows) {
    PyObject *iterator = PyObject_GetIter(rows);
    if (iterator == NULL) return NULL;
    PyObject *row;
    int failed = 0;
    while (!failed && (row = PyIter_Next(iterator)) != NULL) {
        PyObject *values = PySequence_Fast(row, "Cells: a row must be a sequence");
        Py_DECREF(row);
        if (values == NULL) {
            failed = 1;
            break;
        }
        Py_ssize_t width = PySequence_Fast_GET_SIZE(values);
        if (width != self->ncol) {
            PyErr_SetString(PyExc_ValueError, "Cells: a row of the wrong width");
            failed = 1;
        }
        PyObject **items = PySequence_Fast_ITEMS(values);
        for (Py_ssize_t k = 0; k < width && !failed; k++)
            if (cells_add_value(self, items[k]) < 0) failed = 1;
        Py_DECREF(values);
        if (failed) { /* a row is whole or not there */
            self->n -= self->n % self->ncol;
            self->text.len = self->start[self->n];
        } else {
            self->rows++;
        }
    }
    Py_DECREF(iterator);
    if (failed || PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

/* pairs(): the cells as columnar.py's layout takes them, [(bytes, numeric), ...]. */
static PyObject *Cells_pairs(Cells *self, PyObject *unused) {
    (void)unused;
    PyObject *list = PyList_New(self->n);
    if (list == NULL) return NULL;
    for (Py_ssize_t k = 0; k < self->n; k++) {
        PyObject *text = PyBytes_FromStringAndSize(self->text.data + self->start[k],
                                                   (Py_ssize_t)(self->start[k + 1] - self->start[k]));
        PyObject *pair = text == NULL ? NULL : Py_BuildValue("(NO)", text, self->numeric[k] ? Py_True : Py_False);
        if (pair == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, k, pair);
    }
    return list;
}

/* write(write, widths, aligns, start, colsep, end, rtrim): the rows, one line each, each cell
 * padded to its column's width as aligns says (0: numbers right, the rest left; 1 left,
 * 2 centre, 3 right); only for simple cells. */
static PyObject *Cells_write(Cells *self, PyObject *args) {
    PyObject *write, *widths, *aligns;
    const char *start, *colsep, *end;
    Py_ssize_t nstart, ncolsep, nend;
    int rtrim;
    if (!PyArg_ParseTuple(args, "OOOs#s#s#p:write", &write, &widths, &aligns, &start, &nstart, &colsep,
                          &ncolsep, &end, &nend, &rtrim))
        return NULL;
    if (!self->simple) {
        PyErr_SetString(PyExc_ValueError, "Cells.write: not every cell is simple");
        return NULL;
    }
    Py_ssize_t ncol = self->ncol;
    Py_ssize_t *w = PyMem_Calloc((size_t)ncol, sizeof(Py_ssize_t));
    int *a = PyMem_Calloc((size_t)ncol, sizeof(int));
    if (w == NULL || a == NULL) {
        PyMem_Free(w);
        PyMem_Free(a);
        return PyErr_NoMemory();
    }
    int failed = 0;
    for (Py_ssize_t j = 0; j < ncol && !failed; j++) {
        PyObject *wj = PySequence_GetItem(widths, j), *aj = wj ? PySequence_GetItem(aligns, j) : NULL;
        if (aj == NULL) failed = 1;
        else {
            w[j] = PyLong_AsSsize_t(wj);
            a[j] = (int)PyLong_AsLong(aj);
            if (PyErr_Occurred() || w[j] < self->widest[j]) {
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "Cells.write: a column too narrow");
                failed = 1;
            }
        }
        Py_XDECREF(wj);
        Py_XDECREF(aj);
    }
    Buffer b = {NULL, 0, 0};
    for (Py_ssize_t k = 0; k < self->n && !failed; k += ncol) {
        if (append(&b, start, (size_t)nstart) < 0) failed = 1;
        for (Py_ssize_t j = 0; j < ncol && !failed; j++) {
            const char *text = self->text.data + self->start[k + j];
            Py_ssize_t n = (Py_ssize_t)(self->start[k + j + 1] - self->start[k + j]);
            Py_ssize_t room = w[j] - self->width[k + j], left;
            int align = a[j] ? a[j] : (self->numeric[k + j] ? 3 : 1);
            left = align == 3 ? room : align == 2 ? room / 2 : 0;
            if (j && append(&b, colsep, (size_t)ncolsep) < 0) failed = 1;
            if (failed || reserve(&b, (size_t)(room + n)) < 0) {
                failed = 1;
                break;
            }
            memset(b.data + b.len, ' ', (size_t)left);
            memcpy(b.data + b.len + left, text, (size_t)n);
            memset(b.data + b.len + left + n, ' ', (size_t)(room - left));
            b.len += (size_t)(room + n);
        }
        if (failed) break;
        if (rtrim)
            while (b.len > 0 && b.data[b.len - 1] == ' ') b.len--;
        if (append(&b, end, (size_t)nend) < 0 || (b.len >= FLUSH_AT && flush(&b, write) < 0)) failed = 1;
    }
    if (!failed && flush(&b, write) < 0) failed = 1;
    PyMem_Free(b.data);
    PyMem_Free(w);
    PyMem_Free(a);
    if (failed) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Cells_get_simple(Cells *self, void *closure) {
    (void)closure;
    return PyBool_FromLong(self->simple);
}

static PyObject *Cells_get_rows(Cells *self, void *closure) {
    (void)closure;
    return PyLong_FromSsize_t(self->rows);
}

static PyObject *Cells_get_widths(Cells *self, void *closure) {
    (void)closure;
    PyObject *list = PyList_New(self->ncol);
    if (list == NULL) return NULL;
    for (Py_ssize_t j = 0; j < self->ncol; j++) {
        PyObject *w = PyLong_FromSsize_t(self->widest[j]);
        if (w == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, j, w);
    }
    return list;
}

static PyMethodDef Cells_methods[] = {
    {"add", (PyCFunction)Cells_add, METH_O, "add(rows): the cells of every row, formatted."},
    {"pairs", (PyCFunction)Cells_pairs, METH_NOARGS, "pairs() -> [(bytes, numeric), ...], row after row."},
    {"write", (PyCFunction)Cells_write, METH_VARARGS,
     "write(write, widths, aligns, start, colsep, end, rtrim): the rows, one line each (simple cells)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Cells_getset[] = {
    {"simple", (getter)Cells_get_simple, NULL, "every cell is one line without control characters", NULL},
    {"rows", (getter)Cells_get_rows, NULL, "the rows added", NULL},
    {"widths", (getter)Cells_get_widths, NULL, "each column's widest cell, in columns", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject CellsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "wasmshell.shell.output._rows.Cells",
    .tp_basicsize = sizeof(Cells),
    .tp_dealloc = (destructor)Cells_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Cells(ncol, slow, null, plain_text, measure): a columnar result's cells, kept as UTF-8.",
    .tp_methods = Cells_methods,
    .tp_getset = Cells_getset,
    .tp_init = (initproc)Cells_init,
    .tp_new = PyType_GenericNew,
};


static PyMethodDef methods[] = {
    {"take_lines", (PyCFunction)take_lines, METH_VARARGS,
     "take_lines(lines, start) -> (texts, end, query)\n\n"
     "The lines from lines[start] on that are each one simple statement (a CR at their end taken\n"
     "off); end is the index of the first line not taken; query whether one may give rows."},
    {"write_rows", (PyCFunction)(void (*)(void))write_rows, METH_VARARGS | METH_KEYWORDS,
     "write_rows(renderer, rows, write, mode, colsep, rowsep, null, slow, header, prefix='',\n"
     "           raw_controls=False)\n\n"
     "Format rows in list or csv mode (or .dump's: mode 'dump') and write them, adding to renderer.count;\n"
     "slow(value) formats what this does not; header is written before a first row,\n"
     "prefix before every row (dump: 'INSERT INTO t VALUES(')."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_rows",
    .m_doc = "The hot loop of list and csv output (see _rows.c).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__rows(void) {
    if (PyType_Ready(&CellsType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&CellsType);
    if (PyModule_AddObject(m, "Cells", (PyObject *)&CellsType) < 0) {
        Py_DECREF(&CellsType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
