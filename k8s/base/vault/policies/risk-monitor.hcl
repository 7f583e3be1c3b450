# Vault policy of meridian/risk-monitor (Kubernetes auth role meridian-risk-monitor, ServiceAccount meridian/risk-monitor).
# Read its own KV v2 secrets only.
path "secret/data/meridian/risk-monitor" {
  capabilities = ["read"]
}
path "secret/data/meridian/risk-monitor/*" {
  capabilities = ["read"]
}
path "secret/metadata/meridian/risk-monitor/*" {
  capabilities = ["list", "read"]
}
# Dynamic PostgreSQL credentials (database secrets engine role risk-monitor), renewed by the app.
path "database/creds/risk-monitor" {
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
