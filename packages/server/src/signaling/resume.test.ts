import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, PROTOCOL_VERSION } from "@confab/protocol";
import type { RunningServer } from "../server.js";
import { startTestServer, wsUrl, WireClient } from "../testing/index.js";

let server: RunningServer;
let quick: RunningServer;

beforeAll(async () => {
  server = await startTestServer({ rooms: { resumeGraceMs: 10_000 }, auth: { persistPolicies: false } });
  quick = await startTestServer({ rooms: { resumeGraceMs: 300 }, auth: { persistPolicies: false } });
});

afterAll(async () => {
  await Promise.all([server.close(), quick.close()]);
});

async function resume(url: string, room: string, token: string): Promise<WireClient> {
  const c = await WireClient.connect(url);
  c.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
  await c.next("welcome");
  c.sendJson({ type: "resume", room, token });
  return c;
}

describe("resume after a dropped connection", () => {
  it("keeps the participant, shown as reconnecting, and brings it back as itself with a fresh single-use token", async () => {
    const url = wsUrl(server);
    const ann = await WireClient.joined(url, "resume-1", "Ann");
    const bob = await WireClient.connect(url);
    bob.sendJson({ type: "hello", protocolVersion: PROTOCOL_VERSION });
    await bob.next("welcome");
    bob.sendJson({ type: "join", room: "resume-1", name: "Bob" });
    const joined = await bob.next("joined");
    await ann.next("participant.joined");
    bob.sendJson({ type: "hand", raised: true });
    await ann.next("participant.updated");
    bob.terminate();

    const away = await ann.next("participant.updated");
    expect(away.participant).toMatchObject({ id: joined.self.id, reconnecting: true, handRaised: true });

    const back = await resume(url, "resume-1", joined.resumeToken!);
    const resumed = await back.next("joined");
    expect(resumed).toMatchObject({ resumed: true, self: { id: joined.self.id, name: "Bob", handRaised: true, reconnecting: false } });
    expect(resumed.resumeToken).toBeTruthy();
    expect(resumed.resumeToken).not.toBe(joined.resumeToken);
    expect(resumed.participants.map((p) => p.name)).toEqual(["Ann"]);
    const again = await ann.next("participant.updated");
    expect(again.participant).toMatchObject({ id: joined.self.id, reconnecting: false });
    expect(ann.messages.filter((m) => m.type === "participant.left" || m.type === "participant.joined")).toEqual([]);

    // The resumed connection works, and the spent token does not.
    back.sendJson({ type: "chat", text: "back" });
    expect((await ann.next("chat")).message).toMatchObject({ participantId: joined.self.id, text: "back" });
    const replay = await resume(url, "resume-1", joined.resumeToken!);
    expect((await replay.next("error")).code).toBe(ErrorCode.RESUME_FAILED);
    for (const c of [ann, back, replay]) c.close();
  });

  it("lets the participant go once its grace period is over", async () => {
    const url = wsUrl(quick);
    const ann = await WireClient.joined(url, "resume-2", "Ann");
    const bob = await WireClient.joined(url, "resume-2", "Bob");
    const resumeToken = bob.joinedMessage?.resumeToken;
    expect(resumeToken).toBeTruthy();
    bob.terminate();
    const left = await ann.next("participant.left");
    expect(left.reason).toBe("disconnected");
    const late = await resume(url, "resume-2", resumeToken!);
    expect((await late.next("error")).code).toBe(ErrorCode.RESUME_FAILED);
    late.close();
    ann.close();
  });

  it("refuses a made-up token, and a resume into a room that does not exist", async () => {
    const url = wsUrl(server);
    const ann = await WireClient.joined(url, "resume-3", "Ann");
    const guess = await resume(url, "resume-3", "A".repeat(43));
    expect((await guess.next("error")).code).toBe(ErrorCode.RESUME_FAILED);
    const nowhere = await resume(url, "no-such-room", "A".repeat(43));
    expect((await nowhere.next("error")).code).toBe(ErrorCode.RESUME_FAILED);
    for (const c of [ann, guess, nowhere]) c.close();
  });
});
