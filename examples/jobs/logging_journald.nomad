# Logs through journald instead of Nomad's log files: Podman writes the
# container's output to the journal (with the tag and labels below) and the
# plugin streams it back into `nomad alloc logs`, stdout and stderr apart.
# Needs journald with events_logger = "journald" in containers.conf.
job "journald-logs" {
  datacenters = ["dc1"]
  type        = "batch"

  group "log" {
    task "chatty" {
      driver = "podman"

      config {
        image   = "docker.io/library/busybox:1.36"
        command = "sh"
        args = [
          "-c",
          "for i in 1 2 3; do echo \"line $i of ${NOMAD_TASK_NAME}\"; echo \"warning $i\" >&2; sleep 1; done",
        ]

        logging {
          driver = "journald"
          options {
            tag = "nomad-${NOMAD_JOB_NAME}"
          }
        }
      }

      resources {
        cpu    = 100
        memory = 32
      }
    }
  }
}
