// No script in static/js grows past 400 lines: a longer one holds more than one concern
// (docs/frontend.md).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";

const folder = join(import.meta.dirname, "../../static/js");

it("keeps every script in static/js (and its folders) at 400 lines or fewer", () => {
  const long = readdirSync(folder, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith(".js"))
    .map((name) => [name, readFileSync(join(folder, name), "utf8").split("\n").length - 1])
    .filter(([, lines]) => lines > 400);
  assert.deepEqual(long, []);
});
