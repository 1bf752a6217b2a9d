select 1
/
select 2
go
select 3
GO
select 4
  go  
select 'x'
  /  
select 5 /
;
select 'go' as go
go
