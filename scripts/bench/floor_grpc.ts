// The memory floor of the design: Deno + grpc-js + protobufjs with the
// plugin's protos loaded and a gRPC server on a unix socket, nothing else.
import * as grpc from "@grpc/grpc-js";
import { loadProtoRoot } from "../../src/grpc/proto_root.ts";

loadProtoRoot();
const dir = Deno.makeTempDirSync({ prefix: "ndp-bench-floor-" });
const server = new grpc.Server();
await new Promise<void>((resolve, reject) =>
  server.bindAsync(
    `unix://${dir}/s.sock`,
    grpc.ServerCredentials.createInsecure(),
    (e) => e ? reject(e) : resolve(),
  )
);
Deno.stdout.writeSync(new TextEncoder().encode(`1|2|unix|${dir}/s.sock|grpc|\n`));
for await (const _ of Deno.stdin.readable) { /* until closed */ }
server.forceShutdown();
Deno.removeSync(dir, { recursive: true });
