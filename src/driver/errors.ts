/**
 * Errors the driver core raises; the gRPC edge maps them to status codes.
 *
 * @module
 */

/**
 * A task failure Nomad should handle with the job's restart policy
 * (`recoverable: true`) or fail outright (`recoverable: false`).
 */
export class RecoverableError extends Error {
  override name = "RecoverableError";
  readonly recoverable: boolean;
  constructor(message: string, options: { recoverable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.recoverable = options.recoverable;
  }
}

/** The task ID is not known to this plugin process. */
export class TaskNotFoundError extends Error {
  override name = "TaskNotFoundError";
  readonly taskId: string;
  constructor(taskId: string) {
    super(`Task "${taskId}" is not known to the podman driver`);
    this.taskId = taskId;
  }
}

/** A task with this ID is already running in this plugin. */
export class TaskExistsError extends Error {
  override name = "TaskExistsError";
  readonly taskId: string;
  constructor(taskId: string) {
    super(`Task "${taskId}" is already started`);
    this.taskId = taskId;
  }
}

/** The request is wrong in a way the caller can fix (not a config field). */
export class InvalidRequestError extends Error {
  override name = "InvalidRequestError";
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** The plugin has no configuration yet (SetConfig was not called). */
export class NotConfiguredError extends Error {
  override name = "NotConfiguredError";
  constructor() {
    super("The podman driver has no configuration yet: SetConfig must be called first");
  }
}

/** An RPC this build does not implement yet. */
export class NotImplementedError extends Error {
  override name = "NotImplementedError";
  constructor(capability: string) {
    super(`The podman driver does not implement ${capability} yet`);
  }
}
