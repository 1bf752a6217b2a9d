select 1;
.print after one
select 2
;
.print "quoted ; text"
select 'a.b' as
  ".x";
.headers on
select 3 as three;
