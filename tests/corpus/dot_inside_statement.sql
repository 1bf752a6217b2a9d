select 1,
.5 as half;
select 'x'
.print not a command
;
