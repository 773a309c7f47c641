import { loadNative } from "@confab/native";
import type { RunningServer } from "@confab/server";
import { startTestServer } from "@confab/server/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Bot } from "./Bot.js";
import { DeliveryWindow } from "./Delivery.js";
import { loadMedia } from "./MediaSource.js";
import { Vp8Packetizer, vp8DescriptorLength } from "./rtp/vp8.js";

// The TypeScript path always; the native one where the addon was built.
const paths: ("native" | "js")[] = loadNative().addon ? ["native", "js"] : ["js"];

describe.each(paths)("media through the SFU on the %s per-packet path", (path) => {
  let server: RunningServer | undefined;
  let bots: Bot[] = [];
  afterEach(async () => {
    await Promise.all(bots.map((b) => b.close()));
    bots = [];
    await server?.close();
  });

  it("says which path (and which UDP sockets) it uses in /metrics, and a lossy receiver gets whole video (RTX resends) and audio", async () => {
    server = await startTestServer({ rtc: { fastpath: path } });
    const metrics = async () => (await fetch(`${server!.httpUrl}/metrics`)).text();
    expect(await metrics()).toMatch(new RegExp(`^confab_fastpath_info\\{path="${path}"\\} 1$`, "m"));
    expect(await metrics()).toMatch(/^confab_media_udp_sockets_info\{mode="shared"\} 1$/m);
    const ann = new Bot({ url: server.httpUrl, room: "path", name: "Ann", publish: { video: true, audio: true } });
    const bob = new Bot({ url: server.httpUrl, room: "path", name: "Bob", receiveLoss: 0.05 });
    bots.push(ann, bob);
    await ann.join();
    await bob.join();
    await expect.poll(() => bob.tracks("video")[0]?.packets ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
    bob.rtxPayloads = [];
    const window = new DeliveryWindow(ann, bob.tracks("video")[0]!);
    window.open();
    await new Promise((r) => setTimeout(r, 3000));
    const sent = window.close();
    await new Promise((r) => setTimeout(r, 1000));
    expect(sent).toBeGreaterThan(150);
    expect(window.delivered() / sent).toBeGreaterThan(0.985);
    expect(bob.rtxPacketsReceived).toBeGreaterThan(0);
    expect(bob.tracks("video")[0]!.frames).toBeGreaterThan(30);
    // Each resend (re-sealed on the RTX stream from the history, with this receiver's rewritten
    // descriptor) carries, after the original sequence number and the VP8 descriptor, the very
    // bytes of a packet Ann sent: a chunk of one of her frames as her packetizer cut it.
    const digest = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
    const chunks = new Set(loadMedia().video.flatMap((f) => new Vp8Packetizer().packetize(f.data).map((p) => digest(p.subarray(vp8DescriptorLength(p))))));
    const resent = bob.rtxPayloads.map((p) => p.subarray(2));
    expect(resent.length).toBeGreaterThan(0);
    expect(resent.filter((p) => !chunks.has(digest(p.subarray(vp8DescriptorLength(p))))).length).toBe(0);
    await expect.poll(() => bob.tracks("audio")[0]?.packets ?? 0, { timeout: 10_000 }).toBeGreaterThan(50);
    // The publisher's packets were opened (on this path) and counted, most of them routed by
    // Confab's lane (rtpLane) once werift had routed each stream's first packet.
    const text = await metrics();
    const received = Number(/^confab_rtp_packets_received_total (\d+)$/m.exec(text)?.[1]);
    expect(received).toBeGreaterThan(150);
    expect(Number(/^confab_rtp_lane_packets_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(received * 0.9);
    // And they came from the shared socket to decryption without werift's ICE and DTLS
    // dispatch (mediaShortcut).
    expect(Number(/^confab_rtp_shortcut_packets_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(received * 0.9);
    // The SFU's sender reports reach the receiver and open there: for its video stream, with
    // the packets sent so far and a current NTP time (RFC 3550 §6.4.1; RFC 5905's era 0).
    await expect.poll(() => bob.senderReports.size, { timeout: 5_000 }).toBeGreaterThan(0);
    const reports = [...bob.senderReports.values()];
    expect(Math.max(...reports.map((r) => r.packetCount))).toBeGreaterThan(150);
    for (const r of reports) {
      const ntpSeconds = Number(r.ntpTimestamp >> 32n) - 2_208_988_800;
      expect(Math.abs(ntpSeconds - r.at / 1000)).toBeLessThan(5);
    }
    // Packets the native batch could not send are counted (exported on both paths).
    expect(await metrics()).toMatch(/^confab_udp_sends_dropped_total \d+$/m);
  });
});
