-- A tour of wasmshell in one script. From the repository's root directory:
--
--   wasmshell < samples/demo.sql
--
-- It runs on a fresh in-memory database and leaves nothing behind.
.mode box

.print "1. run_wasm(module, function, args...): a module given inline, as WebAssembly text"
SELECT run_wasm('(module (func (export "add1") (param i64) (result i64)
                   local.get 0 i64.const 1 i64.add))', 'add1', 41) AS answer;

.print "2. CREATE FUNCTION ... LANGUAGE wasm (libSQL's dialect): stored in the database"
CREATE FUNCTION gcd LANGUAGE wasm AS '(module
  (memory (export "memory") 0) ;; libSQL wants one in every module
  (func (export "gcd") (param $a i64) (param $b i64) (result i64)
    (local $t i64)
    (block $done
      (loop $step
        (br_if $done (i64.eqz (local.get $b)))
        (local.set $t (i64.rem_u (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (br $step)))
    (local.get $a)))';
WITH pairs(a, b) AS (VALUES (12, 18), (35, 64), (1071, 462)) SELECT a, b, gcd(a, b) AS gcd FROM pairs;
SELECT name FROM libsql_wasm_func_table;

.print "3. .loadwasm FILE: every function a module file exports"
.loadwasm samples/fib.wat
.loadwasm samples/reverse_text.wat
.loadwasm samples/crc32.wat
.loadwasm samples/nullif_empty.wat
CREATE TABLE words(word TEXT);
INSERT INTO words VALUES ('wasm'), ('añb'), (''), (NULL);
SELECT word, reverse_text(word) AS reversed, crc32(word) AS crc32,
       nullif_empty(word) IS NULL AS empty_or_null
FROM words;
WITH ns(n) AS (VALUES (10), (20), (30)) SELECT n, fib(n) AS fib FROM ns;

.print "4. .funcs: the Wasm functions of this database"
.mode list
.funcs

.print "5. .wat NAME: a function's module, as WebAssembly text"
.wat gcd

DROP FUNCTION gcd;
.print "Done."
