# A Nomad client agent using this plugin (used by `deno task dev` in the Vagrant VM).
data_dir   = "/opt/nomad/data"
plugin_dir = "/opt/nomad/plugins"

server {
  enabled          = true
  bootstrap_expect = 1
}

client {
  enabled = true
}

plugin "nomad-driver-podman" {
  config {
    socket_path = "unix:///run/podman/podman.sock"
    volumes {
      enabled = true
    }
    gc {
      container = true
    }
    extra_labels = ["job_name", "task_name"]
  }
}
