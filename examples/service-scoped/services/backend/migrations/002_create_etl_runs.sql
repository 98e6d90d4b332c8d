-- What each tenant's ETL worker did, and when.
CREATE TABLE etl_runs (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  started_at timestamptz NOT NULL DEFAULT now(),
  rows_loaded integer NOT NULL DEFAULT 0
);
