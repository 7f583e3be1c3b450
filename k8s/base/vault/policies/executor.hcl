# Vault policy of meridian/executor (Kubernetes auth role meridian-executor, ServiceAccount meridian/executor).
# Read its own KV v2 secrets only.
path "secret/data/meridian/executor" {
  capabilities = ["read"]
}
path "secret/data/meridian/executor/*" {
  capabilities = ["read"]
}
path "secret/metadata/meridian/executor/*" {
  capabilities = ["list", "read"]
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
