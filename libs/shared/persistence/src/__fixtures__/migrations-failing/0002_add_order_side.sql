ALTER TABLE orders ADD COLUMN side text;
CREATE TABLE partially_applied (x integer);
INSERT INTO table_that_does_not_exist VALUES (1);
