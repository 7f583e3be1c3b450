#!/bin/sh
# Configures Vault for one Meridian region. Idempotent (every write replaces), run by the
# vault-configure Job after each change of the policies or of this script, or by hand with the
# same environment: VAULT_ADDR, VAULT_TOKEN (an operator token, from the vault-bootstrap Secret),
# PG_HOST, PG_VAULT_PASSWORD.
set -eu

SERVICES="executor order-gateway order-store marketdata-ingestor tick-writer marketdata-api portfolio risk-monitor agent-sim"
DB_SERVICES="order-gateway order-store tick-writer marketdata-api portfolio risk-monitor"

enable() { # type path
  vault secrets list -format=json | grep -q "\"$2/\"" || vault secrets enable -path="$2" "$1"
}

# KV v2 for static secrets (API-key pepper, feed credentials): secret/meridian/<service>/...
enable kv-v2 secret

# Kubernetes auth: the pods' projected ServiceAccount tokens are checked with the TokenReview API
# (Vault runs in this cluster; its own service account has system:auth-delegator).
vault auth list -format=json | grep -q '"kubernetes/"' || vault auth enable kubernetes
vault write auth/kubernetes/config \
  kubernetes_host="https://kubernetes.default.svc:443"

for svc in $SERVICES; do
  vault policy write "meridian-$svc" "/policies/$svc.hcl"
  vault write "auth/kubernetes/role/meridian-$svc" \
    bound_service_account_names="$svc" \
    bound_service_account_namespaces=meridian \
    policies="meridian-$svc" \
    token_ttl=1h \
    token_max_ttl=24h \
    audience=vault
done

# Database secrets engine: short-lived PostgreSQL roles per service, members of the `meridian`
# group role that owns the schemas (so objects created by migrations stay usable after the
# creating role expires).
enable database database
vault write database/config/meridian \
  plugin_name=postgresql-database-plugin \
  connection_url="postgresql://{{username}}:{{password}}@${PG_HOST}:5432/meridian?sslmode=require" \
  username=vault \
  password="$PG_VAULT_PASSWORD" \
  password_authentication=scram-sha-256 \
  allowed_roles="$(echo "$DB_SERVICES" | tr ' ' ',')"
for svc in $DB_SERVICES; do
  vault write "database/roles/$svc" \
    db_name=meridian \
    creation_statements="CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE meridian; ALTER ROLE \"{{name}}\" SET role = 'meridian';" \
    revocation_statements="REASSIGN OWNED BY \"{{name}}\" TO meridian; DROP OWNED BY \"{{name}}\"; DROP ROLE IF EXISTS \"{{name}}\";" \
    default_ttl=1h \
    max_ttl=24h
done
# Rotate the root credential so only Vault knows the `vault` role's password from now on.
if [ "${ROTATE_ROOT:-false}" = true ]; then vault write -force database/rotate-root/meridian; fi
echo "vault configured: $(echo "$SERVICES" | wc -w) roles, $(echo "$DB_SERVICES" | wc -w) database roles"
