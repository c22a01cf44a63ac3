# The same pair in a Nomad group network namespace: with
# `network { mode = "bridge" }` Nomad creates one namespace for the whole
# allocation and passes it to the driver (network_isolation_spec); every task
# joins it, and the group's ports are published into it. The exporter reaches
# the server's monitoring port over the shared loopback.
job "nats-group" {
  datacenters = ["dc1"]

  group "nats" {
    network {
      mode = "bridge"

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
        # Listed for documentation and validation; the group namespace publishes them.
        ports = ["client"]
      }

      resources {
        cpu    = 200
        memory = 128
      }
    }

    task "exporter" {
      driver = "podman"

      config {
        image = "docker.io/natsio/prometheus-nats-exporter:0.15.0"
        args  = ["-varz", "http://127.0.0.1:8222"]
        ports = ["metrics"]
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
