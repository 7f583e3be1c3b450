variable "project_id" {
  type = string
}

variable "region" {
  type = string
}

variable "role" {
  description = "primary or standby (docs/runbooks/failover.md)."
  type        = string

  validation {
    condition     = contains(["primary", "standby"], var.role)
    error_message = "role must be primary or standby."
  }
}

variable "account_prefix" {
  description = "Prefix of the Google service account ids in this region."
  type        = string
}

variable "nodes_cidr" {
  type = string
}

variable "pods_cidr" {
  type = string
}

variable "services_cidr" {
  type = string
}

variable "master_cidr" {
  type = string
}

variable "peer_pod_cidrs" {
  type    = list(string)
  default = []
}

variable "master_authorized_networks" {
  type = list(object({
    cidr_block   = string
    display_name = string
  }))
}

variable "release_channel" {
  type    = string
  default = "REGULAR"
}

variable "general_pool" {
  type = object({
    machine_type = string
    min_nodes    = number
    max_nodes    = number
  })
}

variable "latency_pool" {
  type = object({
    machine_type   = string
    nodes_per_zone = number
  })
}

variable "release_writers" {
  description = "Principals allowed to push images (the release workflow's WIF service account)."
  type        = list(string)
  default     = []
}

variable "artifacts_project_id" {
  description = "Project of the shared image repository (us-docker.pkg.dev/<project>/meridian)."
  type        = string
}

variable "registry_readers" {
  description = "Extra principals that pull images (e.g. the staging cluster's nodes)."
  type        = list(string)
  default     = []
}
