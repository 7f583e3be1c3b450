project_id           = "meridian-prod"
artifacts_project_id = "meridian-artifacts"
region               = "us-central1"
role                 = "primary"
account_prefix       = "mer-usc1"
nodes_cidr           = "10.10.0.0/20"
pods_cidr            = "10.16.0.0/14"
services_cidr        = "10.20.0.0/20"
master_cidr          = "172.16.0.0/28"
peer_pod_cidrs       = ["10.48.0.0/14"]
master_authorized_networks = [
  { cidr_block = "10.200.0.0/24", display_name = "ops-vpn" },
]
general_pool = {
  machine_type = "n2-standard-8"
  min_nodes    = 6
  max_nodes    = 45
}
latency_pool = {
  machine_type   = "c3-standard-8"
  nodes_per_zone = 1
}
release_writers = ["serviceAccount:meridian-release@meridian-ci.iam.gserviceaccount.com"]
