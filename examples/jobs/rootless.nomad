# A web server on the client's rootless Podman: the agent's plugin block
# declares a second socket named "rootless" (see examples/nomad/client-rootless.hcl)
# and the task picks it with `socket`. Rootless containers get slirp4netns
# (Podman 4) or pasta (Podman 5) networking; published ports work the same.
job "rootless-web" {
  datacenters = ["dc1"]

  group "web" {
    network {
      port "http" {
        to = 8080
      }
    }

    task "httpd" {
      driver = "podman"

      config {
        image   = "docker.io/library/busybox:1.36"
        socket  = "rootless"
        command = "httpd"
        args    = ["-f", "-v", "-p", "8080", "-h", "/local"]
        ports   = ["http"]
        # Keep the task's user id inside the container equal to the socket owner's.
        userns = "keep-id"
      }

      template {
        destination = "local/index.html"
        data        = "hello from {{ env \"NOMAD_TASK_NAME\" }} on a rootless Podman\n"
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
