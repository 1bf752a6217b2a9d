select 1;
-- trailing comment with no newline
