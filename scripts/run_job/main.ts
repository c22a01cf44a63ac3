/**
 * Entry point of `deno task run-job FILE [--image NAME=REF]… [--var K=V]…
 * [--socket URL | --plugin-config FILE]`; see {@link USAGE} and README.md.
 *
 * @module
 */
import { parseArgs, USAGE, UsageError } from "./args.ts";
import { runJob } from "./runner.ts";

let code: number;
try {
  code = await runJob(parseArgs(Deno.args));
} catch (e) {
  if (e instanceof UsageError) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(`${e.message ? `run-job: ${e.message}\n` : ""}${USAGE}\n`),
    );
    code = 2;
  } else {
    Deno.stderr.writeSync(new TextEncoder().encode(`[run-job] error: ${(e as Error).message}\n`));
    code = 1;
  }
}
Deno.exit(code);
