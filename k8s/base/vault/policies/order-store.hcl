# Vault policy of meridian/order-store (Kubernetes auth role meridian-order-store, ServiceAccount meridian/order-store).
# Read its own KV v2 secrets only.
path "secret/data/meridian/order-store" {
  capabilities = ["read"]
}
path "secret/data/meridian/order-store/*" {
  capabilities = ["read"]
}
path "secret/metadata/meridian/order-store/*" {
  capabilities = ["list", "read"]
}
# Dynamic PostgreSQL credentials (database secrets engine role order-store), renewed by the app.
path "database/creds/order-store" {
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
