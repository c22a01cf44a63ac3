# A batch hello-world: prints three lines and exits. Runs under Nomad
# (`nomad job run examples/jobs/hello.nomad`) or without a cluster:
# `deno task run-job examples/jobs/hello.nomad --image busybox=localhost/ndp/busybox:latest`.
job "hello" {
  type = "batch"

  group "hello" {
    task "hello" {
      driver = "podman"

      config {
        image   = "docker.io/library/busybox:1.36"
        command = "sh"
        args = [
          "-c",
          "echo \"hello from $(hostname) as $(id -un), task dir ${NOMAD_TASK_DIR}\"; echo 'to stderr' >&2; cat /proc/self/cgroup | head -n 1; sleep 1; exit 0",
        ]
        hostname = "demo-hello"
        labels {
          app = "demo"
        }
      }

      resources {
        cpu    = 200
        memory = 64
      }
    }
  }
}
