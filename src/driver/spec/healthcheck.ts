/**
 * `healthconfig`: the task's `healthchecks { }` block over the image's
 * HEALTHCHECK. Without the block the image's check is left to Podman.
 * `disable = true` sends Podman's "NONE" marker (what `podman run
 * --no-healthcheck` does): no check is created, whatever the image says.
 * Overrides without `cmd` keep the image's command.
 *
 * @module
 */
import { ConfigError } from "../../config/mod.ts";
import type { TaskConfig } from "../../config/mod.ts";
import type { HealthConfigSpec, ImageHealthcheck, SpecGenerator } from "./types.ts";

const MS_NS = 1_000_000;

/** Whether building the spec needs the image's HEALTHCHECK (overrides without `cmd`). */
export function needsImageHealthcheck(config: Pick<TaskConfig, "healthchecks">): boolean {
  const h = config.healthchecks;
  return h !== undefined && !h.disable && h.test === undefined;
}

/** A healthcheck command that means "no healthcheck". */
export function isNoHealthcheck(test: readonly string[] | undefined): boolean {
  return !test || test.length === 0 || test[0]?.toUpperCase() === "NONE";
}

/** Builds `healthconfig`. */
export function buildHealthcheck(
  config: Pick<TaskConfig, "healthchecks">,
  image: ImageHealthcheck | undefined,
): SpecGenerator {
  const h = config.healthchecks;
  if (!h) return {};
  if (h.disable) return { healthconfig: { Test: ["NONE"] } };
  const test = h.test ?? (isNoHealthcheck(image?.test) ? undefined : image?.test);
  if (!test) {
    throw new ConfigError(
      "healthchecks",
      "{ … }",
      "the image has no HEALTHCHECK to adjust: set healthchecks.cmd",
    );
  }
  const ns = (ms: number | undefined, fromImage: number | undefined) =>
    ms !== undefined ? ms * MS_NS : fromImage || undefined;
  const out: HealthConfigSpec = { Test: [...test] };
  const interval = ns(h.intervalMs, image?.intervalNs);
  const timeout = ns(h.timeoutMs, image?.timeoutNs);
  const start = ns(h.startPeriodMs, image?.startPeriodNs);
  const retries = h.retries ?? (image?.retries || undefined);
  if (interval !== undefined) out.Interval = interval;
  if (timeout !== undefined) out.Timeout = timeout;
  if (start !== undefined) out.StartPeriod = start;
  if (retries !== undefined) out.Retries = retries;
  return { healthconfig: out };
}
