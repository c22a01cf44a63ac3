import assert from "node:assert/strict";
import {
  classifyContainer,
  type ContainerPhase,
  type ContainerStateView,
  isAlive,
  logLiveness,
  recoveryDecisionFor,
  signalPreparation,
} from "./container_state.ts";

type Row = [
  ContainerStateView | undefined,
  ContainerPhase,
  alive: boolean,
  recover: string,
  recoverStopped: string,
  logs: string,
  signal: string,
];

const st = (status: string, running = false, paused = false): ContainerStateView => ({
  status,
  running,
  paused,
});

// What Podman 4.3.1 reports for each state (paused: Running=false, Paused=true).
const TABLE: Row[] = [
  [st("running", true), "running", true, "adopt", "adopt", "running", "send"],
  [st("stopping", true), "running", true, "adopt", "adopt", "running", "send"],
  [st("paused", false, true), "paused", true, "adopt", "adopt", "running", "unpause-then-send"],
  [st("paused", true, true), "paused", true, "adopt", "adopt", "running", "unpause-then-send"],
  [st("created"), "created", true, "report-exited", "restart", "running", "send"],
  [st("configured"), "created", true, "report-exited", "restart", "running", "send"],
  [st("initialized"), "created", true, "report-exited", "restart", "running", "send"],
  [st("exited"), "exited", false, "report-exited", "restart", "exited", "already-dead"],
  [st("stopped"), "exited", false, "report-exited", "restart", "exited", "already-dead"],
  [st("removing"), "removing", false, "report-exited", "report-exited", "exited", "already-dead"],
  [st("unknown"), "exited", false, "report-exited", "restart", "exited", "already-dead"],
  [st("", true), "running", true, "adopt", "adopt", "running", "send"],
  [st("", false, true), "paused", true, "adopt", "adopt", "running", "unpause-then-send"],
  [undefined, "gone", false, "gone", "gone", "removed", "already-dead"],
];

Deno.test("container state: one classification, used by every consumer", () => {
  for (const [state, phase, alive, recover, recoverStopped, logs, signal] of TABLE) {
    const label = JSON.stringify(state);
    const p = classifyContainer(state);
    assert.equal(p, phase, label);
    assert.equal(isAlive(p), alive, label);
    assert.equal(recoveryDecisionFor(p, false), recover, label);
    assert.equal(recoveryDecisionFor(p, true), recoverStopped, label);
    // A restart whose log fifo nobody reads is reported instead (it would wedge Podman).
    const unread = recoverStopped === "restart" ? "report-exited" : recoverStopped;
    assert.equal(recoveryDecisionFor(p, true, "unread"), unread, label);
    assert.equal(recoveryDecisionFor(p, true, "read"), recoverStopped, label);
    assert.equal(logLiveness(p), logs, label);
    assert.equal(signalPreparation(p), signal, label);
  }
});
