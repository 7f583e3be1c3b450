variable "project_id" {
  type = string
}

variable "location" {
  description = "Region (or multi-region) of the repository."
  type        = string
}

variable "repository_id" {
  type    = string
  default = "meridian"
}

variable "reader_members" {
  description = "Principals that pull (node service accounts)."
  type        = list(string)
  default     = []
}

variable "writer_members" {
  description = "Principals that push (the release workflow's service account)."
  type        = list(string)
  default     = []
}

variable "labels" {
  type    = map(string)
  default = {}
}
