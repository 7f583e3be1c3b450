output "emails" {
  description = "Service name to Google service account email (the chart's Workload Identity annotation)."
  value       = { for name, sa in local.service_accounts : name => sa.email }
}

output "node_service_account" {
  value = google_service_account.nodes.email
}
