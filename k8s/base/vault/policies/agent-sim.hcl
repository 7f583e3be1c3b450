# Vault policy of meridian/agent-sim (Kubernetes auth role meridian-agent-sim, ServiceAccount meridian/agent-sim).
# Read its own KV v2 secrets only.
path "secret/data/meridian/agent-sim" {
  capabilities = ["read"]
}
path "secret/data/meridian/agent-sim/*" {
  capabilities = ["read"]
}
path "secret/metadata/meridian/agent-sim/*" {
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
