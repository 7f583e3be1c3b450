variable "project_id" {
  type = string
}

variable "region" {
  type = string
}

variable "cluster_id" {
  description = "Cluster the pools belong to (gke module output id)."
  type        = string
}

variable "node_service_account" {
  description = "Minimal node service account (logging/monitoring writer, Artifact Registry reader)."
  type        = string
}

variable "general" {
  description = "General pool: machine type and total node bounds across zones."
  type = object({
    machine_type = string
    min_nodes    = number
    max_nodes    = number
  })
  default = {
    machine_type = "n2-standard-8"
    min_nodes    = 3
    max_nodes    = 30
  }
}

variable "latency" {
  description = "Latency pool of the executor: compute-optimized machines, static CPU manager."
  type = object({
    machine_type   = string
    nodes_per_zone = number
  })
  default = {
    machine_type   = "c3-standard-8"
    nodes_per_zone = 1
  }
}
