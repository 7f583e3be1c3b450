variable "project_id" {
  description = "GCP project of the network."
  type        = string
}

variable "name" {
  description = "Network name."
  type        = string
}

variable "region" {
  description = "Region of the subnet, router and NAT."
  type        = string
}

variable "nodes_cidr" {
  description = "Primary range of the subnet (nodes and internal load balancers)."
  type        = string
}

variable "pods_cidr" {
  description = "Secondary range for pods."
  type        = string
}

variable "services_cidr" {
  description = "Secondary range for services."
  type        = string
}

variable "peer_pod_cidrs" {
  description = "Pod ranges of the other region allowed to reach the Kafka replication listener."
  type        = list(string)
  default     = []
}
