/* sqlfuncs.c: SQL functions written in C, compiled to WebAssembly for
 * wasmshell (and libSQL, which uses the same calling convention).
 *
 *   .loadwasm samples/c/sqlfuncs.wasm
 *   SELECT isqrt(1000000);                  -- 1000
 *   SELECT isqrt(NULL);                     -- NULL
 *   SELECT lerp(10, 20, 0.25);              -- 12.5
 *   SELECT word_count('  hello   wide world ');  -- 3
 *   SELECT word_count(NULL);                -- 0
 *   SELECT title_case('hello wörld, héllo');    -- Hello Wörld, Héllo
 *   SELECT title_case(NULL);                -- NULL
 *   SELECT hex(xor_blob(X'00FF10', X'0F')); -- 0FF01F
 *   SELECT xor_blob(X'01', NULL);           -- NULL
 *   SELECT stddev(column1) FROM (VALUES (2), (4), (4), (4), (5), (5), (7), (9));  -- 2.138089935299395
 *   SELECT stddev(column1) FROM (VALUES (1));  -- NULL
 *   SELECT middle(column1) FROM (VALUES (3), (1), (2));       -- 2.0
 *   SELECT middle(column1) FROM (VALUES (4), (1), (3), (2));  -- 2.5
 *   SELECT middle(column1) FROM (SELECT 1 AS column1 WHERE 0);  -- NULL
 *   SELECT group_concat(word, '|') FROM words(' to be  or not ');  -- to|be|or|not
 *   SELECT n, pos FROM words('héllo wörld') WHERE word = 'wörld';   -- 2|7
 *   SELECT count(*) FROM words(NULL);                         -- 0
 *   SELECT group_concat(value) FROM series(1, 10, 3);         -- 1,4,7,10
 *   SELECT group_concat(value) FROM series(3, -3, -2);        -- 3,1,-1,-3
 *   SELECT sum(value) FROM series(1, 100);                    -- 5050
 *
 * Build with ./build.sh (clang and wasm-ld, no C library): see README.md.
 *
 * The calling convention, in short
 * --------------------------------
 * Every exported function is an SQL function of the same name. Its Wasm
 * parameter and result types decide which SQL values it takes and gives:
 *
 *   C type        Wasm type   SQL value
 *   long long     i64         INTEGER
 *   double        f64         REAL (an INTEGER argument is converted)
 *   value *       i32         TEXT, BLOB or NULL, by pointer into memory
 *
 * A pointer points at a tagged value in the module's linear memory:
 *
 *   TEXT   [0x03][UTF-8 bytes][0x00]
 *   BLOB   [0x04][length: 4 bytes, big-endian][bytes]
 *   NULL   [0x05]
 *
 * Before a call the host asks the module for room for each TEXT/BLOB/NULL
 * argument by calling its exported libsql_malloc(size), writes the value
 * there and passes the pointer. A pointer result is read back the same way,
 * so a function builds its result in its own memory and returns its address.
 *
 * NULL: a NULL argument for an INTEGER or REAL parameter makes the host
 * return NULL without calling the function at all. For a pointer parameter
 * NULL arrives as the value [0x05] and the function decides what to do; a
 * pointer result can be NULL, an INTEGER or REAL result cannot (a NaN REAL
 * result comes back as NULL, though).
 */

/* No C library here (-nostdlib): the few types and helpers needed are
 * defined in this file. wasm32 is a 32-bit target: int, long and pointers
 * are 32 bits, long long is 64. */
typedef unsigned char u8;
typedef unsigned int u32;
typedef long long i64;
typedef unsigned long long u64;
typedef unsigned long size_t;

#define EXPORT(name) __attribute__((export_name(name)))

enum { TAG_TEXT = 0x03, TAG_BLOB = 0x04, TAG_NULL = 0x05 };

/* clang turns copy and fill loops (and struct copies) into calls to memcpy
 * and memset, which a freestanding module has to provide itself. */
void *memcpy(void *dst, const void *src, size_t n) {
    u8 *d = dst;
    const u8 *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    u8 *d = dst;
    while (n--) *d++ = (u8)c;
    return dst;
}

