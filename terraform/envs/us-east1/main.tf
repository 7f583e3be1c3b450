# One region of Meridian: network, private regional GKE with its two node pools, the region's
# Artifact Registry repository, and the per-service Google service accounts. The two region roots
# share this file verbatim; terraform.tfvars holds what differs.
locals {
  labels = {
    app    = "meridian"
    region = var.region
    role   = var.role
  }
  services = {
    "executor"            = []
    "order-gateway"       = []
    "order-store"         = []
    "marketdata-ingestor" = []
    "tick-writer"         = ["roles/storage.objectViewer"]
    "marketdata-api"      = []
    "portfolio"           = []
    "risk-monitor"        = []
    "agent-sim"           = []
    "timescaledb"         = ["roles/storage.objectAdmin"]
  }
}

module "vpc" {
  source         = "../../modules/vpc"
  project_id     = var.project_id
  name           = "meridian-${var.region}"
  region         = var.region
  nodes_cidr     = var.nodes_cidr
  pods_cidr      = var.pods_cidr
  services_cidr  = var.services_cidr
  peer_pod_cidrs = var.peer_pod_cidrs
}

module "service_accounts" {
  source          = "../../modules/service-accounts"
  project_id      = var.project_id
  region          = var.region
  prefix          = var.account_prefix
  create_accounts = var.role == "primary"
  services        = local.services
}

module "gke" {
  source                     = "../../modules/gke"
  project_id                 = var.project_id
  name                       = "meridian-${var.region}"
  region                     = var.region
  network_id                 = module.vpc.network_id
  subnetwork_id              = module.vpc.subnetwork_id
  pods_range_name            = module.vpc.pods_range_name
  services_range_name        = module.vpc.services_range_name
  master_cidr                = var.master_cidr
  master_authorized_networks = var.master_authorized_networks
  release_channel            = var.release_channel
  labels                     = local.labels
}

module "node_pools" {
  source               = "../../modules/node-pools"
  project_id           = var.project_id
  region               = var.region
  cluster_id           = module.gke.id
  node_service_account = module.service_accounts.node_service_account
  general              = var.general_pool
  latency              = var.latency_pool
}

# The image repository is multi-regional (us) in the artifacts project, so a regional outage
# does not take the failover region's images with it. The primary root owns it; both regions'
# node service accounts read it.
module "artifact_registry" {
  count          = var.role == "primary" ? 1 : 0
  source         = "../../modules/artifact-registry"
  project_id     = var.artifacts_project_id
  location       = "us"
  reader_members = [for r in var.registry_readers : r]
  writer_members = var.release_writers
  labels         = local.labels
}

resource "google_artifact_registry_repository_iam_member" "node_reader" {
  project    = var.artifacts_project_id
  location   = "us"
  repository = "meridian"
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${module.service_accounts.node_service_account}"
  depends_on = [module.artifact_registry]
}

# Regional bucket of the TimescaleDB WAL archive and base backups (CNPG barman-cloud); the other
# region's replica cluster reads it.
resource "google_storage_bucket" "tsdb_backups" {
  name                        = "${var.project_id}-tsdb-${var.region}"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type = "Delete"
    }
  }

  labels = local.labels
}
