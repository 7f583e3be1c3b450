CREATE TABLE c (x integer);
