# A Nomad client whose podman tasks get only what the operator allows.
# Every control below is off (permissive) by default; see README "Operator controls".
# Jobs can be kept off such nodes with constraints on the advertised attributes,
# e.g. constraint { attribute = "${attr.driver.podman.privileged.enabled}" value = "true" }.

plugin_dir = "/opt/nomad/plugins"

plugin "nomad-driver-podman" {
  config {
    socket_path = "unix:///run/podman/podman.sock"

    # No privileged containers (docker driver: allow_privileged, default false there).
    allow_privileged = false

    # cap_add may only name these (docker driver: allow_caps). ["all"] = no restriction.
    allow_caps = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE",
      "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]

    # No network_mode = "host".
    allow_host_network = false

    # Host devices a task's `devices` may map (globs; `*` also matches `/`). ["*"] = any.
    allow_devices = ["/dev/fuse"]

    # security_opt values that weaken isolation (seccomp=unconfined, apparmor=unconfined,
    # label=disable, systempaths=unconfined, unmask=ALL): none allowed. ["all"] = all.
    allow_runtime_options = []

    volumes {
      enabled = true
      # Task `volumes` sources must lie under these host paths, after resolving `..` and
      # symlinks (the alloc dir is always allowed). ["/"] = anywhere.
      allowed_roots = ["/srv/nomad-data"]
    }

    gc {
      container = true
    }
  }
}
