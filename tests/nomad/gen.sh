#!/usr/bin/env bash
# Regenerates pb/ (Go code for the repository's Nomad plugin protos in ../../proto) — only needed
# after a .proto changes; the generated files are committed, so tests need no protoc.
# Needs: protoc (apt-get install protobuf-compiler), protoc-gen-go, protoc-gen-go-grpc on PATH
# (GOBIN=/tmp/bin go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
#  google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
MOD=ndp/tests/nomad
P=../../proto
M=(
  "Mplugins/base/proto/base.proto=$MOD/pb/base"
  "Mplugins/drivers/proto/driver.proto=$MOD/pb/drivers"
  "Mplugins/shared/hclspec/hcl_spec.proto=$MOD/pb/hclspec"
  "Mplugins/shared/structs/proto/attribute.proto=$MOD/pb/structs"
  "Mplugins/shared/structs/proto/stats.proto=$MOD/pb/structs"
  "Mplugins/shared/structs/proto/recoverable_error.proto=$MOD/pb/structs"
)
go_opts=()
grpc_opts=()
for m in "${M[@]}"; do
  go_opts+=("--go_opt=$m")
  grpc_opts+=("--go-grpc_opt=$m")
done
rm -rf pb
mkdir -p pb
protoc -I "$P" --go_out=pb --go_opt=module=$MOD/pb "${go_opts[@]}" \
  --go-grpc_out=pb --go-grpc_opt=module=$MOD/pb "${grpc_opts[@]}" \
  plugins/base/proto/base.proto plugins/drivers/proto/driver.proto \
  plugins/shared/hclspec/hcl_spec.proto plugins/shared/structs/proto/attribute.proto \
  plugins/shared/structs/proto/stats.proto plugins/shared/structs/proto/recoverable_error.proto
