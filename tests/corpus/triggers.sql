create table t(a, b);
create table log(msg);
create trigger tr after insert on t
begin
  insert into log values ('inserted ' || new.a);
  insert into log values ('b is ' || new.b);
end;
insert into t values (1, 'one');
insert into t values (2, 'two;three');
create trigger tr2 before delete on t begin select raise(ignore); end; delete from t;
select * from t;
select * from log;
create view v as select a from t; select * from v;
