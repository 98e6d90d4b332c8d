-- The platform's first table: one row per client the ETL workers serve.
CREATE TABLE tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenants (id, name) VALUES ('wex', 'WEX'), ('techcorp', 'TechCorp'), ('acme', 'ACME');
