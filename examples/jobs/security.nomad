# Hardening: drop every capability and add back the one needed, read-only
# root filesystem (with a tmpfs for scratch files), no new privileges, and a
# user namespace so that root in the container is an unprivileged user on the
# host (`userns = "auto"` needs subordinate id ranges for the "containers" user;
# size=65536 so that "nobody" (65534) is mapped too, e.g. with the task `user = "nobody"`).
job "hardened" {
  datacenters = ["dc1"]
  type        = "batch"

  group "secure" {
    task "locked-down" {
      driver = "podman"

      config {
        image           = "docker.io/library/busybox:1.36"
        command         = "sh"
        args            = ["-c", "id; grep Cap /proc/self/status; touch /etc/x 2>&1 || true; touch /tmp/ok && echo tmp writable"]
        cap_drop        = ["ALL"]
        cap_add         = ["NET_BIND_SERVICE"]
        readonly_rootfs = true
        tmpfs           = ["/tmp:size=8m"]
        security_opt    = ["no-new-privileges"]
        userns          = "auto:size=65536"
        pids_limit      = 32
      }

      resources {
        cpu    = 100
        memory = 32
      }
    }
  }
}
