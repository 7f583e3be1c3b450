# Vault policy of meridian/order-gateway (Kubernetes auth role meridian-order-gateway, ServiceAccount meridian/order-gateway).
# Read its own KV v2 secrets only.
path "secret/data/meridian/order-gateway" {
  capabilities = ["read"]
}
path "secret/data/meridian/order-gateway/*" {
  capabilities = ["read"]
}
path "secret/metadata/meridian/order-gateway/*" {
  capabilities = ["list", "read"]
}
# Dynamic PostgreSQL credentials (database secrets engine role order-gateway), renewed by the app.
path "database/creds/order-gateway" {
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
