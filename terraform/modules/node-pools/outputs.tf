output "general_pool" {
  value = google_container_node_pool.general.name
}

output "latency_pool" {
  value = google_container_node_pool.latency.name
}
