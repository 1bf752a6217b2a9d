/* fib(n), recursively: compiled into the native anchor (native_functions.c includes it) and, by
 * native_anchor.py, to Wasm with clang, so that the compute of the two is compared on one source. */
long long cfib(long long n) { return n < 2 ? n : cfib(n - 1) + cfib(n - 2); }
