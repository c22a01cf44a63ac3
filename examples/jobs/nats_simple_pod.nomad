# nats-server plus a prometheus-nats-exporter sidecar sharing the server's
# network namespace (`network_mode = "task:server"`): the exporter reads the
# server's monitoring endpoint on localhost:8222, which is never published.
# The server container publishes both the client port and the exporter's
# metrics port, because the exporter has no namespace of its own.
#
#   curl http://<host>:<metrics port>/metrics
job "nats-simple-pod" {
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

    task "server" {
      driver = "podman"

      config {
        image = "docker.io/library/nats:2.9"
        ports = ["client", "metrics"]
      }

      resources {
        cpu    = 200
        memory = 128
      }
    }

    task "exporter" {
      driver = "podman"

      # Started once the server runs, stopped when it ends.
      lifecycle {
        hook    = "poststart"
        sidecar = true
      }

      config {
        image        = "docker.io/natsio/prometheus-nats-exporter:0.15.0"
        network_mode = "task:server"
        args         = ["-varz", "http://localhost:8222"]
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
