variable "project_id" {
  type = string
}

variable "region" {
  type = string
}

variable "create_accounts" {
  description = "Create the per-service accounts and their bindings (one root per project does)."
  type        = bool
}

variable "prefix" {
  description = "Prefix of the node service account id, e.g. mer-usc1 (ids are at most 30 characters)."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the services' ServiceAccounts."
  type        = string
  default     = "meridian"
}

variable "services" {
  description = "Service name (= Kubernetes ServiceAccount name) to the project roles it needs."
  type        = map(list(string))
}
