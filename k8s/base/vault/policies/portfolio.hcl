# Vault policy of meridian/portfolio (Kubernetes auth role meridian-portfolio, ServiceAccount meridian/portfolio).
# Read its own KV v2 secrets only.
path "secret/data/meridian/portfolio" {
  capabilities = ["read"]
}
path "secret/data/meridian/portfolio/*" {
  capabilities = ["read"]
}
path "secret/metadata/meridian/portfolio/*" {
  capabilities = ["list", "read"]
}
# Dynamic PostgreSQL credentials (database secrets engine role portfolio), renewed by the app.
path "database/creds/portfolio" {
  capabilities = ["read"]
}
# Lease renewal and revocation of its own credentials and its own token.
path "sys/leases/renew" {
  capabilities = ["update"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
