import assert from "node:assert/strict";
import { ImageIdCache } from "./image_cache.ts";

Deno.test("image id cache: serves only while the events stream is connected; events empty it", () => {
  const c = new ImageIdCache();
  const a = {}, b = {};
  c.set(a, "busybox", "id1");
  assert.equal(c.get(a, "busybox"), undefined, "not connected: nothing kept");
  c.setLive(a, true);
  c.set(a, "busybox", "id1");
  c.setLive(b, true);
  c.set(b, "busybox", "id2");
  assert.equal(c.get(a, "busybox"), "id1");
  assert.equal(c.get(b, "busybox"), "id2", "per service");
  c.invalidate(a);
  assert.equal(c.get(a, "busybox"), undefined);
  assert.equal(c.get(b, "busybox"), "id2", "another service's entries stay");
  c.setLive(b, false);
  assert.equal(c.get(b, "busybox"), undefined, "a break forgets");
  c.setLive(b, true);
  assert.equal(c.get(b, "busybox"), undefined, "and a reconnect starts empty");
});
