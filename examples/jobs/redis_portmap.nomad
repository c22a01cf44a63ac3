# The legacy way to publish ports: a task-level `resources { network { … } }`
# port plus the driver's `port_map`, which maps the port label to a container
# port. Prefer group ports + `ports` (see redis.nomad) in new jobs; this form
# still works and sets NOMAD_PORT_db to the mapped container port.
job "redis-portmap" {
  datacenters = ["dc1"]

  group "cache" {
    task "redis" {
      driver = "podman"

      env {
        REDIS_ROLE = "cache for ${NOMAD_JOB_NAME}"
      }

      config {
        image = "docker.io/library/redis:7"
        port_map {
          db = 6379
        }
      }

      resources {
        cpu    = 200
        memory = 128

        network {
          port "db" {}
        }
      }
    }
  }
}
