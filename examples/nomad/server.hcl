# A single Nomad server (no clients). For a one-machine setup run it together
# with client.hcl: `nomad agent -config server.hcl -config client.hcl`
# (that is what `deno task dev` does in the Vagrant VM).
data_dir  = "/opt/nomad/data"

server {
  enabled          = true
  bootstrap_expect = 1
}
