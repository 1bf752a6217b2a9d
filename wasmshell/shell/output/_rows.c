/*
 * The hot loops of output, in C: list, csv, line, html, quote, insert and json
 * rows as they come (and .dump's), and the layout of column, table, box and
 * markdown for results of plain values.
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
#include <string.h>

#define FLUSH_AT (64 * 1024)

enum { MODE_LIST = 0, MODE_CSV = 1, MODE_INSERT = 2, MODE_JSON = 3, MODE_QUOTE = 4, MODE_LINE = 5, MODE_HTML = 6 };

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
 * capsule): style 0 "%!.17g" as CAST(x AS TEXT), 1 "%.16g" as insert and json modes.
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
    int keep_newlines; /* insert: TEXT with line ends written as it is (.dump --newlines) */
    int exact_reals;   /* insert: REALs as their text, which reads back exactly (.dump) */
    PyObject *slow;    /* slow(value) -> str, for everything not done here */
} Format;

/* A REAL as an SQL literal in insert and json modes: %.16g, an infinity as
 * 9e+999; as the text modes write it in quote mode. 1 if done, 0 to leave it to
 * the slow formatter, -1 on error. */
static int append_real_literal(Buffer *b, double d, int literal) {
    if (literal && isinf(d)) return append(b, d < 0 ? "-9e+999" : "9e+999", d < 0 ? 7 : 6) < 0 ? -1 : 1;
    char digits[64];
    int n = sqlite_real(d, literal, digits, sizeof digits);
    if (n < 0) return 0;
    return append(b, digits, (size_t)n) < 0 ? -1 : 1;
}

/* insert and quote modes (and .dump): a value as an SQL literal, where that is
 * simple; 1 if done, 0 to leave it to the slow formatter, -1 on error. */
static int append_literal(Buffer *b, const Format *f, PyObject *v) {
    if (PyFloat_CheckExact(v)) {
        double d = PyFloat_AS_DOUBLE(v);
        if (f->exact_reals && d == 0.0 && signbit(d)) return append(b, "-0.0", 4) < 0 ? -1 : 1;
        if (f->exact_reals && !isinf(d)) return append_real_literal(b, d, 0);
        return append_real_literal(b, d, f->mode != MODE_QUOTE);
    }
    if (PyBytes_CheckExact(v)) {
        static const char hex[] = "0123456789abcdef";
        Py_ssize_t n = PyBytes_GET_SIZE(v);
        const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(v);
        if (reserve(b, (size_t)n * 2 + 3) < 0) return -1;
        b->data[b->len++] = 'X';
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
    int simple = memchr(text, 0, (size_t)n) == NULL &&
                 (f->keep_newlines || (memchr(text, '\n', (size_t)n) == NULL && memchr(text, '\r', (size_t)n) == NULL));
    int failed = 0;
    if (simple) {
        if (reserve(b, (size_t)n * 2 + 2) < 0) {
            failed = 1;
        } else {
            b->data[b->len++] = '\'';
            for (Py_ssize_t k = 0; k < n; k++) {
                if (text[k] == '\'') b->data[b->len++] = '\'';
                b->data[b->len++] = text[k];
            }
            b->data[b->len++] = '\'';
        }
    }
    Py_XDECREF(keep);
    return failed ? -1 : simple;
}

/* Append one field: text is the value's text; numeric says it came from a number. */
static int append_field(Buffer *b, const Format *f, const char *text, Py_ssize_t n, int numeric) {
    if (f->mode == MODE_CSV && !(numeric && f->numbers_plain) && !csv_plain(text, n, f->sep, f->nsep))
        return append_csv_quoted(b, text, n);
    return append(b, text, (size_t)n);
}

/* json mode: a value as sqlite3's output_json_string and %!.20g write it;
 * 1 if done, 0 to leave it to the slow formatter, -1 on error. */
static int append_json(Buffer *b, PyObject *v) {
    if (PyFloat_CheckExact(v)) return append_real_literal(b, PyFloat_AS_DOUBLE(v), 1); /* json_real */
    if (!PyUnicode_CheckExact(v)) return 0;
    Py_ssize_t n;
    PyObject *keep;
    const char *text = utf8_of(v, &n, &keep);
    if (text == NULL) return -1;
    const char *nul = memchr(text, 0, (size_t)n);
    if (nul != NULL) n = nul - text; /* C strings end at a NUL */
    int failed = reserve(b, (size_t)n * 6 + 2) < 0;
    if (!failed) {
        static const char hex[] = "0123456789abcdef";
        char *out = b->data + b->len;
        *out++ = '"';
        for (Py_ssize_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)text[k];
            if (c == '"' || c == '\\') {
                *out++ = '\\', *out++ = (char)c;
            } else if (c < 0x20) {
                *out++ = '\\';
                switch (c) {
                case '\b': *out++ = 'b'; break;
                case '\f': *out++ = 'f'; break;
                case '\n': *out++ = 'n'; break;
                case '\r': *out++ = 'r'; break;
                case '\t': *out++ = 't'; break;
                default:
                    *out++ = 'u', *out++ = '0', *out++ = '0';
                    *out++ = hex[c >> 4], *out++ = hex[c & 15];
                }
            } else {
                *out++ = (char)c;
            }
        }
        *out++ = '"';
        b->len = (size_t)(out - b->data);
    }
    Py_XDECREF(keep);
    return failed ? -1 : 1;
}

