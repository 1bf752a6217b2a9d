# fish completion for wasmshell
#
# Install: copy this file to ~/.config/fish/completions/wasmshell.fish

# Succeeds while the token being completed is the database: only options and
# their values come before it. wasmshell takes options anywhere, with one
# dash or two.
function __wasmshell_wants_database
    # The options that take a value, without their dashes.
    set -l value_options cmd init newline nullvalue separator wasm-timeout wasm-memory
    set -l tokens (commandline -opc)
    set -l expect_value 0
    for token in $tokens[2..-1]
        if test $expect_value = 1
            set expect_value 0
        else if string match -q -- '-?*' $token
            contains -- (string replace -r -- '^--?' '' $token) $value_options
            and set expect_value 1
        else
            return 1
        end
    end
    test $expect_value = 0
end

# The database: SQLite files and directories to look into, or :memory:.
function __wasmshell_databases
    set -l token (commandline -ct)
    if string match -q -- ':*' $token
        printf '%s\t%s\n' :memory: 'in-memory database'
        return
    end
    # Ask for what fish completes for any command without completions of
    # its own, files and directories, and keep the databases and directories.
    complete -C "__wasmshell_no_such_command $token" |
        string match -r -- '^.*(?:\.(?:db|sqlite|sqlite3|db3)|/)$'
end

# No file names except where asked for: past the database come SQL
# statements and dot-commands.
complete -c wasmshell -f
complete -c wasmshell -n __wasmshell_wants_database -a '(__wasmshell_databases)'

# The options as `wasmshell --help` spells them: -csv, -init FILENAME,
# --wasm-timeout MS; -o and -l let both spellings complete.
complete -c wasmshell -o ascii -l ascii -d "set output mode to 'ascii'"
complete -c wasmshell -o bail -l bail -d 'stop after hitting an error'
complete -c wasmshell -o batch -l batch -d 'force batch I/O'
complete -c wasmshell -o box -l box -d "set output mode to 'box'"
complete -c wasmshell -o column -l column -d "set output mode to 'column'"
complete -c wasmshell -o cmd -l cmd -x -d 'run COMMAND before reading stdin'
complete -c wasmshell -o csv -l csv -d "set output mode to 'csv'"
complete -c wasmshell -o echo -l echo -d 'print inputs before execution'
complete -c wasmshell -o init -l init -r -F -d 'read/process named file'
complete -c wasmshell -o header -l header -d 'turn headers on'
complete -c wasmshell -o noheader -l noheader -d 'turn headers off'
complete -c wasmshell -o help -l help -d 'show the help message'
complete -c wasmshell -o html -l html -d 'set output mode to HTML'
complete -c wasmshell -o interactive -l interactive -d 'force interactive I/O'
complete -c wasmshell -o json -l json -d "set output mode to 'json'"
complete -c wasmshell -o line -l line -d "set output mode to 'line'"
complete -c wasmshell -o list -l list -d "set output mode to 'list'"
complete -c wasmshell -o markdown -l markdown -d "set output mode to 'markdown'"
complete -c wasmshell -o newline -l newline -x -d 'set output row separator (default \n)'
complete -c wasmshell -o nullvalue -l nullvalue -x -d 'set text string for NULL values'
complete -c wasmshell -o quote -l quote -d "set output mode to 'quote'"
complete -c wasmshell -o readonly -l readonly -d 'open the database read-only'
complete -c wasmshell -o safe -l safe -d 'refuse what touches files or runs programs'
complete -c wasmshell -o separator -l separator -x -d 'set output column separator (default |)'
complete -c wasmshell -o table -l table -d "set output mode to 'table'"
complete -c wasmshell -o tabs -l tabs -d "set output mode to 'tabs'"
complete -c wasmshell -o version -l version -d 'show wasmshell, SQLite and wasmtime versions'
complete -c wasmshell -l wasm-timeout -o wasm-timeout -x -d 'time limit of one Wasm call in ms (default 5000)'
complete -c wasmshell -l wasm-memory -o wasm-memory -x -d 'memory limit of one Wasm instance in MB (default 64)'
