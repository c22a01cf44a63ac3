# A redis server on a dynamic host port, published to the container's 6379.
#
#   nomad job run examples/jobs/redis.nomad
#   deno task run-job examples/jobs/redis.nomad            # no cluster: see README "run-job"
#
# `bash scripts/demo.sh` runs this file offline with
# `--image redis=localhost/ndp/redis:latest` (built from Debian's redis-server package).
job "redis" {
  datacenters = ["dc1"]
  type        = "service"

  group "cache" {
    network {
      port "db" {
        to = 6379
      }
    }

    task "redis" {
      driver = "podman"

      config {
        image = "docker.io/library/redis:7"
        ports = ["db"]
      }

      resources {
        cpu    = 200
        memory = 128
      }
    }
  }
}
