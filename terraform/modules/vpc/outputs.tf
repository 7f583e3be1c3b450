output "network_id" {
  value = google_compute_network.this.id
}

output "network_name" {
  value = google_compute_network.this.name
}

output "subnetwork_id" {
  value = google_compute_subnetwork.nodes.id
}

output "subnetwork_name" {
  value = google_compute_subnetwork.nodes.name
}

output "pods_range_name" {
  value = "pods"
}

output "services_range_name" {
  value = "services"
}
