# A Nomad client with two Podman endpoints: the rootful service (the default
# socket) and the rootless service of user 1000 (`socket = "rootless"` in a
# task, see examples/jobs/rootless.nomad). Start the user's service first:
#   loginctl enable-linger <user>; systemctl --user enable --now podman.socket
# Rootless containers on cgroups v1 cannot have resource limits applied.
data_dir   = "/opt/nomad/data"
plugin_dir = "/opt/nomad/plugins"

client {
  enabled = true
  servers = ["127.0.0.1:4647"]
}

plugin "nomad-driver-podman" {
  config {
    socket {
      name        = "default"
      socket_path = "unix:///run/podman/podman.sock"
    }
    socket {
      name        = "rootless"
      socket_path = "unix:///run/user/1000/podman/podman.sock"
    }

    networking {
      # slirp4netns (Podman 4) or pasta (Podman 5) when a task sets no network_mode.
      default_rootless_mode = "slirp4netns"
    }

    gc {
      container = true
    }
  }
}
