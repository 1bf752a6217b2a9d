select 1;
select 2; select nosuchfunc(3); select 4;
create table t(a unique, b not null, c check (c > 0));
insert into t values (1, 1, 1);
insert into t values (1, 2, 3);
insert into t values (2, null, 3);
insert into t values (3, 3, -1);
select 'after errors';
select
  1 +
  ;
select 'still running';