static int append_value(Buffer *b, const Format *f, PyObject *v) {
    if (v == Py_None) return append(b, f->null, (size_t)f->nnull);
    if (f->mode == MODE_JSON && !PyLong_CheckExact(v)) {
        int done = append_json(b, v);
        if (done != 0) return done < 0 ? -1 : 0;
    } else if ((f->mode == MODE_INSERT || f->mode == MODE_QUOTE) && !PyLong_CheckExact(v)) {
        int done = append_literal(b, f, v);
        if (done != 0) return done < 0 ? -1 : 0;
    } else if (PyLong_CheckExact(v)) {
        long long i = PyLong_AsLongLong(v);
        if (!(i == -1 && PyErr_Occurred())) {
            char digits[24];
            int n = snprintf(digits, sizeof digits, "%lld", i);
            return append_field(b, f, digits, n, 1);
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

/* html mode: a value's text in a <TD>, escaped as sqlite3's output_html_string does. */
static int append_html(Buffer *b, const Format *f, PyObject *v, Buffer *scratch) {
    scratch->len = 0;
    if (append_value(scratch, f, v) < 0 || reserve(b, scratch->len * 6 + 10) < 0) return -1;
    char *out = b->data + b->len;
    memcpy(out, "<TD>", 4), out += 4;
    for (size_t k = 0; k < scratch->len; k++) {
        char c = scratch->data[k];
        const char *entity = c == '<' ? "&lt;" : c == '&' ? "&amp;" : c == '>' ? "&gt;"
                           : c == '"' ? "&quot;" : c == '\'' ? "&#39;" : NULL;
        if (entity == NULL) {
            *out++ = c;
        } else {
            size_t n = strlen(entity);
            memcpy(out, entity, n), out += n;
        }
    }
    memcpy(out, "</TD>\n", 6), out += 6;
    b->len = (size_t)(out - b->data);
    return 0;
}

static PyObject *write_rows(PyObject *module, PyObject *args, PyObject *kwargs) {
    (void)module;
    static char *names[] = {"renderer", "rows",   "write",  "mode",          "colsep", "rowsep", "null",
                            "slow",     "header", "prefix", "keep_newlines", "keys",   NULL};
    PyObject *renderer, *rows, *write, *slow, *header, *keys = Py_None;
    const char *mode_name;
    Format f;
    f.prefix = "";
    f.nprefix = 0;
    f.keep_newlines = 0;
    f.exact_reals = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOss#s#s#OO|s#pO:write_rows", names, &renderer, &rows,
                                     &write, &mode_name, &f.sep, &f.nsep, &f.end, &f.nend, &f.null, &f.nnull,
                                     &slow, &header, &f.prefix, &f.nprefix, &f.keep_newlines, &keys))
        return NULL;
    if (strcmp(mode_name, "list") == 0) {
        f.mode = MODE_LIST;
    } else if (strcmp(mode_name, "csv") == 0) {
        f.mode = MODE_CSV;
    } else if (strcmp(mode_name, "insert") == 0 || strcmp(mode_name, "dump") == 0) {
        f.mode = MODE_INSERT;
        f.exact_reals = mode_name[0] == 'd';
    } else if (strcmp(mode_name, "quote") == 0) {
        f.mode = MODE_QUOTE;
        f.keep_newlines = 1; /* quote() keeps line ends in the literal */
    } else if (strcmp(mode_name, "json") == 0 && PyList_Check(keys)) {
        f.mode = MODE_JSON; /* keys: each column's "name": */
    } else if (strcmp(mode_name, "html") == 0) {
        f.mode = MODE_HTML; /* prefix "<TR>", rowsep "</TR>\n", no column separator */
    } else if (strcmp(mode_name, "line") == 0 && PyList_Check(keys)) {
        f.mode = MODE_LINE; /* keys: each column's padded "name = " */
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
    Buffer b = {NULL, 0, 0}, scratch = {NULL, 0, 0};
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
        if (f.mode == MODE_JSON && append(&b, count ? ",\n{" : "[{", count ? 3 : 2) < 0) failed = 1;
        if (f.mode == MODE_LINE && count && append(&b, f.end, (size_t)f.nend) < 0) failed = 1;
        count++;
        if (f.nprefix && append(&b, f.prefix, (size_t)f.nprefix) < 0) failed = 1;
        Py_ssize_t width = PySequence_Fast_GET_SIZE(values);
        PyObject **items = PySequence_Fast_ITEMS(values);
        if ((f.mode == MODE_JSON || f.mode == MODE_LINE) && width != PyList_GET_SIZE(keys)) {
            PyErr_SetString(PyExc_ValueError, "write_rows: a row and its keys differ in length");
            failed = 1;
        }
        for (Py_ssize_t k = 0; k < width && !failed; k++) {
            if (k && append(&b, f.sep, (size_t)f.nsep) < 0) failed = 1;
            if (!failed && (f.mode == MODE_JSON || f.mode == MODE_LINE)) {
                Py_ssize_t n;
                PyObject *keep;
                const char *key = utf8_of(PyList_GET_ITEM(keys, k), &n, &keep);
                failed = key == NULL || append(&b, key, (size_t)n) < 0;
                Py_XDECREF(keep);
            }
            if (!failed && f.mode == MODE_HTML) {
                if (append_html(&b, &f, items[k], &scratch) < 0) failed = 1;
            } else if (!failed && append_value(&b, &f, items[k]) < 0) {
                failed = 1;
            }
            if (!failed && f.mode == MODE_LINE && append(&b, f.end, (size_t)f.nend) < 0) failed = 1;
        }
        Py_DECREF(values);
        if (failed || (f.mode != MODE_LINE && append(&b, f.end, (size_t)f.nend) < 0) ||
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
    PyMem_Free(scratch.data);
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


/* ---- column, table, box and markdown ------------------------------------------ */

/* The columnar modes must see every row before writing. columnar() lays out
 * results whose every value is one plain line within its column's limit,
 * which is what most results are; for anything else (a line end or control
 * character, a value to wrap, undecodable bytes, --quote) it writes nothing
 * and returns False, and render.py lays the rows out itself. */

typedef struct {
    size_t start, len; /* the cell's UTF-8 in the text buffer */
    Py_ssize_t width;  /* characters, as sqlite3's strlenChar counts them */
} Cell;

/* Characters: the bytes that do not continue a UTF-8 sequence. */
static Py_ssize_t utf8_width(const char *text, size_t n) {
    Py_ssize_t width = 0;
    for (size_t k = 0; k < n; k++) width += ((unsigned char)text[k] & 0xC0) != 0x80;
    return width;
}

/* The cell's text, appended to b, if the value is plain enough for here: 1; 0 if not; -1 on error. */
static int plain_cell(Buffer *b, const Format *f, PyObject *v, Py_ssize_t limit) {
    size_t before = b->len;
    if (PyUnicode_CheckExact(v)) {
        Py_ssize_t n;
        PyObject *keep;
        const char *text = utf8_of(v, &n, &keep);
        if (text == NULL) return -1;
        int ok = keep == NULL; /* undecodable bytes: render.py's way */
        for (Py_ssize_t k = 0; ok && k < n; k++) ok = (unsigned char)text[k] >= 0x20;
        ok = ok && append(b, text, (size_t)n) == 0;
        Py_XDECREF(keep);
        if (!ok) {
            b->len = before;
            return PyErr_Occurred() ? -1 : 0;
        }
    } else if (v == Py_None || PyLong_CheckExact(v) || PyFloat_CheckExact(v)) {
        if (append_value(b, f, v) < 0) return -1;
        for (size_t k = before; k < b->len; k++) {
            if ((unsigned char)b->data[k] < 0x20) {
                b->len = before;
                return 0;
            }
        }
    } else {
        return 0; /* BLOBs and the rest */
    }
    if (limit > 0 && utf8_width(b->data + before, b->len - before) >= limit) {
        b->len = before;
        return 0; /* it would wrap */
    }
    return 1;
}

static int pad(Buffer *b, Py_ssize_t n) {
    if (n <= 0) return 0;
    if (reserve(b, (size_t)n) < 0) return -1;
    memset(b->data + b->len, ' ', (size_t)n);
    b->len += (size_t)n;
    return 0;
}

/* left + (fill * (width + 2)) joined by mid + right + newline */
static int rule(Buffer *b, const char *left, const char *fill, const char *mid, const char *right,
                const Py_ssize_t *widths, Py_ssize_t ncol) {
    size_t nfill = strlen(fill);
    if (append(b, left, strlen(left)) < 0) return -1;
    for (Py_ssize_t j = 0; j < ncol; j++) {
        if (j && append(b, mid, strlen(mid)) < 0) return -1;
        for (Py_ssize_t k = 0; k < widths[j] + 2; k++)
            if (append(b, fill, nfill) < 0) return -1;
    }
    return append(b, right, strlen(right)) < 0 || append(b, "\n", 1) < 0 ? -1 : 0;
}

static PyObject *columnar(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *rows, *write, *header, *set_widths, *limits, *slow;
    const char *mode;
    Format f;
    f.exact_reals = 0;
    int headers;
    if (!PyArg_ParseTuple(args, "O!OsO!O!O!s#pO:columnar", &PyList_Type, &rows, &write, &mode, &PyList_Type,
                          &header, &PyList_Type, &set_widths, &PyList_Type, &limits, &f.null, &f.nnull,
                          &headers, &slow))
        return NULL;
    Py_ssize_t ncol = PyList_GET_SIZE(header), nrows = PyList_GET_SIZE(rows);
    if (PyList_GET_SIZE(set_widths) != ncol || PyList_GET_SIZE(limits) != ncol) {
        PyErr_SetString(PyExc_ValueError, "columnar: widths, limits and header differ in length");
        return NULL;
    }
    f.mode = MODE_LIST; /* values as their text, NULL as the null text */
    f.slow = slow;
    f.sep = f.end = f.prefix = "";
    f.nsep = f.nend = f.nprefix = 0;
    f.numbers_plain = 1;
    f.keep_newlines = 0;
    Buffer text = {NULL, 0, 0}, out = {NULL, 0, 0};
    Cell *cells = PyMem_Malloc(sizeof(Cell) * (size_t)(nrows * ncol + 1));
    Py_ssize_t *widths = PyMem_Calloc((size_t)ncol + 1, sizeof(Py_ssize_t));
    Py_ssize_t *set = PyMem_Calloc((size_t)ncol + 1, sizeof(Py_ssize_t));
    Py_ssize_t *limit = PyMem_Calloc((size_t)ncol + 1, sizeof(Py_ssize_t));
    int result = -1; /* -1 error, 0 not plain, 1 written */
    if (cells == NULL || widths == NULL || set == NULL || limit == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t j = 0; j < ncol; j++) {
        set[j] = PyLong_AsSsize_t(PyList_GET_ITEM(set_widths, j));
        limit[j] = PyLong_AsSsize_t(PyList_GET_ITEM(limits, j));
        if (PyErr_Occurred()) goto done;
        widths[j] = set[j] < 0 ? -set[j] : set[j];
        Py_ssize_t n;
        PyObject *keep;
        const char *name = utf8_of(PyList_GET_ITEM(header, j), &n, &keep);
        if (name == NULL) goto done;
        Py_ssize_t w = utf8_width(name, (size_t)n);
        Py_XDECREF(keep);
        if (w > widths[j]) widths[j] = w;
    }
    for (Py_ssize_t r = 0; r < nrows; r++) {
        PyObject *values = PySequence_Fast(PyList_GET_ITEM(rows, r), "columnar: a row must be a sequence");
        if (values == NULL) goto done;
        int plain = PySequence_Fast_GET_SIZE(values) == ncol;
        for (Py_ssize_t j = 0; plain == 1 && j < ncol; j++) {
            size_t start = text.len;
            plain = plain_cell(&text, &f, PySequence_Fast_GET_ITEM(values, j), limit[j]);
            if (plain == 1) {
                Cell *c = &cells[r * ncol + j];
                c->start = start, c->len = text.len - start;
                c->width = utf8_width(text.data + start, c->len);
                if (c->width > widths[j]) widths[j] = c->width;
            }
        }
        Py_DECREF(values);
        if (plain != 1) {
            result = plain;
            goto done;
        }
    }
    int column = strcmp(mode, "column") == 0, table = strcmp(mode, "table") == 0, box = strcmp(mode, "box") == 0;
    const char *start = column ? "" : box ? "\xe2\x94\x82 " : "| ";
    const char *sep = column ? "  " : box ? " \xe2\x94\x82 " : " | ";
    const char *end = column ? "\n" : box ? " \xe2\x94\x82\n" : " |\n";
    int failed = 0;
    if (nrows > 0) {
        if (column) {
            for (Py_ssize_t j = 0; headers && j < ncol && !failed; j++) {
                Py_ssize_t n;
                PyObject *keep;
                const char *name = utf8_of(PyList_GET_ITEM(header, j), &n, &keep);
                Py_ssize_t gap = widths[j] - utf8_width(name, (size_t)n);
                failed = (j && append(&out, "  ", 2) < 0) || (set[j] < 0 && pad(&out, gap) < 0) ||
                         append(&out, name, (size_t)n) < 0 || (set[j] >= 0 && pad(&out, gap) < 0);
                Py_XDECREF(keep);
            }
            if (headers && !failed) {
                failed = append(&out, "\n", 1) < 0;
                for (Py_ssize_t j = 0; j < ncol && !failed; j++) {
                    failed = (j && append(&out, "  ", 2) < 0) || reserve(&out, (size_t)widths[j]) < 0;
                    if (!failed) memset(out.data + out.len, '-', (size_t)widths[j]), out.len += (size_t)widths[j];
                }
                failed = failed || append(&out, "\n", 1) < 0;
            }
        } else {
            if (table) failed = rule(&out, "+", "-", "+", "+", widths, ncol) < 0;
            if (box) failed = rule(&out, "\xe2\x94\x8c", "\xe2\x94\x80", "\xe2\x94\xac", "\xe2\x94\x90", widths, ncol) < 0;
            failed = failed || append(&out, start, strlen(start)) < 0;
            for (Py_ssize_t j = 0; j < ncol && !failed; j++) {
                Py_ssize_t n;
                PyObject *keep;
                const char *name = utf8_of(PyList_GET_ITEM(header, j), &n, &keep);
                Py_ssize_t gap = widths[j] - utf8_width(name, (size_t)n);
                failed = (j && append(&out, sep, strlen(sep)) < 0) || pad(&out, gap / 2) < 0 ||
                         append(&out, name, (size_t)n) < 0 || pad(&out, (gap + 1) / 2) < 0;
                Py_XDECREF(keep);
            }
            failed = failed || append(&out, end, strlen(end)) < 0;
            if (table) failed = failed || rule(&out, "+", "-", "+", "+", widths, ncol) < 0;
            if (box) failed = failed || rule(&out, "\xe2\x94\x9c", "\xe2\x94\x80", "\xe2\x94\xbc", "\xe2\x94\xa4", widths, ncol) < 0;
            if (!table && !box) failed = failed || rule(&out, "|", "-", "|", "|", widths, ncol) < 0;
        }
        for (Py_ssize_t r = 0; r < nrows && !failed; r++) {
            failed = append(&out, start, strlen(start)) < 0;
            for (Py_ssize_t j = 0; j < ncol && !failed; j++) {
                const Cell *c = &cells[r * ncol + j];
                Py_ssize_t gap = widths[j] - c->width;
                failed = (j && append(&out, sep, strlen(sep)) < 0) || (set[j] < 0 && pad(&out, gap) < 0) ||
                         append(&out, text.data + c->start, c->len) < 0 || (set[j] >= 0 && pad(&out, gap) < 0);
            }
            failed = failed || append(&out, end, strlen(end)) < 0 || (out.len >= FLUSH_AT && flush(&out, write) < 0);
        }
        if (!failed && table) failed = rule(&out, "+", "-", "+", "+", widths, ncol) < 0;
        if (!failed && box) failed = rule(&out, "\xe2\x94\x94", "\xe2\x94\x80", "\xe2\x94\xb4", "\xe2\x94\x98", widths, ncol) < 0;
    }
    result = failed || flush(&out, write) < 0 ? -1 : 1;
done:
    PyMem_Free(text.data);
    PyMem_Free(out.data);
    PyMem_Free(cells);
    PyMem_Free(widths);
    PyMem_Free(set);
    PyMem_Free(limit);
    if (result < 0) return NULL;
    return PyBool_FromLong(result);
}

static PyMethodDef methods[] = {
    {"columnar", columnar, METH_VARARGS,
     "columnar(rows, write, mode, header, set_widths, limits, null, headers, slow) -> bool\n\n"
     "Write rows in column, table, box or markdown mode if every value is one plain line\n"
     "within its limit; False (nothing written) to leave them to render.py."},
    {"write_rows", (PyCFunction)(void (*)(void))write_rows, METH_VARARGS | METH_KEYWORDS,
     "write_rows(renderer, rows, write, mode, colsep, rowsep, null, slow, header, prefix='',\n"
     "           keep_newlines=False)\n\n"
     "Format rows in list, csv or insert mode and write them, adding to renderer.count;\n"
     "slow(value) formats what this does not; header is written before a first row,\n"
     "prefix before every row (insert: 'INSERT INTO t VALUES(')."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_rows",
    .m_doc = "The hot loop of list and csv output (see _rows.c).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__rows(void) { return PyModule_Create(&module); }
