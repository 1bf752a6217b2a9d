select 1; select 2;select 3 ;   select 4;
select 5
;
select
  6
  ,
  7;
select 'semi;colon', "x;" from (select 1 as "x;");
select 8; -- a comment with a ; in it
select 9; /* a block comment; with a semicolon */ select 10;
select 'it''s;' as a, 'two
lines;' as b;

   select 11;
	select 12;
select 13 /* unfinished
comment; still comment */;
select 14 -- trailing comment
;
