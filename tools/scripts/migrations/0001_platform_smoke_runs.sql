-- History of `npm start` smoke runs: one row per run with the result of every check, so an
-- operator can see when the local stack last worked end to end.
CREATE TABLE platform_smoke_runs (
  run_id      text PRIMARY KEY,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  ok          boolean NOT NULL,
  checks      jsonb NOT NULL
);
