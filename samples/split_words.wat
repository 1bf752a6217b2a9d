;; split_words(text): a table-valued function, one row per word of a TEXT (words are
;; separated by spaces, tabs and line breaks): n (1, 2, ...), the word, and pos, the
;; position of its first character as instr() counts (1-based, in characters).
;;   SELECT group_concat(word, '|') FROM split_words('to be  or not');  -- to|be|or|not
;;   SELECT n, pos FROM split_words('to be  or not') WHERE word = 'or';  -- 3|8
;;   SELECT pos FROM split_words('héllo wörld') WHERE n = 2;            -- 7
;;   SELECT count(*) FROM split_words(NULL);                            -- 0
;; Its argument may come from another table, row by row (a join):
;;   WITH t(id, body) AS (VALUES (1, 'a b'), (2, 'c')) SELECT id, word FROM t, split_words(t.body);
;; A BLOB gives no rows either. Exports: split_words_columns, split_words_open,
;; split_words_next, libsql_malloc and memory (see README, "Table-valued functions").
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\03n INTEGER, word TEXT, pos INTEGER, text TEXT HIDDEN\00")
  (global $heap (mut i32) (i32.const 1024))
  (func $malloc (export "libsql_malloc") (param $n i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.lt_s (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end)
                  (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1))) (i32.const 0))
        (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $p))
  (func (export "split_words_columns") (result i32) (i32.const 0))
  (func $blank (param $b i32) (result i32)
    (i32.or (i32.or (i32.eq (local.get $b) (i32.const 32)) (i32.eq (local.get $b) (i32.const 9)))
            (i32.or (i32.eq (local.get $b) (i32.const 10)) (i32.eq (local.get $b) (i32.const 13)))))
  ;; one more character unless $b continues a UTF-8 sequence
  (func $chars (param $b i32) (result i64)
    (i64.extend_i32_u (i32.ne (i32.and (local.get $b) (i32.const 0xC0)) (i32.const 0x80))))
  ;; state: [at i32][done i32][buffer i32][pad][n i64][pos i64]
  (func (export "split_words_open") (param $text i32) (result i32)
    (local $s i32) (local $end i32)
    (local.set $s (call $malloc (i32.const 32)))
    (i32.store (local.get $s) (i32.add (local.get $text) (i32.const 1)))
    (i32.store offset=4 (local.get $s) (i32.ne (i32.load8_u (local.get $text)) (i32.const 3)))
    (i64.store offset=16 (local.get $s) (i64.const 0))
    (i64.store offset=24 (local.get $s) (i64.const 1))
    ;; a batch holds at most 256 rows of 20 bytes plus the words, which fit in the text's length
    (local.set $end (i32.add (local.get $text) (i32.const 1)))
    (if (i32.eqz (i32.load offset=4 (local.get $s)))
      (then (loop $scan (if (i32.load8_u (local.get $end))
        (then (local.set $end (i32.add (local.get $end) (i32.const 1))) (br $scan))))))
    (i32.store offset=8 (local.get $s)
      (call $malloc (i32.add (i32.sub (local.get $end) (local.get $text)) (i32.const 5200))))
    (local.get $s))
  (func (export "split_words_next") (param $s i32) (result i32)
    (local $at i32) (local $out i32) (local $rows i32) (local $b i32) (local $pos i64) (local $start i64) (local $buf i32)
    (local.set $at (i32.load (local.get $s)))
    (local.set $pos (i64.load offset=24 (local.get $s)))
    (local.set $buf (i32.load offset=8 (local.get $s)))
    (local.set $out (i32.add (local.get $buf) (i32.const 8)))
    (block $stop
      (br_if $stop (i32.load offset=4 (local.get $s)))
      (loop $word
        (br_if $stop (i32.eq (local.get $rows) (i32.const 256)))
        ;; skip blanks
        (block $found (loop $skip
          (local.set $b (i32.load8_u (local.get $at)))
          (br_if $found (i32.eqz (call $blank (local.get $b))))
          (local.set $at (i32.add (local.get $at) (i32.const 1)))
          (local.set $pos (i64.add (local.get $pos) (i64.const 1)))
          (br $skip)))
        (if (i32.eqz (local.get $b)) (then (i32.store offset=4 (local.get $s) (i32.const 1)) (br $stop)))
        ;; a row: [1][n][3][word bytes][0][1][pos]
        (i64.store offset=16 (local.get $s) (i64.add (i64.load offset=16 (local.get $s)) (i64.const 1)))
        (i32.store8 (local.get $out) (i32.const 1))
        (i64.store offset=1 (local.get $out) (i64.load offset=16 (local.get $s)))
        (i32.store8 offset=9 (local.get $out) (i32.const 3))
        (local.set $out (i32.add (local.get $out) (i32.const 10)))
        (local.set $start (local.get $pos))
        (block $ended (loop $copy
          (local.set $b (i32.load8_u (local.get $at)))
          (br_if $ended (i32.or (i32.eqz (local.get $b)) (call $blank (local.get $b))))
          (i32.store8 (local.get $out) (local.get $b))
          (local.set $pos (i64.add (local.get $pos) (call $chars (local.get $b))))
          (local.set $at (i32.add (local.get $at) (i32.const 1)))
          (local.set $out (i32.add (local.get $out) (i32.const 1)))
          (br $copy)))
        (i32.store8 (local.get $out) (i32.const 0))
        (i32.store8 offset=1 (local.get $out) (i32.const 1))
        (i64.store offset=2 (local.get $out) (local.get $start))
        (local.set $out (i32.add (local.get $out) (i32.const 10)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 1)))
        (br $word)))
    (i32.store (local.get $s) (local.get $at))
    (i64.store offset=24 (local.get $s) (local.get $pos))
    (i32.store (local.get $buf) (local.get $rows))
    (i32.store offset=4 (local.get $buf) (i32.sub (local.get $out) (i32.add (local.get $buf) (i32.const 8))))
    (local.get $buf)))
