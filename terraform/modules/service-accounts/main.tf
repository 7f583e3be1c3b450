# One Google service account per service, <service>@<project>.iam.gserviceaccount.com (what the
# chart's Workload Identity annotation names), bound to the Kubernetes service account
# meridian/<service>. The workload identity pool is per project, so one binding covers the
# clusters of both regions: the primary root creates the accounts (create_accounts = true), the
# other root only looks them up. No keys are ever created.
resource "google_service_account" "service" {
  for_each     = var.create_accounts ? var.services : {}
  project      = var.project_id
  account_id   = each.key
  display_name = "Meridian ${each.key}"
}

data "google_service_account" "service" {
  for_each   = var.create_accounts ? {} : var.services
  project    = var.project_id
  account_id = each.key
}

locals {
  service_accounts = var.create_accounts ? {
    for name, sa in google_service_account.service : name => { name = sa.name, email = sa.email }
    } : {
    for name, sa in data.google_service_account.service : name => { name = sa.name, email = sa.email }
  }
}

resource "google_service_account_iam_member" "workload_identity" {
  for_each           = var.create_accounts ? var.services : {}
  service_account_id = local.service_accounts[each.key].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.namespace}/${each.key}]"
}

locals {
  bindings = !var.create_accounts ? {} : merge([
    for service, roles in var.services : {
      for role in roles : "${service}/${role}" => { service = service, role = role }
    }
  ]...)
}

resource "google_project_iam_member" "service_roles" {
  for_each = local.bindings
  project  = var.project_id
  role     = each.value.role
  member   = "serviceAccount:${local.service_accounts[each.value.service].email}"
}

# Nodes run as a minimal service account, not the Compute Engine default.
resource "google_service_account" "nodes" {
  project      = var.project_id
  account_id   = "${var.prefix}-nodes"
  display_name = "Meridian GKE nodes (${var.region})"
}

resource "google_project_iam_member" "nodes" {
  for_each = toset([
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
  ])
  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.nodes.email}"
}
