

select 1;

   

-- only a comment

/* only a block comment */
select 2;
   -- indented comment
	
select 3;
