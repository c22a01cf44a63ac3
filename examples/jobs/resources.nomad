# Resource limits: `memory` is the reservation-backed hard limit unless
# `memory_max` is set (memory oversubscription must be enabled on the
# servers), `cpu` becomes CPU shares, `cpu_hard_limit` turns the task's share of
# the node into a CFS quota, and `cores` pins the task to whole cores.
job "resources" {
  datacenters = ["dc1"]
  type        = "batch"

  group "limits" {
    task "capped" {
      driver = "podman"

      config {
        image              = "docker.io/library/busybox:1.36"
        command            = "sh"
        args               = ["-c", "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max"]
        cpu_hard_limit     = true
        cpu_cfs_period     = 100000
        memory_reservation = "32m"
        memory_swap        = "128m"
        memory_swappiness  = 10
        pids_limit         = 64
        shm_size           = "16m"
      }

      resources {
        cpu        = 500
        memory     = 64
        memory_max = 96
      }
    }

    task "pinned" {
      driver = "podman"

      config {
        image   = "docker.io/library/busybox:1.36"
        command = "sh"
        args    = ["-c", "cat /sys/fs/cgroup/cpuset/cpuset.cpus 2>/dev/null || cat /sys/fs/cgroup/cpuset.cpus.effective"]
      }

      resources {
        cores  = 1
        memory = 32
      }
    }
  }
}
