/*
 * insert_lines: .import's plain lines, split, bound and inserted in C.
 *
 * The shell reads a file's lines in big chunks and, where they are plain
 * (whole UTF-8 lines, no NUL, in CSV no CR but before a line end and quotes
 * only around whole fields), hands them here: each line's fields are bound as
 * TEXT to one prepared INSERT and stepped, with no Python object per row. A
 * line that is not that simple, or has the wrong number of fields, stops the
 * run where it is, for the shell's own field reader; a row whose INSERT fails
 * stops it too, after the line, with SQLite's message, for the shell to report
 * as sqlite3 does and go on.
 *
 * run_plain: a piped script's statements that print nothing (INSERTs, CREATEs,
 * ...), prepared and stepped in C in one call, stopping where a statement has
 * result columns or fails, for the shell to show or report it as sqlite3 does.
 */
#include "_runwasm.h"

SQLITE_EXTENSION_INIT3

/* The fields of one line z[0..n) into start/len (ncol of them); 1 if it has exactly ncol
 * simple fields, else 0. */
static int split_line(const char *z, Py_ssize_t n, char colsep, int csv, int ncol, const char **start,
                      int *len) {
    Py_ssize_t k = 0;
    for (int i = 0; i < ncol; i++) {
        if (csv && k < n && z[k] == '"') {
            Py_ssize_t close = k + 1;
            while (close < n && z[close] != '"') close++;
            if (close >= n) return 0; /* a quote left open: not simple */
            start[i] = z + k + 1;
            len[i] = (int)(close - k - 1);
            k = close + 1;
        } else {
            Py_ssize_t end = k;
            while (end < n && z[end] != colsep) {
                if (csv && z[end] == '"') return 0; /* a quote inside a field */
                end++;
            }
            start[i] = z + k;
            len[i] = (int)(end - k);
            k = end;
        }
        if (i < ncol - 1) {
            if (k >= n || z[k] != colsep) return 0; /* too few fields */
            k++;
        }
    }
    return k == n; /* more fields, or bytes after a closing quote: not simple */
}

/* insert_lines(sqlite3_pointer, sql, data, colsep, rowsep, csv, ncol)
 *   -> (lines, bytes, error)
 * Insert the rows of the lines of data (each ended by rowsep) from the start; lines is how
 * many were used (inserted, or the one whose INSERT failed), bytes where the next line
 * begins, error SQLite's message for the last line's failed INSERT, or None. */
PyObject *py_insert_lines(PyObject *module, PyObject *args) {
    (void)module;
    unsigned long long pointer;
    const char *sql, *colseps, *rowseps;
    Py_buffer data;
    int csv, ncol;
    Py_ssize_t ncolsep, nrowsep;
    if (!PyArg_ParseTuple(args, "Ksy*s#s#pi:insert_lines", &pointer, &sql, &data, &colseps, &ncolsep, &rowseps,
                          &nrowsep, &csv, &ncol))
        return NULL;
    PyObject *result = NULL;
    const char **start = NULL;
    int *len = NULL;
    if (sqlite3_api == NULL || ncol <= 0 || ncolsep != 1 || nrowsep != 1) {
        PyErr_SetString(PyExc_ValueError, "insert_lines: not available for these arguments");
        goto out;
    }
    start = PyMem_Malloc(sizeof(char *) * (size_t)ncol);
    len = PyMem_Malloc(sizeof(int) * (size_t)ncol);
    if (start == NULL || len == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    sqlite3 *db = (sqlite3 *)(uintptr_t)pointer;
    sqlite3_stmt *stmt = NULL;
    const char *z = data.buf;
    Py_ssize_t size = data.len, pos = 0, lines = 0;
    char colsep = colseps[0], rowsep = rowseps[0];
    int rc = SQLITE_OK;
    char *message = NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    while (rc == SQLITE_OK && pos < size) {
        const char *line = z + pos;
        const char *end = memchr(line, rowsep, (size_t)(size - pos));
        if (end == NULL) break; /* only whole lines */
        Py_ssize_t n = end - line;
        if (csv && n > 0 && line[n - 1] == '\r') n--;
        if (!split_line(line, n, colsep, csv, ncol, start, len)) break;
        for (int i = 0; i < ncol; i++) sqlite3_bind_text(stmt, i + 1, start[i], len[i], SQLITE_STATIC);
        int step = sqlite3_step(stmt);
        lines++;
        pos = end - z + 1;
        if (step != SQLITE_DONE && step != SQLITE_ROW) {
            sqlite3_reset(stmt);
            message = sqlite3_mprintf("%s", sqlite3_errmsg(db));
            break;
        }
        sqlite3_reset(stmt);
    }
    if (rc != SQLITE_OK) message = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    Py_END_ALLOW_THREADS
    if (rc != SQLITE_OK) {
        PyErr_Format(PyExc_RuntimeError, "insert_lines: %s", message ? message : "cannot prepare");
        sqlite3_free(message);
        goto out;
    }
    if (PyErr_Occurred()) {
        /* A Python function the row called (a Wasm function in a trigger, say) raised: its
         * exception is the row's error, as APSW would have raised it; one that is not an
         * Exception (SystemExit, KeyboardInterrupt) goes on up. */
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);
        PyErr_NormalizeException(&type, &value, &traceback);
        if (!PyErr_GivenExceptionMatches(type, PyExc_Exception)) {
            PyErr_Restore(type, value, traceback);
            sqlite3_free(message);
            goto out;
        }
        PyObject *text = PyObject_Str(value);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(traceback);
        if (text != NULL) result = Py_BuildValue("(nnN)", lines, pos, text);
    } else if (message != NULL) {
        result = Py_BuildValue("(nns)", lines, pos, message);
    } else {
        result = Py_BuildValue("(nnO)", lines, pos, Py_None);
    }
    sqlite3_free(message);
out:
    PyMem_Free(start);
    PyMem_Free(len);
    PyBuffer_Release(&data);
    return result;
}

