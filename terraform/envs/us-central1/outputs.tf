output "cluster_name" {
  value = module.gke.name
}

output "artifact_registry" {
  value = "us-docker.pkg.dev/${var.artifacts_project_id}/meridian"
}

output "service_account_emails" {
  description = "Workload Identity annotations for the chart's per-region values."
  value       = module.service_accounts.emails
}
