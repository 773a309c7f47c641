import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerMessage } from "@confab/protocol";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { signalingUrl } from "./SignalingClient.js";
import { SignalingSession } from "./SignalingSession.js";
import { recordingWebSocket } from "./testing/fakes.js";

let server: RunningServer;

beforeAll(async () => {
  // A grace period, so that a participant whose connection dropped can resume.
  server = await startTestServer({ rooms: { resumeGraceMs: 10_000 }, auth: { persistPolicies: false } });
});

afterAll(async () => {
  await server.close();
});

/**
 * A session against this test's server that settles its requests as ConfabRoom does (`joined`
 * settles, an `error` reply refuses) and records the messages and closes it reports.
 */
function session() {
  const seen: ServerMessage[] = [];
  const closes: number[] = [];
  const ws = recordingWebSocket();
  const signaling: SignalingSession = new SignalingSession(
    { url: signalingUrl(server.httpUrl), WebSocket: ws.factory },
    {
      message: (message) => {
        seen.push(message);
        if (message.type === "joined") {
          signaling.rememberResume(message.resumeToken);
          signaling.settle();
        } else if (message.type === "error") {
          signaling.refuse(message);
        }
      },
      closed: (code) => closes.push(code),
    },
  );
  const selfIds = () => seen.flatMap((m) => (m.type === "joined" ? [m.self.id] : []));
  return { signaling, seen, closes, selfIds, sockets: ws.sockets };
}

describe("SignalingSession", () => {
  it("resumes as the same participant on a fresh connection with the token of the last joined", async () => {
    // Someone stays, so the room lives on while Ann is away.
    const host = session();
    await host.signaling.connect();
    await host.signaling.join({ type: "join", room: "session-resume", name: "Host" });
    const { signaling, seen, closes, selfIds, sockets } = session();
    await signaling.connect();
    await signaling.join({ type: "join", room: "session-resume", name: "Ann" });
    expect(signaling.canResume).toBe(true);
    sockets[0]!.terminate(); // as if the network went away
    await expect.poll(() => closes).toHaveLength(1);
    signaling.reopen();
    await signaling.resume("session-resume");
    const [first, second] = selfIds();
    expect(second).toBe(first);
    expect(seen.filter((m) => m.type === "joined").map((m) => m.type === "joined" && m.resumed === true)).toEqual([false, true]);
    expect(await server.rooms.roomSize("session-resume")).toBe(2);
    signaling.close();
    host.signaling.close();
  });

  it("is refused with RESUME_FAILED by a server that no longer has the participant", async () => {
    const { signaling } = session();
    await signaling.connect();
    await signaling.join({ type: "join", room: "session-forgotten", name: "Ann" });
    signaling.send({ type: "leave" });
    await expect.poll(async () => (await server.rooms.roomSize("session-forgotten")) ?? 0).toBe(0);
    signaling.reopen();
    await expect(signaling.resume("session-forgotten")).rejects.toMatchObject({ code: "RESUME_FAILED" });
    signaling.close();
  });

  it("rejects a join still waiting in the lobby with CLOSED when closed, however many times it is closed", async () => {
    const host = session();
    await host.signaling.connect();
    await host.signaling.join({ type: "join", room: "session-lobby", name: "Host" });
    host.signaling.send({ type: "policy", change: { lobby: true } });
    await expect.poll(() => host.seen.some((m) => m.type === "policy" && m.policy.lobby)).toBe(true);
    const guest = session();
    await guest.signaling.connect();
    const joining = guest.signaling.join({ type: "join", room: "session-lobby", name: "Guest" });
    await expect.poll(() => guest.seen.some((m) => m.type === "lobby")).toBe(true);
    guest.signaling.close();
    guest.signaling.close();
    await expect(joining).rejects.toMatchObject({ code: "CLOSED" });
    expect(guest.closes.length).toBeLessThanOrEqual(1);
    expect(guest.signaling.send({ type: "leave" })).toBe(false);
    host.signaling.close();
  });
});