/* The exception a Python function called by the statement raised (a Wasm function that
 * trapped, say), taken; NULL when there is none, or when it is not an Exception (SystemExit,
 * KeyboardInterrupt), which is then left set to go on up. */
static PyObject *take_exception(int *fatal) {
    *fatal = 0;
    if (!PyErr_Occurred()) return NULL;
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (!PyErr_GivenExceptionMatches(type, PyExc_Exception)) {
        PyErr_Restore(type, value, traceback);
        *fatal = 1;
        return NULL;
    }
    if (traceback != NULL) PyException_SetTraceback(value, traceback);
    Py_XDECREF(type);
    Py_XDECREF(traceback);
    return value;
}

/* run_plain(sqlite3_pointer, sql, start) -> (done, outcome, code, error, offset, at)
 * Prepare and run the statements of sql (UTF-8) from byte start on, one after the other, as
 * sqlite3_exec would,
 * while they give no result columns. done is how many ran to their end; outcome says why it
 * stopped: RUN_ALL (no statement left), RUN_ROWS (the next statement has result columns: it was
 * not stepped, the caller runs it), RUN_PARSE or RUN_STEP (the next statement failed to prepare,
 * or while running: code is SQLite's extended result code, error its message or the exception a
 * Python function it called raised, offset the error's byte offset in that statement's text, or
 * -1); at is the byte where the statement it stopped at begins (the end of sql for RUN_ALL).
 * The GIL is released while SQLite works, so Ctrl-C's watcher can interrupt it. */
enum { RUN_ALL, RUN_ROWS, RUN_PARSE, RUN_STEP };

PyObject *py_run_plain(PyObject *module, PyObject *args) {
    (void)module;
    unsigned long long pointer;
    Py_buffer sql;
    Py_ssize_t start = 0;
    if (!PyArg_ParseTuple(args, "Ky*|n:run_plain", &pointer, &sql, &start)) return NULL;
    /* (bytes end with a NUL, where SQLite stops reading; the caller passes SQL without one) */
    if (!PyBytes_Check(PyTuple_GET_ITEM(args, 1)) || start < 0 || start > sql.len) {
        PyBuffer_Release(&sql);
        PyErr_SetString(PyExc_ValueError, "run_plain: the SQL must be bytes, start within it");
        return NULL;
    }
    if (!sqlite_loaded()) {
        PyBuffer_Release(&sql);
        return NULL;
    }
    sqlite3 *db = (sqlite3 *)(uintptr_t)pointer;
    const char *base = sql.buf, *z = base + start, *end = base + sql.len;
    Py_ssize_t done = 0;
    int outcome = RUN_ALL, code = SQLITE_OK, offset = -1;
    char *message = NULL;
    Py_BEGIN_ALLOW_THREADS
    while (z < end) {
        while (z < end && (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r' || *z == '\f' || *z == '\v')) z++;
        if (z >= end) break;
        sqlite3_stmt *stmt = NULL;
        const char *tail = NULL;
        /* -1: up to the NUL that ends a bytes object (a length would have SQLite copy the
         * rest of the text at each statement) */
        int rc = sqlite3_prepare_v2(db, z, -1, &stmt, &tail);
        if (rc != SQLITE_OK) {
            outcome = RUN_PARSE;
            code = sqlite3_extended_errcode(db);
            message = sqlite3_mprintf("%s", sqlite3_errmsg(db));
            offset = sqlite3_error_offset(db);
            break;
        }
        if (stmt == NULL) { /* only comments were left */
            z = tail;
            continue;
        }
        if (sqlite3_column_count(stmt) > 0) {
            sqlite3_finalize(stmt);
            outcome = RUN_ROWS;
            break;
        }
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        }
        /* A Python function the statement called may have raised though the statement ran on
         * (a hook's exception SQLite cannot see): it fails here, as it would through APSW,
         * before anything else runs with the exception pending. */
        Py_BLOCK_THREADS
        int raised = PyErr_Occurred() != NULL;
        Py_UNBLOCK_THREADS
        if (raised && rc == SQLITE_DONE) rc = SQLITE_ERROR;
        if (rc != SQLITE_DONE) {
            outcome = RUN_STEP;
            code = sqlite3_extended_errcode(db);
            message = sqlite3_mprintf("%s", sqlite3_errmsg(db));
            sqlite3_finalize(stmt);
            break;
        }
        sqlite3_finalize(stmt);
        done++;
        z = tail;
    }
    Py_END_ALLOW_THREADS
    Py_ssize_t at = z - base;
    PyBuffer_Release(&sql);
    int fatal;
    PyObject *raised = take_exception(&fatal);
    if (fatal) {
        sqlite3_free(message);
        return NULL;
    }
    PyObject *result;
    if (raised != NULL) {
        result = Py_BuildValue("(niiNin)", done, outcome, code, raised, offset, at);
    } else if (message != NULL) {
        result = Py_BuildValue("(niisin)", done, outcome, code, message, offset, at);
    } else {
        result = Py_BuildValue("(niiOin)", done, outcome, code, Py_None, offset, at);
    }
    sqlite3_free(message);
    return result;
}
