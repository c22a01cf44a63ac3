# Volumes, tmpfs and devices. Host paths in `volumes` need the plugin option
# `volumes { enabled = true }` (the default); relative sources live in the
# task dir. `tmpfs` mounts are private to the container, `devices` pass host
# devices through (with permissions).
job "storage" {
  datacenters = ["dc1"]
  type        = "batch"

  group "files" {
    task "probe" {
      driver = "podman"

      config {
        image   = "docker.io/library/busybox:1.36"
        command = "sh"
        args = [
          "-c",
          "cat /config/app.conf; df -h /scratch; ls -l /dev/fuse; echo ok > /shared/done",
        ]
        volumes = [
          # task-dir relative source, read-only
          "local/app.conf:/config/app.conf:ro",
          # the allocation's shared dir, read-write
          "../alloc/data:/shared",
        ]
        tmpfs   = ["/scratch:size=16m,mode=1777"]
        devices = ["/dev/fuse:/dev/fuse:rw"]
      }

      template {
        destination = "local/app.conf"
        data        = "greeting = \"hello from {{ env \"NOMAD_ALLOC_ID\" }}\"\n"
      }

      resources {
        cpu    = 100
        memory = 32
      }
    }
  }
}