/* ------------------------------------------------------------------------
 * Memory: a bump allocator exported as libsql_malloc
 *
 * The linker lays out the data segment and the stack, then defines
 * __heap_base as the first free address after them. Everything above it is
 * ours. libsql_malloc hands out memory from there upwards and never frees:
 * the host starts a fresh instance when the memory grows too large, which
 * is simpler and faster than freeing. When the request does not fit in the
 * current memory, grow it by whole 64 KiB pages.
 */
extern u8 __heap_base;

#define PAGE_SIZE 65536u

static u32 heap_top; /* next free address; 0 until the first call */

EXPORT("libsql_malloc")
void *libsql_malloc(u32 size) {
    if (heap_top == 0) heap_top = (u32)&__heap_base;
    u32 start = (heap_top + 7u) & ~7u; /* 8-byte aligned, good for any type */
    u32 end = start + size;
    if (end < start) __builtin_trap(); /* the 4 GiB address space is full */
    u32 have = (u32)__builtin_wasm_memory_size(0) * PAGE_SIZE;
    if (end > have) {
        u32 pages = (end - have + PAGE_SIZE - 1) / PAGE_SIZE;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
            __builtin_trap(); /* out of memory: the call fails with an error */
    }
    heap_top = end;
    return (void *)start;
}

/* ------------------------------------------------------------------------
 * Reading arguments
 *
 * An argument pointer is declared as `const value *`: a pointer to the
 * tag byte. The helpers below return the tag and, for TEXT and BLOB, where
 * the bytes are and how many there are.
 */
typedef u8 value;

static int is_null(const value *v) { return v[0] == TAG_NULL; }

/* BLOB lengths are stored big-endian; Wasm memory is little-endian, so the
 * bytes are put together one by one. */
static u32 load_be32(const u8 *p) {
    return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | (u32)p[3];
}

static void store_be32(u8 *p, u32 v) {
    p[0] = (u8)(v >> 24);
    p[1] = (u8)(v >> 16);
    p[2] = (u8)(v >> 8);
    p[3] = (u8)v;
}

/* The bytes of a TEXT or BLOB argument: sets *data and *len and returns 1;
 * returns 0 for NULL. (A TEXT's length is found by its NUL terminator; SQL
 * text cannot contain NUL bytes in this convention.) */
