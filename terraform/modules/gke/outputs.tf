output "name" {
  value = google_container_cluster.this.name
}

output "id" {
  value = google_container_cluster.this.id
}

output "endpoint" {
  value     = google_container_cluster.this.endpoint
  sensitive = true
}

output "workload_pool" {
  value = "${var.project_id}.svc.id.goog"
}
