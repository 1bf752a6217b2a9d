# bash completion for wasmshell
#
# Install: source this file from ~/.bashrc, or copy it to
# ~/.local/share/bash-completion/completions/wasmshell (bash-completion then
# loads it the first time wasmshell is completed).

# The options as `wasmshell --help` spells them. wasmshell takes each of them
# with one dash or two, so -wasm-timeout and --csv work too.
_wasmshell_flags='-ascii -bail -batch -box -column -csv -echo -header -help -html
    -interactive -json -line -list -markdown -noheader -quote -readonly -safe
    -table -tabs -version'
_wasmshell_value_options='-cmd -init -newline -nullvalue -separator
    --wasm-memory --wasm-timeout'

# Put back together the words bash split at COMP_WORDBREAKS characters
# (':' and '=' among them), so that :memory:, a:b.db or a=1 is one word.
# Sets words and cword, as COMP_WORDS and COMP_CWORD would be without the split.
_wasmshell_words()
{
    local line=$COMP_LINE rest word i
    words=()
    for (( i = 0; i <= COMP_CWORD; i++ )); do
        word=${COMP_WORDS[i]}
        rest=${line#"${line%%[![:space:]]*}"}
        if (( i == 0 )) || [[ $rest != "$line" || $rest != "$word"* ]]; then
            words+=("$word")
        else
            words[${#words[@]}-1]+=$word
        fi
        line=${rest#"$word"}
    done
    cword=$(( ${#words[@]} - 1 ))
}

# The database: SQLite files and directories to look into, or :memory:.
_wasmshell_database()
{
    if [[ $cur == :* ]]; then
        [[ :memory: == "$cur"* ]] && COMPREPLY=(:memory:)
        return
    fi
    compopt -o filenames 2>/dev/null
    local file
    while IFS= read -r file; do
        if [[ -d $file ]]; then
            COMPREPLY+=("$file")
        else
            case $file in
                *.db | *.sqlite | *.sqlite3 | *.db3) COMPREPLY+=("$file") ;;
            esac
        fi
    done < <(compgen -f -- "$cur")
}

_wasmshell()
{
    local words cword cur word option expect='' position=0 i
    local value_names=() all_names=()
    # The names without their dashes.
    for option in $_wasmshell_value_options; do
        option=${option#-}
        value_names+=("${option#-}")
    done
    for option in $_wasmshell_flags; do
        option=${option#-}
        all_names+=("${option#-}")
    done
    all_names+=("${value_names[@]}")

    _wasmshell_words
    cur=${words[cword]}

    # Walk the words before the cursor: does an option wait for its value,
    # and how many plain arguments (the database, then SQL) came already?
    for (( i = 1; i < cword; i++ )); do
        word=${words[i]}
        if [[ -n $expect ]]; then
            expect=''
        elif [[ $word == -?* ]]; then
            word=${word#-}
            word=${word#-}
            [[ " ${value_names[*]} " == *" $word "* ]] && expect=$word
        else
            (( position++ ))
        fi
    done

    COMPREPLY=()
    case $expect in
        init)
            compopt -o filenames 2>/dev/null
            local IFS=$'\n'
            COMPREPLY=($(compgen -f -- "$cur"))
            ;;
        ?*)
            # A command, a separator, a number: nothing to offer.
            ;;
        *)
            if [[ $cur == - ]]; then
                COMPREPLY=($(compgen -W "$_wasmshell_flags $_wasmshell_value_options" -- "$cur"))
            elif [[ $cur == --* ]]; then
                COMPREPLY=($(compgen -P -- -W "${all_names[*]}" -- "${cur#--}"))
            elif [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -P - -W "${all_names[*]}" -- "${cur#-}"))
            elif (( position == 0 )); then
                _wasmshell_database
            fi
            # Past the database come SQL statements and dot-commands: nothing to offer.
            ;;
    esac

    # bash replaces only the part of the word after its last break character.
    local split=${cur%"${COMP_WORDS[COMP_CWORD]}"}
    if [[ -n $split ]]; then
        COMPREPLY=("${COMPREPLY[@]#"$split"}")
    fi
}

complete -F _wasmshell wasmshell
