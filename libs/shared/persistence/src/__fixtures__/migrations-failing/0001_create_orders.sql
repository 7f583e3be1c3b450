CREATE TABLE orders (
  id text PRIMARY KEY,
  quantity_minor bigint NOT NULL
);
