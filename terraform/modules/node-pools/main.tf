# Two pools per cluster:
# - general: every service but the executor, autoscaled across the three zones;
# - latency: the executor's matching workers. The kubelet's static CPU manager policy gives a
#   Guaranteed pod with integer CPU requests exclusive cores (no CFS sharing, no migrations), and
#   the taint keeps everything else off these nodes (the chart gives the executor the toleration
#   and node selector meridian.io/pool=latency).
locals {
  oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
}

resource "google_container_node_pool" "general" {
  project  = var.project_id
  name     = "general"
  cluster  = var.cluster_id
  location = var.region

  autoscaling {
    total_min_node_count = var.general.min_nodes
    total_max_node_count = var.general.max_nodes
    location_policy      = "BALANCED"
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  upgrade_settings {
    max_surge       = 1
    max_unavailable = 0
  }

  node_config {
    machine_type    = var.general.machine_type
    disk_type       = "pd-balanced"
    disk_size_gb    = 100
    image_type      = "COS_CONTAINERD"
    service_account = var.node_service_account
    oauth_scopes    = local.oauth_scopes

    labels = {
      "meridian.io/pool" = "general"
    }

    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
  }
}

resource "google_container_node_pool" "latency" {
  project  = var.project_id
  name     = "latency"
  cluster  = var.cluster_id
  location = var.region

  # Fixed size: the executor's partitions are sized to it; no scale-in under a running book.
  node_count = var.latency.nodes_per_zone

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  upgrade_settings {
    max_surge       = 1
    max_unavailable = 0
  }

  node_config {
    machine_type    = var.latency.machine_type
    disk_type       = "pd-ssd"
    disk_size_gb    = 100
    image_type      = "COS_CONTAINERD"
    service_account = var.node_service_account
    oauth_scopes    = local.oauth_scopes

    labels = {
      "meridian.io/pool" = "latency"
    }

    taint {
      key    = "meridian.io/pool"
      value  = "latency"
      effect = "NO_SCHEDULE"
    }

    kubelet_config {
      cpu_manager_policy   = "static"
      cpu_cfs_quota        = true
      cpu_cfs_quota_period = "100ms"
      pod_pids_limit       = 4096
    }

    linux_node_config {
      sysctls = {
        "net.core.somaxconn"          = "4096"
        "net.ipv4.tcp_fin_timeout"    = "15"
        "net.core.netdev_max_backlog" = "5000"
      }
    }

    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
  }
}
