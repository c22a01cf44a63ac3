/**
 * What a process costs, read from /proc: CPU time (own and reaped children's),
 * resident memory, and the connections it holds to a unix socket.
 *
 * @module
 */

const CLK_TCK = 100;

/** CPU seconds of `pid` so far: user + system, plus its waited-for children's (NaN: gone). */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return NaN;
  }
  // Fields after the command name (which may contain spaces) start at ") ".
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime, stime, cutime, cstime are fields 14..17 of the full line; f[0] is field 3.
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return ticks / CLK_TCK;
}

/** Resident set size of `pid` in bytes. */
export function rssBytes(pid: number): number {
  let status: string;
  try {
    status = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return NaN;
  }
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** A CPU meter over a window: percent of one core. */
export class CpuMeter {
  readonly #pid: number;
  #cpu0: number;
  #t0: number;

  constructor(pid: number) {
    this.#pid = pid;
    this.#cpu0 = cpuSeconds(pid);
    this.#t0 = performance.now();
  }

  /** Percent of one core since construction (or the last reset). */
  percent(): number {
    const cpu = cpuSeconds(this.#pid) - this.#cpu0;
    const wall = (performance.now() - this.#t0) / 1000;
    return wall > 0 ? (cpu / wall) * 100 : 0;
  }

  /** CPU seconds since construction (or the last reset). */
  seconds(): number {
    return cpuSeconds(this.#pid) - this.#cpu0;
  }

  reset(): void {
    this.#cpu0 = cpuSeconds(this.#pid);
    this.#t0 = performance.now();
  }
}

/** Socket inodes `pid` holds open. */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const e of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`));
      if (m) out.add(m[1]!);
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/**
 * Connections `pid` holds to the unix socket at `socketPath`: its sockets
 * whose peer is one the server accepted on that path (`ss -x`).
 */
export async function connectionsTo(pid: number, socketPath: string): Promise<number> {
  const out = await new Deno.Command("ss", { args: ["-xH"], stdout: "piped", stderr: "null" })
    .output();
  const peers = new Set<string>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const cols = line.trim().split(/\s+/);
    // Netid State Recv-Q Send-Q Local Port Peer Port
    if (cols.length >= 8 && cols[4] === socketPath) peers.add(cols[7]!);
  }
  let n = 0;
  for (const inode of socketInodes(pid)) if (peers.has(inode)) n++;
  return n;
}

/** The private Podman service's pid (scripts/test_env.sh writes it). */
export function podmanServicePid(): number | undefined {
  try {
    const pid = Number(Deno.readTextFileSync("/run/ndp-test/podman-service.pid").trim());
    Deno.statSync(`/proc/${pid}`);
    return pid;
  } catch {
    return undefined;
  }
}
