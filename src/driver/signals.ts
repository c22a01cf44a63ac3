/**
 * Linux signal names and numbers, for StopTask/SignalTask and exit results.
 *
 * @module
 */

/** Signal name (with SIG prefix) → number on Linux x86_64/arm64. */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/**
 * Normalises a signal given by name (`SIGINT`, `INT`, `sigint`) or number
 * (`2`) to its canonical name; undefined when it is not a signal.
 */
export function signalName(input: string): string | undefined {
  const s = input.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 34 && n <= 64) return `SIGRTMIN+${n - 34}`;
    return Object.entries(SIGNALS).find(([, v]) => v === n)?.[0];
  }
  const name = s.startsWith("SIG") ? s : `SIG${s}`;
  return name in SIGNALS ? name : undefined;
}

/** Signal number of a canonical name, 0 when unknown. */
export function signalNumber(name: string): number {
  return SIGNALS[name] ?? 0;
}