static int arg_bytes(const value *v, const u8 **data, u32 *len) {
    if (v[0] == TAG_TEXT) {
        const u8 *p = v + 1;
        u32 n = 0;
        while (p[n] != 0) n++;
        *data = p;
        *len = n;
        return 1;
    }
    if (v[0] == TAG_BLOB) {
        *data = v + 5;
        *len = load_be32(v + 1);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Building results
 *
 * A result is laid out exactly like an argument. new_text/new_blob reserve
 * room for `len` bytes of content, write the tag (and the length or the
 * terminator) and return the value; the caller fills in the bytes at
 * text_data()/blob_data().
 */
static value *new_text(u32 len) {
    value *v = libsql_malloc(len + 2); /* tag + bytes + NUL */
    v[0] = TAG_TEXT;
    v[len + 1] = 0;
    return v;
}
static u8 *text_data(value *v) { return v + 1; }

static value *new_blob(u32 len) {
    value *v = libsql_malloc(len + 5); /* tag + 4-byte length + bytes */
    v[0] = TAG_BLOB;
    store_be32(v + 1, len);
    return v;
}
static u8 *blob_data(value *v) { return v + 5; }

/* NULL is a single byte; one constant copy serves every call. */
static const value null_value[1] = {TAG_NULL};
static value *new_null(void) { return (value *)null_value; }

static int is_space(u8 c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* ------------------------------------------------------------------------
 * The SQL functions
 */

/* isqrt(n INTEGER) -> INTEGER: the integer square root, floor(sqrt(n)).
 *
 * i64 in, i64 out. Nothing to allocate, and NULL never gets here: the host
 * answers NULL itself. A negative n has no square root; __builtin_trap()
 * stops the call and the host reports the trap as an SQL error. */
EXPORT("isqrt")
i64 isqrt(i64 n) {
    if (n < 0) __builtin_trap();
    /* f64.sqrt gives a close guess; a double cannot hold every 64-bit
     * integer, so correct the guess with exact (unsigned) integer steps. */
    u64 x = (u64)n;
    u64 r = (u64)__builtin_sqrt((double)n);
    while (r * r > x) r--;
    while ((r + 1) * (r + 1) <= x) r++;
    return (i64)r;
}

/* lerp(a REAL, b REAL, t REAL) -> REAL: linear interpolation, a at t = 0
 * and b at t = 1.
 *
 * f64 in, f64 out; INTEGER arguments arrive converted to REAL. */
EXPORT("lerp")
double lerp(double a, double b, double t) { return a + (b - a) * t; }

/* word_count(s TEXT) -> INTEGER: how many words s has, a word being a run
 * of bytes that are not ASCII whitespace.
 *
 * A pointer in, i64 out. The result cannot be NULL (an i64 has no room for
 * it), so NULL counts as no words; a BLOB is read as bytes like a TEXT. */
EXPORT("word_count")
i64 word_count(const value *s) {
    const u8 *p;
    u32 n;
    if (!arg_bytes(s, &p, &n)) return 0;
    i64 words = 0;
    int in_word = 0;
    for (u32 i = 0; i < n; i++) {
        if (is_space(p[i])) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    return words;
}

/* title_case(s TEXT) -> TEXT: s with the first letter of every word in
 * upper case and the other letters in lower case.
 *
 * A pointer in, a pointer out: NULL in, NULL out, and anything that is not
 * TEXT gives NULL. Only ASCII letters change. UTF-8 encodes every other
 * character with bytes >= 0x80, which never look like ASCII, so copying
 * them unchanged keeps multi-byte characters intact ('wörld' -> 'Wörld').
 * The result has as many bytes as s. */
EXPORT("title_case")
value *title_case(const value *s) {
    if (s[0] != TAG_TEXT) return new_null();
    const u8 *p;
    u32 n;
    arg_bytes(s, &p, &n);
    value *out = new_text(n);
    u8 *o = text_data(out);
    int start = 1; /* at the start of a word */
    for (u32 i = 0; i < n; i++) {
        u8 c = p[i];
        if (start && c >= 'a' && c <= 'z') c -= 'a' - 'A';
        else if (!start && c >= 'A' && c <= 'Z') c += 'a' - 'A';
        o[i] = c;
        start = is_space(p[i]);
    }
    return out;
}

/* xor_blob(data BLOB, key BLOB) -> BLOB: every byte of data XORed with the
 * key, repeated as often as needed. Applying the same key twice gives data
 * back.
 *
 * Two pointers in, a pointer out. NULL for either gives NULL; TEXT is taken
 * as its UTF-8 bytes; an empty key leaves data as it is. The result is
 * always a BLOB, as long as data. */
EXPORT("xor_blob")
value *xor_blob(const value *data, const value *key) {
    if (is_null(data) || is_null(key)) return new_null();
    const u8 *d, *k;
    u32 n, klen;
    arg_bytes(data, &d, &n);
    arg_bytes(key, &k, &klen);
    value *out = new_blob(n);
    u8 *o = blob_data(out);
    for (u32 i = 0, j = 0; i < n; i++) {
        o[i] = klen ? (u8)(d[i] ^ k[j]) : d[i];
        if (klen && ++j == klen) j = 0;
    }
    return out;
}

/* ------------------------------------------------------------------------
 * Aggregates
 *
 * A module exporting NAME_step and NAME_final is an aggregate NAME. The
 * state is step's first parameter and its result. Here it is a pointer
 * (i32): for each group the host places a NULL ([0x05]) with libsql_malloc
 * and passes its address to the first step; from then on it passes back
 * whatever step returned, without looking inside or copying it. So the
 * first step swaps the NULL for a state of its own, which may grow to any
 * size. final gets the last state (the NULL itself for an empty group). A
 * NULL argument never reaches step: the host skips the row, as SQL's own
 * aggregates do. Memory is freed by the host dropping the instance after
 * the statement, never during it. */
enum { TAG_STATE = 0x07 }; /* not a value tag: marks a state made by step */

static double not_a_number(void) { return __builtin_nan(""); } /* NaN is SQL NULL */

/* stddev(x REAL) -> REAL: the sample standard deviation, NULL for fewer than
 * two rows. Welford's method: a running count, mean and sum of squared
 * differences, updated in place. */
typedef struct {
    u8 tag;
    i64 n;
    double mean, m2;
} stddev_state;

EXPORT("stddev_step")
stddev_state *stddev_step(value *state, double x) {
    stddev_state *st = (stddev_state *)state;
    if (state[0] == TAG_NULL) {
        st = libsql_malloc(sizeof *st);
        *st = (stddev_state){TAG_STATE, 0, 0.0, 0.0};
    }
    st->n++;
    double d = x - st->mean;
    st->mean += d / (double)st->n;
    st->m2 += d * (x - st->mean);
    return st;
}

EXPORT("stddev_final")
double stddev_final(value *state) {
    stddev_state *st = (stddev_state *)state;
    if (state[0] == TAG_NULL || st->n < 2) return not_a_number();
    return __builtin_sqrt(st->m2 / (double)(st->n - 1));
}

/* middle(x REAL) -> REAL: the median (the mean of the two middle ones
 * for an even count). The state keeps every value in an array that doubles
 * when full, so n rows cost time in proportion to n; final finds the middle
 * with quickselect, also linear on average. */
typedef struct {
    u8 tag;
    u32 n, cap;
    double *v;
} median_state;

EXPORT("middle_step")
median_state *middle_step(value *state, double x) {
    median_state *st = (median_state *)state;
    if (state[0] == TAG_NULL) {
        st = libsql_malloc(sizeof *st);
        *st = (median_state){TAG_STATE, 0, 0, 0};
    }
    if (st->n == st->cap) {
        u32 cap = st->cap ? 2 * st->cap : 16;
        double *v = libsql_malloc(cap * sizeof(double));
        memcpy(v, st->v, st->n * sizeof(double));
        st->v = v;
        st->cap = cap;
    }
    st->v[st->n++] = x;
    return st;
}

/* The k-th smallest of v[0..n), moving values around (Hoare's selection). */
static double select_kth(double *v, u32 n, u32 k) {
    u32 lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        u32 i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else break;
    }
    return v[k];
}

EXPORT("middle_final")
double middle_final(value *state) {
    median_state *st = (median_state *)state;
    if (state[0] == TAG_NULL) return not_a_number();
    u32 n = st->n;
    double upper = select_kth(st->v, n, n / 2);
    if (n % 2) return upper;
    /* After selecting, everything below index n/2 is at most upper: the
     * lower middle value is the largest of them. */
    double lower = st->v[0];
    for (u32 i = 1; i < n / 2; i++)
        if (st->v[i] > lower) lower = st->v[i];
    return (lower + upper) / 2;
}

/* ------------------------------------------------------------------------
 * Table-valued functions
 *
 * A module exporting NAME_columns, NAME_open and NAME_next has a
 * table-valued function NAME, used in FROM: SELECT * FROM words('a b').
 *
 *   NAME_columns() -> TEXT   the columns, as a tagged TEXT: "n INTEGER,
 *                            word TEXT, text TEXT HIDDEN". HIDDEN columns are
 *                            the arguments, in the order NAME_open takes them.
 *   NAME_open(args) -> state arguments as a scalar's; the state (a pointer
 *                            here) is passed back to next, never read by the host
 *   NAME_next(state) -> batch the next rows, or a batch of 0 rows at the end
 *   NAME_close(state)        optional: the host is done with the state
 *
 * A batch is [u32 rows][u32 bytes] (little-endian) and then `bytes` bytes of
 * rows, each row one tagged value per visible column:
 *
 *   INTEGER [0x01][8 bytes, little-endian]
 *   REAL    [0x02][8 bytes, little-endian IEEE double]
 *   TEXT, BLOB, NULL as in the scalar convention above
 *
 * The host copies a batch as soon as next returns, so one buffer serves every
 * batch of a scan. A batch holds at most 65,536 rows and 16 MiB; a few hundred
 * rows a batch is plenty (the host's cost per call is then spread thin).
 */
enum { TAG_INTEGER = 0x01, TAG_REAL = 0x02 };

/* Wasm memory is little-endian and allows unaligned access: memcpy of 4 or 8
 * bytes compiles to a single store. */
static u8 *put_u32(u8 *p, u32 v) { memcpy(p, &v, 4); return p + 4; }
static u8 *put_integer(u8 *p, i64 v) { *p = TAG_INTEGER; memcpy(p + 1, &v, 8); return p + 9; }

#define BATCH_ROWS 256u

/* words(text TEXT) -> TABLE(n INTEGER, word TEXT, pos INTEGER): one row per
 * word of text (a word being a run of bytes that are not ASCII whitespace,
 * as word_count counts them), with its number n and pos, the position of its
 * first character as instr() counts (1-based, in characters). NULL or a BLOB
 * gives no rows. */
static const u8 words_declaration[] = "\003n INTEGER, word TEXT, pos INTEGER, text TEXT HIDDEN";

EXPORT("words_columns")
const u8 *words_columns(void) { return words_declaration; }

typedef struct {
    const u8 *text;  /* the argument, where the host put it: memory is never freed */
    u32 len, at;     /* its length, and the next byte to look at */
    u32 chars;       /* characters before `at` */
    i64 n;           /* words given so far */
    u8 *buf;         /* the batch buffer, reused; grown for a longer word */
    u32 cap;
} words_state;

EXPORT("words_open")
words_state *words_open(const value *text) {
    words_state *st = libsql_malloc(sizeof *st);
    *st = (words_state){0, 0, 0, 0, 0, 0, 0};
    if (text[0] == TAG_TEXT) arg_bytes(text, &st->text, &st->len);
    return st;
}

/* A byte that does not continue a UTF-8 sequence starts a character. */
static int starts_char(u8 c) { return (c & 0xC0) != 0x80; }

EXPORT("words_next")
u8 *words_next(words_state *st) {
    u32 rows = 0, used = 8; /* the header comes first */
    while (rows < BATCH_ROWS) {
        while (st->at < st->len && is_space(st->text[st->at])) {
            st->at++;
            st->chars++;
        }
        if (st->at == st->len) break;
        u32 start = st->at, start_chars = st->chars;
        while (st->at < st->len && !is_space(st->text[st->at]))
            st->chars += starts_char(st->text[st->at++]);
        u32 len = st->at - start;
        u32 need = used + 9 + (len + 2) + 9; /* n, word, pos */
        if (need > st->cap) {
            if (rows > 0) { /* the word goes in the next batch */
                st->at = start;
                st->chars = start_chars;
                break;
            }
            st->cap = need > 65536 ? need : 65536;
            st->buf = libsql_malloc(st->cap);
        }
        u8 *p = put_integer(st->buf + used, ++st->n);
        *p++ = TAG_TEXT;
        memcpy(p, st->text + start, len);
        p[len] = 0;
        p = put_integer(p + len + 1, (i64)start_chars + 1);
        used = (u32)(p - st->buf);
        rows++;
    }
    if (st->buf == 0) st->buf = libsql_malloc(st->cap = 8); /* no word at all */
    put_u32(put_u32(st->buf, rows), used - 8);
    return st->buf;
}

/* series(start INTEGER, stop INTEGER, step INTEGER DEFAULT 1) -> TABLE(value
 * INTEGER): start, start + step, ... up to stop (inclusive; down to it for a
 * negative step), as SQLite's generate_series. An argument declared with a
 * DEFAULT may be left out: series(1, 10) steps by 1. A step of 0 gives no rows, and the
 * series ends before it would overflow. Integers arrive as i64, so a NULL
 * argument gives no rows without the function being called. */
static const u8 series_declaration[] =
    "\003value INTEGER, start INTEGER HIDDEN, stop INTEGER HIDDEN, step INTEGER HIDDEN DEFAULT 1";

EXPORT("series_columns")
const u8 *series_columns(void) { return series_declaration; }

typedef struct {
    i64 next, stop, step;
    int done;
    u8 batch[8 + BATCH_ROWS * 9]; /* a row is one INTEGER: 9 bytes */
} series_state;

EXPORT("series_open")
series_state *series_open(i64 start, i64 stop, i64 step) {
    series_state *st = libsql_malloc(sizeof *st);
    st->next = start;
    st->stop = stop;
    st->step = step;
    st->done = step == 0;
    return st;
}

EXPORT("series_next")
u8 *series_next(series_state *st) {
    u32 rows = 0;
    u8 *p = st->batch + 8;
    while (rows < BATCH_ROWS && !st->done) {
        if (st->step > 0 ? st->next > st->stop : st->next < st->stop) {
            st->done = 1;
            break;
        }
        p = put_integer(p, st->next);
        rows++;
        if (__builtin_add_overflow(st->next, st->step, &st->next)) st->done = 1;
    }
    put_u32(put_u32(st->batch, rows), rows * 9);
    return st->batch;
}
