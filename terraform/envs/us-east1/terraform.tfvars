project_id           = "meridian-prod"
artifacts_project_id = "meridian-artifacts"
region               = "us-east1"
role                 = "standby"
account_prefix       = "mer-use1"
nodes_cidr           = "10.42.0.0/20"
pods_cidr            = "10.48.0.0/14"
services_cidr        = "10.52.0.0/20"
master_cidr          = "172.16.0.16/28"
peer_pod_cidrs       = ["10.16.0.0/14"]
master_authorized_networks = [
  { cidr_block = "10.200.0.0/24", display_name = "ops-vpn" },
]
# Warm standby: smaller until a failover, when the HPAs and the cluster autoscaler grow it.
general_pool = {
  machine_type = "n2-standard-8"
  min_nodes    = 3
  max_nodes    = 45
}
latency_pool = {
  machine_type   = "c3-standard-8"
  nodes_per_zone = 1
}
release_writers = ["serviceAccount:meridian-release@meridian-ci.iam.gserviceaccount.com"]
