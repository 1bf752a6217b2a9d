create table t(x);
insert into t values (1), (2);
select x * 10 from t
  where x > 1
