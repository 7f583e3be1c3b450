CREATE TABLE ticks (
  symbol text NOT NULL,
  ts timestamptz NOT NULL,
  price_minor bigint NOT NULL
);
