import { pool, quietTask, sleep, startPlugin, startTask } from "./common.ts";
import { rssBytes } from "./proc.ts";
const MB = 1024 * 1024;
const h = await startPlugin();
const pid = h.plugin.pid;
await sleep(2000);
console.log(`idle ${(rssBytes(pid) / MB).toFixed(1)}`);
for (let cycle = 0; cycle < 4; cycle++) {
  const tasks = await pool(Array.from({ length: 20 }, (_, i) => i), 10, async () => {
    const t = await quietTask(h, "leak", "sleep", ["600"]);
    await startTask(h, t);
    return t;
  });
  const up = rssBytes(pid);
  const streams = tasks.map((t) => h.client.taskStats(t.id, 1000));
  await sleep(4000);
  const streaming = rssBytes(pid);
  for (const s of streams) s.cancel();
  await pool(tasks, 10, (t) => h.client.destroyTask(t.id, true).catch(() => {}));
  for (const t of tasks) await t.alloc.cleanup();
  h.tasks.length = 0;
  await sleep(3000);
  console.log(
    `cycle ${cycle}: started ${(up / MB).toFixed(1)} streaming ${
      (streaming / MB).toFixed(1)
    } after ${(rssBytes(pid) / MB).toFixed(1)}`,
  );
}
await h.close();
