/*
 * The benchmark's native anchor: the samples' functions as a C SQLite extension, built at bench
 * time with cc and loaded with .load (load_extension), so that the benchmarks print how far the
 * Wasm call path is from what a function compiled into the process costs.
 *
 *   c_add1(x)          x + 1 (samples/add1.wat)
 *   c_reverse_text(s)  the characters of s in reverse order (samples/reverse_text.wat)
 *   c_fib(n)           the n-th Fibonacci number, recursively (samples/fib.wat; fib.c, which
 *                      native_anchor.py also compiles to Wasm)
 *   c_isum(x)          an integer sum, as an aggregate and a window function (samples/isum.wat)
 *
 * Each does what its sample does, the same way (fib recursive, reverse character by character),
 * with SQLite's values in and out as any C extension would take them.
 */
#include <sqlite3ext.h>
#include <stdint.h>
#include <string.h>

SQLITE_EXTENSION_INIT1

static void c_add1(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    sqlite3_result_int64(context, (int64_t)((uint64_t)sqlite3_value_int64(argv[0]) + 1));
}

static void c_reverse_text(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) return; /* NULL, as the sample gives */
    const unsigned char *in = sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    char *out = sqlite3_malloc(n + 1);
    if (out == NULL) {
        sqlite3_result_error_nomem(context);
        return;
    }
    int end = n;
    for (int i = 0; i < n;) {
        int k = 1;
        while (i + k < n && (in[i + k] & 0xC0) == 0x80) k++;
        end -= k;
        memcpy(out + end, in + i, (size_t)k);
        i += k;
    }
    out[n] = 0;
    sqlite3_result_text(context, out, n, sqlite3_free);
}

#include "fib.c"

static void c_fib(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    sqlite3_result_int64(context, cfib(sqlite3_value_int64(argv[0])));
}

static void isum_step(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    int64_t *sum = sqlite3_aggregate_context(context, sizeof *sum);
    if (sum != NULL && sqlite3_value_type(argv[0]) != SQLITE_NULL)
        *sum = (int64_t)((uint64_t)*sum + (uint64_t)sqlite3_value_int64(argv[0]));
}

static void isum_inverse(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    int64_t *sum = sqlite3_aggregate_context(context, sizeof *sum);
    if (sum != NULL && sqlite3_value_type(argv[0]) != SQLITE_NULL)
        *sum = (int64_t)((uint64_t)*sum - (uint64_t)sqlite3_value_int64(argv[0]));
}

static void isum_value(sqlite3_context *context) {
    int64_t *sum = sqlite3_aggregate_context(context, 0);
    sqlite3_result_int64(context, sum ? *sum : 0);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_nativefunctions_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
    (void)error;
    SQLITE_EXTENSION_INIT2(api);
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int rc = sqlite3_create_function(db, "c_add1", 1, flags, 0, c_add1, 0, 0);
    if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "c_reverse_text", 1, flags, 0, c_reverse_text, 0, 0);
    if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "c_fib", 1, flags, 0, c_fib, 0, 0);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_window_function(db, "c_isum", 1, flags, 0, isum_step, isum_value, isum_value,
                                            isum_inverse, 0);
    return rc;
}
