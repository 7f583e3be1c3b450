# Remote state in GCS (versioned bucket, created once by hand or by a bootstrap root), one
# prefix per region so the two roots never share a lock.
terraform {
  backend "gcs" {
    bucket = "meridian-prod-tfstate"
    prefix = "envs/us-central1"
  }
}
