// Presence by watching: the page's people, one presence.watch, and the server's answers
// (static/js/presence.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { PresenceWatch, WATCH_GAP, WATCH_MAX } from "../../static/js/presence.js";

/** A watch over a fake clock and socket: `sent` holds the frames, `run()` fires the timer. */
function fixture(open = true) {
  const world = { now: 0, open, sent: /** @type {any[]} */ ([]), timer: /** @type {(() => void) | null} */ (null), wait: 0 };
  const watch = new PresenceWatch((frame) => world.open && world.sent.push(frame) > 0, {
    delay: 100,
    now: () => world.now,
    later: (run, ms) => { world.timer = run; world.wait = ms; return 1; },
    cancel: () => { world.timer = null; },
  });
  const run = () => { const fire = world.timer; world.timer = null; world.now += world.wait; if (fire) fire(); };
  return { watch, world, run };
}

describe("PresenceWatch", () => {
  it("sends the union of the page's people once, on open, and again only when it changes", () => {
    const { watch, world, run } = fixture();
    watch.show("dots", [5]);
    watch.show("members", [3, 9, 0, NaN]);
    watch.opened();
    assert.deepEqual(world.sent, [{ type: "presence.watch", users: [3, 5, 9] }]);
    watch.show("members", [9, 3]);
    run();
    assert.equal(world.sent.length, 1, "the same set is not sent again");
    watch.show("members", [9]);
    run();
    assert.deepEqual(world.sent[1].users, [5, 9]);
    assert.ok(world.now >= WATCH_GAP, "never two watches within a second");
  });

  it("holds a change made right after a watch until a second has passed", () => {
    const { watch, world, run } = fixture();
    watch.show("dots", [1]);
    watch.opened();
    watch.show("dots", [1, 2]);
    assert.equal(world.wait, WATCH_GAP);
    run();
    assert.deepEqual(world.sent.map((f) => f.users), [[1], [1, 2]]);
  });

  it("waits for the socket, and sends nothing for a page that shows nobody", () => {
    const { watch, world, run } = fixture(false);
    watch.show("dots", [2]);
    run();
    assert.equal(world.sent.length, 0);
    world.open = true;
    watch.show("dots", []);
    watch.opened();
    assert.equal(world.sent.length, 0);
    watch.show("dots", [2]);
    run();
    assert.deepEqual(world.sent, [{ type: "presence.watch", users: [2] }]);
  });

  it("caps the set at the server's limit", () => {
    const { watch, world } = fixture();
    watch.show("members", Array.from({ length: WATCH_MAX + 10 }, (_, i) => i + 1));
    watch.opened();
    assert.equal(world.sent[0].users.length, WATCH_MAX);
  });

  it("applies the state to every watched person and live frames to one, telling only changes", () => {
    const { watch } = fixture();
    /** @type {Array<Array<[number, boolean]>>} */
    const told = [];
    watch.onChange((changes) => told.push(changes));
    watch.show("members", [1, 2, 3]);
    watch.opened();
    watch.apply({ type: "presence.state", online: [2] });
    assert.deepEqual(told, [[[1, false], [2, true], [3, false]]]);
    watch.apply({ type: "presence", user_id: 3, online: true });
    watch.apply({ type: "presence", user_id: 3, online: true });
    assert.deepEqual(told.slice(1), [[[3, true]]]);
    assert.equal(watch.online.get(3), true);
  });
});
