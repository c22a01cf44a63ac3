# A "pod": a pause container (prestart sidecar) owns the network namespace and
# publishes every port of the group; nats-server and its prometheus exporter
# join it with `network_mode = "task:pod"` and talk over localhost. Either can
# restart without tearing down the namespace.
job "nats-pod" {
  datacenters = ["dc1"]

  group "nats" {
    network {
      port "client" {
        to = 4222
      }
      port "metrics" {
        to = 7777
      }
    }

    task "pod" {
      driver = "podman"

      # Runs before, and for as long as, the main task.
      lifecycle {
        hook    = "prestart"
        sidecar = true
      }

      config {
        image = "registry.k8s.io/pause:3.9"
        # The pause container holds the namespace, so it publishes all ports.
        ports = ["client", "metrics"]
      }

      resources {
        cpu    = 50
        memory = 16
      }
    }

    task "server" {
      driver = "podman"

      # The server's configuration, rendered into the task dir before it starts.
      template {
        destination = "local/nats-server.conf"
        data        = <<-EOT
          # nats-server for job {{ env "NOMAD_JOB_NAME" }}, alloc {{ env "NOMAD_ALLOC_ID" }}
          port: 4222
          http_port: 8222
          server_name: "{{ env "NOMAD_TASK_NAME" }}-{{ env "NOMAD_ALLOC_INDEX" }}"
        EOT
      }

      config {
        image        = "docker.io/library/nats:2.9"
        network_mode = "task:pod"
        args         = ["--config", "/local/nats-server.conf"]
      }

      resources {
        cpu    = 200
        memory = 128
      }
    }

    task "exporter" {
      driver = "podman"

      lifecycle {
        hook    = "poststart"
        sidecar = true
      }

      config {
        image        = "docker.io/natsio/prometheus-nats-exporter:0.15.0"
        network_mode = "task:pod"
        args         = ["-varz", "http://localhost:8222"]
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
