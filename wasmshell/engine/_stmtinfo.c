/*
 * stmt_status: the counters SQLite keeps on a prepared statement (sqlite3_stmt_status).
 */
#include "_runwasm.h"

SQLITE_EXTENSION_INIT3

/* APSW never hands out its statement handles, so the statement is found among the
 * connection's prepared statements by its text: APSW prepares one statement at a
 * time and keeps at most one of each text in its cache, which is the one that ran.
 * The counters are read in the order of STMT_COUNTERS below. */
static const int STMT_COUNTERS[] = {
    SQLITE_STMTSTATUS_VM_STEP,     SQLITE_STMTSTATUS_FULLSCAN_STEP, SQLITE_STMTSTATUS_SORT,
    SQLITE_STMTSTATUS_AUTOINDEX,   SQLITE_STMTSTATUS_FILTER_HIT,    SQLITE_STMTSTATUS_FILTER_MISS,
    SQLITE_STMTSTATUS_REPREPARE,   SQLITE_STMTSTATUS_RUN,           SQLITE_STMTSTATUS_MEMUSED,
};
#define N_COUNTERS (sizeof(STMT_COUNTERS) / sizeof(STMT_COUNTERS[0]))

/* The length of a statement's text without the spaces and semicolons that end it: APSW
 * tells the text with what follows up to the next statement, SQLite without. */
static size_t trimmed_length(const char *text) {
    size_t n = strlen(text);
    while (n > 0 && strchr(" \t\n\v\f\r;", text[n - 1]) != NULL) n--;
    return n;
}

PyObject *py_stmt_status(PyObject *module, PyObject *args) {
    unsigned long long address;
    const char *sql;
    int reset;
    if (!PyArg_ParseTuple(args, "Ksp", &address, &sql, &reset)) return NULL;
    if (sqlite3_api == NULL) Py_RETURN_NONE;
    sqlite3 *db = (sqlite3 *)(uintptr_t)address;
    sqlite3_stmt *found = NULL;
    size_t length = trimmed_length(sql);
    for (sqlite3_stmt *stmt = sqlite3_next_stmt(db, NULL); stmt != NULL; stmt = sqlite3_next_stmt(db, stmt)) {
        const char *text = sqlite3_sql(stmt);
        if (text != NULL && trimmed_length(text) == length && memcmp(text, sql, length) == 0) {
            found = stmt;
            if (sqlite3_stmt_busy(stmt)) break; /* a statement of that text is running: that one */
        }
    }
    if (found == NULL) Py_RETURN_NONE;
    PyObject *result = PyTuple_New(N_COUNTERS);
    if (result == NULL) return NULL;
    for (size_t i = 0; i < N_COUNTERS; i++) {
        PyObject *value = PyLong_FromLong(sqlite3_stmt_status(found, STMT_COUNTERS[i], reset));
        if (value == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        PyTuple_SET_ITEM(result, i, value);
    }
    return result;
}

/* sqlite3_stmt_explain (SQLite 3.43) is newer than the sqlite3ext.h this may be built with.
 * SQLite's routine table only ever grows at its end, every entry a function pointer:
 * sqlite3_stmt_explain is entry 267, after sqlite3_is_interrupted (266). */
#define STMT_EXPLAIN_ENTRY 267
typedef int (*StmtExplain)(sqlite3_stmt *, int);

static PyObject *explain_value(sqlite3_stmt *stmt, int k) {
    switch (sqlite3_column_type(stmt, k)) {
    case SQLITE_INTEGER:
        return PyLong_FromLongLong(sqlite3_column_int64(stmt, k));
    case SQLITE_NULL:
        Py_RETURN_NONE;
    default: {
        const char *text = (const char *)sqlite3_column_text(stmt, k);
        if (text == NULL) Py_RETURN_NONE;
        return PyUnicode_DecodeUTF8(text, sqlite3_column_bytes(stmt, k), "replace");
    }
    }
}

/* The rows of the statement in explain mode `mode` (2: its query plan, 1: its bytecode). */
static PyObject *explain_listing(sqlite3_stmt *stmt, StmtExplain explain, int mode) {
    sqlite3_reset(stmt);
    if (explain(stmt, mode) != SQLITE_OK) return PyList_New(0);
    PyObject *rows = PyList_New(0);
    if (rows == NULL) return NULL;
    int ncol = sqlite3_column_count(stmt);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        PyObject *row = PyTuple_New(ncol);
        if (row == NULL || PyList_Append(rows, row) < 0) {
            Py_XDECREF(row);
            Py_DECREF(rows);
            return NULL;
        }
        Py_DECREF(row);
        for (int k = 0; k < ncol; k++) {
            PyObject *value = explain_value(stmt, k);
            if (value == NULL) {
                Py_DECREF(rows);
                return NULL;
            }
            PyTuple_SET_ITEM(row, k, value);
        }
    }
    return rows;
}

/* explain_rows(sqlite3_pointer, sql, full) -> (plan rows, bytecode rows or None), or None.
 *
 * As sqlite3's .eqp: one statement prepared from sql is switched to EXPLAIN QUERY PLAN,
 * then (full) to EXPLAIN, so the bytecode listed is the statement's own as compiled for
 * its plan (with its Explain opcodes), not that of a separate "EXPLAIN sql". */
PyObject *py_explain_rows(PyObject *module, PyObject *args) {
    unsigned long long address;
    const char *sql;
    int full;
    if (!PyArg_ParseTuple(args, "Ksp", &address, &sql, &full)) return NULL;
    if (sqlite3_api == NULL || sqlite3_libversion_number() < 3043000) Py_RETURN_NONE;
    StmtExplain explain = ((StmtExplain *)sqlite3_api)[STMT_EXPLAIN_ENTRY];
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2((sqlite3 *)(uintptr_t)address, sql, -1, &stmt, NULL) != SQLITE_OK || stmt == NULL) {
        sqlite3_finalize(stmt);
        Py_RETURN_NONE;
    }
    PyObject *plan = explain_listing(stmt, explain, 2);
    PyObject *program = NULL;
    if (plan != NULL) {
        if (full) {
            program = explain_listing(stmt, explain, 1);
        } else {
            program = Py_NewRef(Py_None);
        }
    }
    sqlite3_finalize(stmt);
    if (program == NULL) {
        Py_XDECREF(plan);
        return NULL;
    }
    PyObject *result = PyTuple_Pack(2, plan, program);
    Py_DECREF(plan);
    Py_DECREF(program);
    return result;
}
