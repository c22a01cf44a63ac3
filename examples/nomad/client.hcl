# A Nomad client using this plugin with a rootful Podman. Install the plugin
# executable (or a symlink to scripts/nomad-driver-podman) into plugin_dir.
# Every plugin option is listed below; the commented ones show their defaults.
data_dir   = "/opt/nomad/data"
plugin_dir = "/opt/nomad/plugins"

client {
  enabled = true
  servers = ["127.0.0.1:4647"]
}

plugin "nomad-driver-podman" {
  config {
    # Podman API endpoint: unix:// socket, a path, or http(s)://host:port.
    # Default: unix:///run/podman/podman.sock (root), unix:///run/user/<uid>/podman/podman.sock.
    socket_path = "unix:///run/podman/podman.sock"

    # Several endpoints instead of socket_path (tasks pick one with `socket = "name"`);
    # see client-rootless.hcl.
    # socket {
    #   name        = "default"
    #   socket_path = "unix:///run/podman/podman.sock"
    # }

    volumes {
      # false: task `volumes` may only mount paths inside the allocation dir.
      enabled = true
      # SELinux label added to the alloc/local/secrets and volume binds ("z" or "Z").
      # selinuxlabel = "z"
    }

    gc {
      # Remove the container when Nomad destroys the task.
      container = true
      # Remove images no task uses any more, image_delay after their last task ended.
      # image       = false
      # image_delay = "3m"
    }

    # Restart exited containers when the plugin recovers a task (after a client restart).
    # recover_stopped = false

    # Add com.hashicorp.nomad.<name> labels to every container (globs allowed).
    extra_labels = ["job_name", "task_group_name", "task_name"]

    # Default log driver of tasks: "nomad" (Nomad's log files) or "journald".
    # logging {
    #   driver  = "nomad"
    #   options = {}
    # }

    # Network mode of tasks on rootless sockets (default: slirp4netns on Podman 4, pasta on 5).
    # networking {
    #   default_rootless_mode = "slirp4netns"
    # }

    # Do not collect logs at all (no `nomad alloc logs`).
    # disable_log_collection = false

    # Deadline of every non-streaming Podman API call.
    # client_http_timeout = "60s"

    # DNS servers for tasks whose group network sets none.
    # dns_servers = ["1.1.1.1"]

    # Registry credentials: a containers-auth.json file and/or a docker-credential helper.
    # auth {
    #   config = "/etc/containers/auth.json"
    #   helper = "ecr-login"
    # }

    # Operator controls (all permissive by default; see client-hardened.hcl and README):
    # allow_privileged      = true
    # allow_caps            = ["all"]
    # allow_host_network    = true
    # allow_devices         = ["*"]
    # allow_runtime_options = ["all"]
    # and in volumes { }: allowed_roots = ["/"]

    # Remove containers this plugin created that no Nomad task owns any more.
    # dangling_containers {
    #   enabled        = true
    #   period         = "5m"
    #   creation_grace = "5m"
    # }
  }
}
