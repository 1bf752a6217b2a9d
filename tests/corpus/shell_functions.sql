select typeof(strdup(12)), typeof(strdup(1.5)), strdup(1.5), typeof(strdup('x')), quote(strdup(x'4100')), quote(strdup(null)), strdup(1e100), strdup(-0.0), strdup(9223372036854775807);
select strdup();
select quote(shell_complete_sql('select 1')), quote(shell_complete_sql('select ''a')), quote(shell_complete_sql('select 1', 1)), quote(shell_complete_sql('create trigger x after insert on t begin select 1;')), quote(shell_complete_sql('select 1 /* c')), quote(shell_complete_sql('select "a')), quote(shell_complete_sql(null)), quote(shell_complete_sql(12));
select quote(shell_complete_sql('select 1', 0)), quote(shell_complete_sql('select 1', 2)), quote(shell_complete_sql('select 1', 3)), quote(shell_complete_sql('select (1', 3)), quote(shell_complete_sql('select [a', 3)), quote(shell_complete_sql('select 1 -- c', 3));
select quote(shell_complete_sql('create trigger x after insert on t begin select 1', 3)), quote(shell_complete_sql('select 1', 'x')), quote(shell_complete_sql('select 1;', 3)), quote(shell_complete_sql('', 3)), quote(shell_complete_sql('select 1', 1.9));
select shell_format_schema('CREATE TABLE t(a int,    b text, c as (a+1), primary key(a))', 0);
select shell_format_schema('CREATE TABLE t(a int,    b text, c as (a+1), primary key(a))', 1);
select shell_format_schema('CREATE TABLE t(a int,    b text, c as (a+1), primary key(a))', 2);
select shell_format_schema('CREATE TABLE t(a int,    b text, c as (a+1), primary key(a))', 3);
select shell_format_schema('CREATE TABLE t(
  a int,

    b text)', 1);
select shell_format_schema('create view v as select 1', 1);
select shell_format_schema(null, 1), shell_format_schema(12, 1), shell_format_schema('x', 'a'), shell_format_schema('CREATE TABLE t(a,  b)', '1'), shell_format_schema('CREATE TABLE t(a,  b)', 1.5);
select shell_format_schema('CREATE TABLE t(aaaaaaaaaaaaaaaaaaa int, bbbbbbbbbbbbbbbbbbbbbbbb text, cccccccccccccccccccccc, dddddddddddddddd)', 1);
