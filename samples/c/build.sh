#!/bin/sh
# Build sqlfuncs.wasm from sqlfuncs.c with clang and wasm-ld (LLVM's linker).
#
#   ./build.sh                 # writes sqlfuncs.wasm next to this script
#   ./build.sh out/funcs.wasm  # or to the path given
#   CC=clang-17 ./build.sh     # another clang
#
# --target=wasm32   a plain WebAssembly module, no WASI and no imports
# -nostdlib         no C library: sqlfuncs.c brings the little it needs
# --no-entry        a library of functions, no main()
# The SQL functions are exported by name in the source
# (__attribute__((export_name(...)))); the linker exports the memory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/sqlfuncs.wasm"}
CC=${CC:-clang}

"$CC" --target=wasm32 -O2 -nostdlib \
    -Wall -Wextra \
    -Wl,--no-entry -Wl,--strip-debug \
    -o "$out" "$here/sqlfuncs.c"
chmod a-x "$out" # wasm-ld marks its output executable; a module is data
echo "built $out"
