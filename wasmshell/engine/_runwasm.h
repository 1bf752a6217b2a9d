/* Shared by the files of wasmshell.engine._runwasm (see _runwasm.c). */
#ifndef WASMSHELL_RUNWASM_H
#define WASMSHELL_RUNWASM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sqlite3ext.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* The slots of an instance's control block (runtime.Instance.control, which names them alike; the
 * module exports C_MEMORY and C_SIZE for native.py to check that the two agree). */
enum {
    C_ENTRIES,    /* entries into Wasm: each call, each libsql_malloc, each start function */
    C_BOUND,      /* 1 while a store is bound */
    C_SEEN,       /* the entry the deadline check saw last */
    C_SINCE,      /* since when, CLOCK_MONOTONIC ns */
    C_SIGNALS,    /* the session's signals: int64 [interrupted, time limit in ms] */
    C_THRESHOLD,  /* past this many bytes of memory the instance is replaced between calls */
    C_HAS_MEMORY, /* 1 while C_MEMORY holds the bound store's wasmtime_memory_t */
    C_HOLDERS,    /* aggregate groups whose state lives in the store */
    C_STARTS,     /* stores bound so far: a group remembers the one it began in */
    C_KNOWN,      /* bytes of memory known to be there (0 when a store is bound: memory only grows) */
    C_BASE,       /* where the memory is, once known (0 when a store is bound: it never moves) */
    C_STALE,      /* STALE_NOW: replace the instance when no state lives in it (Instance.stale);
                   * STALE_HELD: so, but state lives in it, and its last holder will say */
    C_MEMORY,     /* wasmtime_memory_t, up to 32 bytes */
    C_SIZE = C_MEMORY + 4
};
enum { STALE_NOW = 1, STALE_HELD = 2 }; /* C_STALE's values (runtime.py: STALE_NOW, STALE_HELD) */

extern PyTypeObject WasmCallType; /* _wasmcall.c */

/* In _runwasm.c, with the GIL held: */
/* A new reference to the Python value of an SQL value, or NULL with an exception set. */
PyObject *to_python(sqlite3_value *value);
/* Set the SQL result from a Python value; 0, or -1 with an exception set. */
int set_result(sqlite3_context *context, PyObject *result);
/* The pending exception's message (sqlite3_malloc'd; otherwise if it has none), the exception left
 * pending for APSW to raise. */
char *pending_message(const char *otherwise);
/* Whether SQLite's API was given to the C part (it loads as a SQLite extension first); if not, 0
 * with a RuntimeError set. */
int sqlite_loaded(void);
/* Fail the SQL call with the pending exception's message, leaving it pending for APSW to raise. */
void report_error(sqlite3_context *context);
/* Take the GIL to run Python for a call: 1; or 0, the GIL released again and the call failed, when
 * an earlier callback of the statement left an error pending (that error surfaces as itself, and
 * no Python may run on top of it). */
int gil_for_python(sqlite3_context *context, PyGILState_STATE *gil);
/* Py_DECREF from code that may not hold the GIL (SQLite's destructors). */
void release_object(PyObject *object);

/* create_function(sqlite3_pointer, name, nargs, flags, wasm_call), in _wasmcall.c */
PyObject *py_create_function(PyObject *module, PyObject *args);

/* Whether s[0..n) is strict UTF-8, as Python decodes it, in _wasmcall.c */
int utf8_valid(const unsigned char *s, size_t n);

/* create_table(sqlite3_pointer, name, table_module) -> result code, in _wasmtable.c */
PyObject *py_create_table(PyObject *module, PyObject *args);

/* One row of a WasmCall as SQLite's function, without the GIL where it can be, in _wasmcall.c */
void wasm_call_row(sqlite3_context *context, PyObject *call, int argc, sqlite3_value **argv);

/* create_aggregate(sqlite3_pointer, name, nargs, flags, fast, python, group_class, first_pointer, state),
 * in _wasmcall.c */
PyObject *py_create_aggregate(PyObject *module, PyObject *args);
extern PyTypeObject RawRowsType;  /* _rawrows.c */

/* deadline_callback(wasmtime_error_new address) -> the C epoch deadline callback, in _wasmcall.c */
PyObject *py_deadline_callback(PyObject *module, PyObject *args);

/* raw_rows(sqlite3_pointer, connection, sql, bindings), in _rawrows.c */
PyObject *py_raw_rows(PyObject *module, PyObject *args);

/* rest_of_rows(sqlite3_pointer, sql, keep), in _rawrows.c */
PyObject *py_rest_of_rows(PyObject *module, PyObject *args);

/* rows_stepped() -> the rows the running (or last) rest_of_rows has stepped, in _rawrows.c */
PyObject *py_rows_stepped(PyObject *module, PyObject *unused);

/* insert_lines(sqlite3_pointer, sql, data, colsep, rowsep, csv, ncol), in _bulkinsert.c */
PyObject *py_insert_lines(PyObject *module, PyObject *args);

/* run_plain(sqlite3_pointer, sql), in _bulkinsert.c */
PyObject *py_run_plain(PyObject *module, PyObject *args);

/* word_starts(data, stems), in _scan.c */
PyObject *py_word_starts(PyObject *module, PyObject *args);

/* stmt_status(sqlite3_pointer, sql, reset), in _stmtinfo.c */
PyObject *py_stmt_status(PyObject *module, PyObject *args);

/* explain_rows(sqlite3_pointer, sql, full), in _stmtinfo.c */
PyObject *py_explain_rows(PyObject *module, PyObject *args);

#endif
