# Vault policy of meridian/marketdata-api (Kubernetes auth role meridian-marketdata-api, ServiceAccount meridian/marketdata-api).
# Read its own KV v2 secrets only.
path "secret/data/meridian/marketdata-api" {
  capabilities = ["read"]
}
path "secret/data/meridian/marketdata-api/*" {
  capabilities = ["read"]
}
path "secret/metadata/meridian/marketdata-api/*" {
  capabilities = ["list", "read"]
}
# Dynamic PostgreSQL credentials (database secrets engine role marketdata-api), renewed by the app.
path "database/creds/marketdata-api" {
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
