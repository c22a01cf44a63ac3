/**
 * Inline `template { data = … }` blocks, rendered into the task dir before
 * the task starts, for the simple cases: literal text and `{{ env "NAME" }}`
 * (plus `{{ "{{" }}`-style string literals). Anything else (consul-template
 * functions, pipelines) is refused with an error naming the template.
 *
 * @module
 */
import type { TemplateDecl } from "./jobspec.ts";

/** A template run-job cannot render. */
export class TemplateError extends Error {
  readonly task: string;
  readonly destination: string;
  constructor(task: string, destination: string, message: string) {
    super(`task "${task}": template ${JSON.stringify(destination)}: ${message}`);
    this.name = "TemplateError";
    this.task = task;
    this.destination = destination;
  }
}

/** Renders a template's text with the task env. */
export function renderTemplate(
  t: Pick<TemplateDecl, "data" | "leftDelimiter" | "rightDelimiter" | "destination">,
  env: Record<string, string>,
  taskName: string,
): string {
  const { leftDelimiter: l, rightDelimiter: r } = t;
  let out = "";
  let i = 0;
  while (i < t.data.length) {
    const start = t.data.indexOf(l, i);
    if (start < 0) {
      out += t.data.slice(i);
      break;
    }
    const end = t.data.indexOf(r, start + l.length);
    if (end < 0) throw new TemplateError(taskName, t.destination, `unclosed ${l}`);
    let before = t.data.slice(i, start);
    let action = t.data.slice(start + l.length, end);
    // {{- and -}} trim the whitespace next to them, as in Go templates.
    if (action.startsWith("- ")) {
      before = before.trimEnd();
      action = action.slice(1);
    }
    let next = end + r.length;
    if (action.endsWith(" -")) {
      action = action.slice(0, -1);
      const rest = t.data.slice(next);
      next += rest.length - rest.trimStart().length;
    }
    out += before + evalAction(action.trim(), env, taskName, t.destination);
    i = next;
  }
  return out;
}

function evalAction(action: string, env: Record<string, string>, task: string, dest: string) {
  const envCall = /^env\s+"((?:[^"\\]|\\.)*)"$/.exec(action);
  if (envCall) return env[JSON.parse(`"${envCall[1]}"`) as string] ?? "";
  const literal = /^"((?:[^"\\]|\\.)*)"$/.exec(action);
  if (literal) return JSON.parse(`"${literal[1]}"`) as string;
  if (action.startsWith("/*") && action.endsWith("*/")) return "";
  throw new TemplateError(
    task,
    dest,
    `unsupported template action {{ ${action} }} (run-job renders literal text and {{ env "NAME" }})`,
  );
}

/** Where a destination lands: relative paths are relative to the task dir; no escaping it. */
export function templatePath(taskDir: string, destination: string, task: string): string {
  const parts: string[] = [];
  for (const seg of destination.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (parts.length === 0) {
        throw new TemplateError(task, destination, "destination escapes the task dir");
      }
      parts.pop();
    } else parts.push(seg);
  }
  if (parts.length === 0) throw new TemplateError(task, destination, "empty destination");
  return `${taskDir}/${parts.join("/")}`;
}

/** Renders every template of a task into its task dir. */
export async function writeTemplates(
  templates: TemplateDecl[],
  taskDir: string,
  env: Record<string, string>,
  taskName: string,
): Promise<string[]> {
  const written: string[] = [];
  for (const t of templates) {
    const path = templatePath(taskDir, t.destination, taskName);
    const text = renderTemplate(t, env, taskName);
    const mode = Number.parseInt(t.perms, 8);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
      throw new TemplateError(
        taskName,
        t.destination,
        `perms ${JSON.stringify(t.perms)} is not octal`,
      );
    }
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text, { mode });
    await Deno.chmod(path, mode);
    written.push(path);
  }
  return written;
}
