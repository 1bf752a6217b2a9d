"""The long help of the commands whose ``.help NAME`` is a manual page in sqlite3 3.54 (its
text, word for word: a user moving from sqlite3 reads the same), imported only by .help."""

from __future__ import annotations

MANUALS = {
    "import": """\
USAGE: .import [OPTIONS] FILE TABLE

Import CSV or similar text from FILE into TABLE.  If TABLE does
not exist, it is created using the first row of FILE as the column
names.  If FILE begins with "|" then it is a command that is run
and the output from the command is used as the input data.  If
FILE begins with "<<" followed by a label, then content is read from
the script until the first line that matches the label.

The content of FILE is interpreted using RFC-4180 ("CSV") quoting
rules unless the current mode is "ascii" or "tabs" or unless one
the --ascii option is used.

The column and row separators must be single ASCII characters.  If
multiple characters or a Unicode character are specified for the
separators, then only the first byte of the separator is used.  Except,
if the row separator is \\n and the mode is not --ascii, then \\r\\n is
understood as a row separator too.

Options:
  --ascii         Do not use RFC-4180 quoting.  Use \\037 and \\036
                  as column and row separators on input, unless other
                  delimiters are specified using --colsep and/or --rowsep
  --colsep CHAR   Use CHAR as the column separator.
  --csv           Input is standard RFC-4180 CSV.
  --esc CHAR      Use CHAR as an escape character in unquoted CSV inputs.
  --qesc CHAR     Use CHAR as an escape character in quoted CSV inputs.
  --rowsep CHAR   Use CHAR as the row separator.
  --schema S      When creating TABLE, put it in schema S
  --skip N        Ignore the first N rows of input
  -v              Verbose mode
""",
    "mode": """\
USAGE: .mode [MODE] [OPTIONS]

Change the output mode to MODE and/or apply OPTIONS to the output mode.
Arguments are processed from left to right.  If no arguments, show the
current output mode and relevant options.  Use the --list option to get
a list of available MODE values.  Use -v to show all the current output
mode settings.

Options:
  --align STRING           Set the alignment of text in columnar modes
                           String consists of characters 'L', 'C', 'R'
                           meaning "left", "centered", and "right", with
                           one letter per column starting from the left.
                           Unspecified alignment defaults to 'L'.
  --blob-quote ARG         ARG can be "auto", "text", "sql", "hex", "tcl",
                           "json", or "size".  Default is "auto".
  --border on|off          Show outer border on "box" and "table" modes.
  --charlimit N            Set the maximum number of output characters to
                           show for any single SQL value to N. Longer values
                           truncated. Zero means "no limit".
  --colsep STRING          Use STRING as the column separator
  --escape ESC             Enable/disable escaping of control characters
                           found in the output. ESC can be "auto", "off",
                           "ascii", or "symbol".  Default is "auto"
  --fpfmt STRING           String is a printf-style format string used to
                           render floating-point values.
  --ifmt STRING            String is a printf-style format string used to
                           render integer values.
  --linelimit N            Set the maximum number of output lines to show for
                           any single SQL value to N. Longer values are
                           truncated. Zero means "no limit". Only works
                           in "line" mode and in columnar modes.
  --limits L,C,T           Shorthand for "--linelimit L --charlimit C
                           --titlelimit T". The ",T" can be omitted in which
                           case the --titlelimit is unchanged.  The argument
                           can also be "off" to mean "0,0,0" or "on" to
                           mean "5,300,20".
  --list                   List available modes
  --multiinsert N          In "insert" mode, put multiple rows on a single
                           INSERT statement until the size exceeds N bytes.
  --null STRING            Render SQL NULL values as the given string
  --once                   Setting changes to the right are reverted after
                           the next SQL command.
  --quote ARG              Enable/disable quoting of text. ARG can be
                           "off", "on", "sql", "relaxed", "csv", "html",
                           "tcl", or "json". "off" means show the text as-is.
                           "on" is an alias for "sql".
  --reset                  Changes all mode settings back to their default.
  --rowcount BOOLEAN       Show "(N rows)" at the end of query results.
  --rowsep STRING          Use STRING as the row separator
  --sw|--screenwidth N     Declare the screen width of the output device
                           to be N characters.  An attempt may be made to
                           wrap output text to fit within this limit. Zero
                           means "no limit".  Or N can be "auto" to set the
                           width automatically.
  --tablename NAME         Set the name of the table for "insert" mode.
  --tag NAME               Save current settings as a new mode called NAME.
  --textjsonb BOOLEAN      If enabled, JSONB text is displayed as text JSON.
  --title ARG              Whether or not to show column headers, and if so
                           how to encode them.  ARG can be "off", "on",
                           "always", "sql", "csv", "html", "tcl", or "json".
  --titlelimit N           Limit the length of column titles to N characters.
  -v|--verbose             Verbose output
  --widths LIST            Set the columns widths for columnar modes. The
                           argument is a list of integers, one for each
                           column. A "0" width means use a dynamic width
                           based on the actual width of data. If there are
                           fewer entries in LIST than columns, "0" is used
                           for the unspecified widths.
  --wordwrap BOOLEAN       Enable/disable word wrapping
  --wrap N                 Wrap columns wider than N characters
  --ww                     Shorthand for "--wordwrap on"
""",
    "once": """\
USAGE: .once [OPTIONS] FILE ...

Write the output for the next line of SQL or the next dot-command into
FILE.  If FILE begins with "|" then it is a program into which output
is written. The FILE argument should be omitted if one of the -e, -w,
or -x options is used.

Options:
  -e                Capture output into a temporary file then bring up
                    a text editor on that temporary file.
  --plain           Use plain text rather than HTML tables with -w
  -w                Capture output into an HTML file then bring up that
                    file in a web browser
  -x                Show the output in a spreadsheet.  Output is
                    written to a temp file as CSV then the spreadsheet
                    is launched when
""",
    "output": """\
USAGE: .output [OPTIONS] [FILE]

Begin redirecting output to FILE.  Or if FILE is omitted, revert
to sending output to the console.  If FILE begins with "|" then
the remainder of file is taken as a pipe and output is directed
into that pipe.  If FILE is "memory" then output is captured in an
internal memory buffer.  If FILE is "off" then output is redirected
into /dev/null or the equivalent.

Options:
  --bom             Prepend a byte-order mark to the output
  -e                Accumulate output in a temporary text file then
                    launch a text editor when the redirection ends.
  --error-prefix X  Use X as the left-margin prefix for error messages.
                    Set to an empty string to restore the default.
  --keep            Keep redirecting output to its current destination.
                    Use this option in combination with --show or
                    with --error-prefix when you do not want to stop
                    a current redirection.
  --plain           Use plain text rather than HTML tables with -w
  --show            Show output text captured by .testcase or by
                    redirecting to "memory".
  -w                Show the output in a web browser.  Output is
                    written into a temporary HTML file until the
                    redirect ends, then the web browser is launched.
                    Query results  are shown as HTML tables, unless
                    the --plain is used too.
  -x                Show the output in a spreadsheet.  Output is
                    written to a temp file as CSV then the spreadsheet
                    is launched when
""",
    "stats": """\
USAGE: .stats [OPTIONS] ...

Show status information about the database and database connection.
The stats setting is persistent, unless the --once option is used.
Options are cumulative and are processed from left to right.
If no options are given, that is the same as ".stats all --once".

Options:
  all          Show all available stats.
  io           Show I/O stats (Linux only).
  mem          Show basic memory usage.
  off          Show nothing.  Turn off stat display.
  on           Shorthand for "stmt xmem".
  --once       Show the stats once. Do not change the default stats display.
  reset        Reset "max" values after next display of each that value.
  stmt         Show information about the last SQL statement.
  vmstep       Show the number of virtual machine steps taken.
  xmem         Show detailed memory status information
  xstmt        Show details about each SQL statement
""",
}
