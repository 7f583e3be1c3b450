# Vault policy of meridian/marketdata-ingestor (Kubernetes auth role meridian-marketdata-ingestor, ServiceAccount meridian/marketdata-ingestor).
# Read its own KV v2 secrets only.
path "secret/data/meridian/marketdata-ingestor" {
  capabilities = ["read"]
}
path "secret/data/meridian/marketdata-ingestor/*" {
  capabilities = ["read"]
}
path "secret/metadata/meridian/marketdata-ingestor/*" {
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
