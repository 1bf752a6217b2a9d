;; An export name with a NUL in it (valid WebAssembly): SQLite cannot take it as a function name.
(module (func (export "a\00b") (result i64) (i64.const 1))
        (func (export "ok") (result i64) (i64.const 42)))
