import { describe, expect, it } from "vitest";
import { pino } from "pino";
import type { ServerMessage } from "@confab/protocol";
import { ForwardedTrack } from "../sfu/ForwardedTrack.js";
import { LastNForwarding, type LastNMember } from "./LastNForwarding.js";
import type { Participant } from "./Participant.js";
import { joinRequestFor, roomManagerFor, roomTestConfig } from "../testing/rooms.js";

function camera(owner: string, source: "camera" | "screen" = "camera"): ForwardedTrack {
  return new ForwardedTrack(`${owner}-${source}`, "video", source, "1", false, 500, () => {});
}

/** A member that records the `lastN` lists it is sent and what its subscriber withholds. */
function member(id: string) {
  const told: string[][] = [];
  let withheld: ReadonlySet<string> = new Set();
  const m: LastNMember = {
    id,
    send: (message: ServerMessage) => {
      if (message.type === "lastN") told.push([...message.withheld].sort());
    },
    subscriber: { setWithheld: (ids) => (withheld = ids) },
  };
  return { m, told, withheld: () => [...withheld].sort() };
}

/** N = 2; members me, a, b, c (joined in that order), each with a camera. */
function room() {
  const lastN = new LastNForwarding(2);
  const people = ["me", "a", "b", "c"].map(member);
  const cams = new Map<string, ForwardedTrack>();
  for (const p of people) lastN.join(p.m);
  for (const p of people) {
    const track = camera(p.m.id);
    cams.set(p.m.id, track);
    lastN.published(p.m.id, track);
  }
  return { lastN, me: people[0]!, cams };
}

describe("LastNForwarding", () => {
  it("withholds the cameras beyond N and tells the member only when that changes", () => {
    const { lastN, me } = room();
    expect(me.withheld()).toEqual(["c-camera"]);
    expect(me.told).toEqual([["c-camera"]]);
    lastN.speakerChanged("b");
    expect(me.withheld()).toEqual(["c-camera"]);
    lastN.speakerChanged("c");
    expect(me.withheld()).toEqual(["a-camera"]);
    expect(me.told).toEqual([["c-camera"], ["a-camera"]]);
  });

  it("never counts or withholds screen shares", () => {
    const { lastN, me } = room();
    lastN.published("a", camera("a", "screen"));
    expect(me.withheld()).toEqual(["c-camera"]);
  });

  it("releases a pinned video for the member who pinned it only", () => {
    const { lastN, me } = room();
    const other = member("d");
    lastN.join(other.m);
    lastN.setPinned("me", ["c-camera", "unknown-track"]);
    expect(me.withheld()).toEqual([]);
    expect(other.withheld()).toEqual(["b-camera", "c-camera"]);
  });

  it("gives a leaver's place to the next in line and forgets them as a speaker", () => {
    const { lastN, me } = room();
    lastN.speakerChanged("a");
    lastN.leave("a");
    expect(me.withheld()).toEqual([]);
    expect(lastN.recency).toEqual([]);
  });

  it("gives a muted camera's place to the next person", () => {
    const { lastN, me, cams } = room();
    cams.get("a")!.muted = true;
    lastN.refresh();
    expect(me.withheld()).toEqual([]);
  });

  it("does nothing at all when N is 0", () => {
    const lastN = new LastNForwarding(0);
    const me = member("me");
    lastN.join(me.m);
    for (const id of ["a", "b", "c"]) lastN.join(member(id).m);
    for (const id of ["a", "b", "c"]) lastN.published(id, camera(id));
    lastN.speakerChanged("c");
    expect(me.told).toEqual([]);
    expect(lastN.recency).toEqual([]);
  });
});

describe("last-N in a room", () => {
  const config = roomTestConfig({ rooms: { lastN: 2 } });
  const log = pino({ level: "silent" });

  const sorted = (...ids: string[]) => ids.sort();

  function sink() {
    const withheld: string[][] = [];
    return { withheld, send: (m: ServerMessage) => m.type === "lastN" && withheld.push([...m.withheld].sort()) };
  }

  /** Publishes a camera and a microphone as the SFU's publisher would announce them. */
  function publish(p: Participant) {
    const cam = new ForwardedTrack(`${p.id}-cam`, "video", "camera", "1", false, 500, () => {});
    const mic = new ForwardedTrack(`${p.id}-mic`, "audio", "microphone", "0", false, 500, () => {});
    p.publisher.events.emit("trackAdded", mic);
    p.publisher.events.emit("trackAdded", cam);
    return { cam, mic };
  }

  it("the newest dominant speaker's video replaces the least recent one, from the detector's decision", async () => {
    const rooms = roomManagerFor(config);
    const room = rooms.getOrCreate("lastn");
    const mine = sink();
    const me = await room.join(joinRequestFor(room.name, "Me"), mine);
    const others: ({ p: Participant } & ReturnType<typeof publish>)[] = [];
    for (const name of ["A", "B", "C", "D"]) {
      const p = await room.join(joinRequestFor(room.name, name), sink());
      others.push({ p, ...publish(p) });
    }
    const [, b, c, d] = others.map((o) => o.p.id);
    // Nobody has spoken: the first two to join are shown.
    expect(mine.withheld.at(-1)).toEqual(sorted(`${c}-cam`, `${d}-cam`));
    // D speaks (RFC 6464 levels as the SFU reads them from the header extension).
    const speaking = setInterval(() => others[3]!.mic.onAudioLevel?.(20), 20);
    try {
      await expect.poll(() => mine.withheld.at(-1), { timeout: 3000 }).toEqual(sorted(`${b}-cam`, `${c}-cam`));
    } finally {
      clearInterval(speaking);
    }
    // Pinning C shows it as well; D's and A's places stay.
    room.setView(me, [{ trackId: `${c}-cam`, width: 640, height: 360, pinned: true }]);
    expect(mine.withheld.at(-1)).toEqual([`${b}-cam`]);
    // When D leaves, B (next in join order) takes the place.
    room.leave(others[3]!.p, "left");
    expect(mine.withheld.at(-1)).toEqual([]);
    rooms.close();
  });
});
