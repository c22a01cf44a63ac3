// The handshake floor: `deno run` of a program that only prints a go-plugin
// handshake line, then waits for stdin to close (so its RSS can be read).
Deno.stdout.writeSync(new TextEncoder().encode("1|2|unix|/tmp/none.sock|grpc|\n"));
for await (const _ of Deno.stdin.readable) { /* until closed */ }
