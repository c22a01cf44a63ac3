/**
 * Container names: `<task>-<allocID>`, and `task:<name>` references to a
 * sibling task's container.
 *
 * @module
 */

/** The container name of a task: `<taskName>-<allocId>`. */
export function containerName(taskName: string, allocId: string): string {
  return `${taskName}-${allocId}`;
}

/**
 * Resolves a `task:<name>` reference (network_mode, ipc_mode) to the sibling
 * task's container name in the same allocation; `undefined` if `value` is not
 * of that form.
 */
export function taskReference(value: string, allocId: string): string | undefined {
  if (!value.startsWith("task:")) return undefined;
  return containerName(value.slice("task:".length), allocId);
}
