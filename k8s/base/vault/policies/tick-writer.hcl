# Vault policy of meridian/tick-writer (Kubernetes auth role meridian-tick-writer, ServiceAccount meridian/tick-writer).
# Read its own KV v2 secrets only.
path "secret/data/meridian/tick-writer" {
  capabilities = ["read"]
}
path "secret/data/meridian/tick-writer/*" {
  capabilities = ["read"]
}
path "secret/metadata/meridian/tick-writer/*" {
  capabilities = ["list", "read"]
}
# Dynamic PostgreSQL credentials (database secrets engine role tick-writer), renewed by the app.
path "database/creds/tick-writer" {
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
