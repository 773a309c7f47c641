import { randomBytes } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { RTCPeerConnection, RtpHeader, SrtpAuthenticationError, type RTCIceCandidate, type RtpPacket } from "werift";
import type { IceCandidate } from "@confab/protocol";
import { defaultConfig } from "../config/config.js";
import { selectFastPath } from "./native/fastPath.js";
import { Publisher } from "./Publisher.js";
import { forwardingStats } from "./stats.js";
import { MuxTransport, type UdpMux } from "./UdpMux.js";

/** What the tests read of werift's DTLS transport and ICE connection (not in werift's typings). */
interface Dtls {
  bytesReceived: number;
  packetsReceived: number;
  srtp: { decrypt(data: Buffer): Buffer };
  onRtp: { subscribe(listener: (rtp: RtpPacket) => void): { unSubscribe(): void } };
  sendRtp(payload: Buffer, header: RtpHeader): Promise<number>;
  iceTransport: {
    connection: {
      nominated?: { protocol: { transport?: unknown }; packetsReceived: number; bytesReceived: number; remoteAddr: [string, number] };
      onData: { subscribe(listener: (data: Buffer) => void): { unSubscribe(): void } };
      send(data: Buffer): Promise<void>;
    };
  };
}

const open: { close(): unknown }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

beforeAll(() => {
  // As an SFU worker does: the native open and the native reading of the shared socket when
  // the addon is built (the shortcut then gets views of the receive arena), else Node's.
  selectFastPath(defaultConfig.rtc.fastpath);
});

/** A werift client sending video to the SFU over the thread's shared socket, connected. */
async function connected(): Promise<{ server: Dtls; client: Dtls; transport: MuxTransport; mux: UdpMux; restartIce(): Promise<MuxTransport> }> {
  const publisher = new Publisher("p1", { ...defaultConfig.rtc, announcedIps: ["127.0.0.1"] }, (event, error) => {
    throw new Error(`${event}: ${String(error)}`);
  });
  open.push(publisher);
  const client = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
  open.push(client);
  client.addTransceiver("video", { direction: "sendonly" });
  const fromClient: IceCandidate[] = [];
  client.onIceCandidate.subscribe((c: RTCIceCandidate | undefined) => {
    if (c?.candidate) fromClient.push({ candidate: c.candidate, sdpMid: c.sdpMid ?? "0", sdpMLineIndex: c.sdpMLineIndex ?? 0 });
  });
  const fromSfu: IceCandidate[] = [];
  publisher.events.on("iceCandidate", (c) => {
    if (c) fromSfu.push(c);
  });
  let given = 0;
  let taken = 0;
  /** Offers (an ICE restart when asked), answers, and trades candidates until both are connected on a pair. */
  const negotiate = async (iceRestart: boolean): Promise<void> => {
    const answered = new Promise<string>((resolve) => publisher.events.once("answer", resolve));
    await client.setLocalDescription(await client.createOffer({ iceRestart }));
    await publisher.handleOffer(client.localDescription!.sdp, [{ mid: "0", kind: "video", source: "camera", muted: false }]);
    await client.setRemoteDescription({ type: "answer", sdp: await answered });
    await expect
      .poll(
        async () => {
          for (const c of fromClient.slice(given)) await publisher.addIceCandidate(c);
          given = fromClient.length;
          for (const c of fromSfu.slice(taken)) await client.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? undefined, sdpMLineIndex: c.sdpMLineIndex ?? undefined });
          taken = fromSfu.length;
          const nominated = server().iceTransport.connection.nominated !== undefined;
          return `SFU ${publisher.connectionState}, client ${client.connectionState}, pair ${nominated}`;
        },
        { timeout: 15_000 },
      )
      .toBe("SFU connected, client connected, pair true");
  };
  const server = () => (publisher as unknown as { pc: RTCPeerConnection }).pc.dtlsTransports[0] as unknown as Dtls;
  const nominatedTransport = (): MuxTransport => {
    const transport = server().iceTransport.connection.nominated?.protocol.transport;
    if (!(transport instanceof MuxTransport)) throw new Error("the SFU's connection is not on the shared socket");
    return transport;
  };
  await negotiate(false);
  const transport = nominatedTransport();
  expect(transport.media).toBeDefined();
  return {
    server: server(),
    client: client.dtlsTransports[0] as unknown as Dtls,
    transport,
    mux: transport.mux,
    restartIce: async () => {
      await negotiate(true);
      return nominatedTransport();
    },
  };
}

/** Video packets (payload type 96, SSRC 1234) with distinct payloads of different sizes. */
function packets(count: number, firstSeq: number): { header: RtpHeader; payload: Buffer }[] {
  return Array.from({ length: count }, (_, i) => ({
    header: new RtpHeader({ payloadType: 96, ssrc: 1234, sequenceNumber: (firstSeq + i) & 0xffff, timestamp: 90 * i, marker: i % 7 === 6 }),
    payload: randomBytes(20 + ((i * 97) % 1000)),
  }));
}

/** What the SFU's DTLS transport hands on, and its counters, around `send`. */
async function observe(server: Dtls, expected: number, send: () => Promise<void>) {
  const delivered: RtpPacket[] = [];
  const listener = server.onRtp.subscribe((rtp) => delivered.push(rtp));
  const pair = server.iceTransport.connection.nominated!;
  const before = { packets: server.packetsReceived, bytes: server.bytesReceived, pairPackets: pair.packetsReceived, pairBytes: pair.bytesReceived, shortcut: forwardingStats.shortcutPackets };
  await send();
  await expect.poll(() => delivered.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(expected);
  // A moment for anything that should not come (a duplicate, a junk packet's delivery).
  await new Promise((r) => setTimeout(r, 200));
  listener.unSubscribe();
  return {
    delivered,
    packets: server.packetsReceived - before.packets,
    bytes: server.bytesReceived - before.bytes,
    pairPackets: pair.packetsReceived - before.pairPackets,
    pairBytes: pair.bytesReceived - before.pairBytes,
    shortcut: forwardingStats.shortcutPackets - before.shortcut,
  };
}

const GCM_TAG = 16;

describe("SRTP from the shared socket straight to the DTLS transport (mediaShortcut)", () => {
  it("delivers every packet as werift would, with werift's counters on the transport and the ICE pair", async () => {
    const { server, client } = await connected();
    const sent = packets(60, 65500); // across the sequence number's wrap: the rollover counter moves
    const seen = await observe(server, sent.length, async () => {
      for (const p of sent) await client.sendRtp(p.payload, p.header);
    });
    expect(seen.delivered.map((rtp) => [rtp.header.sequenceNumber, rtp.header.marker, rtp.payload.toString("hex")])).toEqual(
      sent.map((p) => [p.header.sequenceNumber, p.header.marker, p.payload.toString("hex")]),
    );
    expect(seen.shortcut).toBeGreaterThanOrEqual(sent.length);
    // RTCP (the client's reports) may have come too: werift counts it the same on both.
    const srtpBytes = sent.reduce((sum, p) => sum + 12 + p.payload.length + GCM_TAG, 0);
    expect(seen.packets).toBeGreaterThanOrEqual(sent.length);
    expect(seen.bytes).toBeGreaterThanOrEqual(srtpBytes);
    expect(seen.pairPackets).toBe(seen.packets);
    expect(seen.pairBytes).toBe(seen.bytes);
  });

  it("takes the packets again after an ICE restart: werift keeps the connection's transports, each with its sink", async () => {
    const { server, client, restartIce } = await connected();
    const connection = server.iceTransport.connection as unknown as { protocols: { transport?: unknown }[] };
    const before = connection.protocols.map((p) => p.transport);
    const restarted = await restartIce();
    expect((server.iceTransport as unknown as { iceRestarts: number }).iceRestarts).toBe(1);
    // The new generation's checks ran on the same transports (no new socket, no new sink needed).
    expect(connection.protocols.map((p) => p.transport)).toEqual(before);
    expect(restarted.media).toBeDefined();
    const sent = packets(20, 400);
    const seen = await observe(server, sent.length, async () => {
      for (const p of sent) await client.sendRtp(p.payload, p.header);
    });
    expect(seen.delivered.map((rtp) => rtp.header.sequenceNumber)).toEqual(sent.map((p) => p.header.sequenceNumber));
    expect(seen.shortcut).toBeGreaterThanOrEqual(sent.length);
    expect(seen.pairPackets).toBe(seen.packets);
  });

  it("counts and drops a packet that fails authentication, as werift does, and goes on", async () => {
    const { server, client } = await connected();
    const forged = Buffer.concat([Buffer.from([0x80, 96, 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0x04, 0xd2]), randomBytes(300)]);
    const after = packets(5, 100);
    const seen = await observe(server, after.length, async () => {
      await client.iceTransport.connection.send(forged);
      for (const p of after) await client.sendRtp(p.payload, p.header);
    });
    expect(seen.delivered.map((rtp) => rtp.header.sequenceNumber)).toEqual([100, 101, 102, 103, 104]);
    expect(seen.shortcut).toBeGreaterThanOrEqual(after.length + 1);
    expect(seen.packets).toBeGreaterThanOrEqual(after.length + 1);
    expect(seen.bytes).toBeGreaterThanOrEqual(forged.length);
    expect(seen.pairPackets).toBe(seen.packets);
  });

  it("leaves packets to werift's own chain while the wiring is not werift's (a listener added), and takes them again after", async () => {
    const { server, client } = await connected();
    const tapped: Buffer[] = [];
    const tap = server.iceTransport.connection.onData.subscribe((data) => {
      if (data[0]! >= 128 && data[0]! < 192 && !(data[1]! >= 192 && data[1]! <= 208)) tapped.push(Buffer.from(data));
    });
    const first = packets(10, 200);
    const werift = await observe(server, first.length, async () => {
      for (const p of first) await client.sendRtp(p.payload, p.header);
    });
    tap.unSubscribe();
    expect(werift.delivered.map((rtp) => rtp.header.sequenceNumber)).toEqual(first.map((p) => p.header.sequenceNumber));
    expect(werift.shortcut).toBe(0);
    // werift's chain ran: the added listener saw each packet (encrypted, with its tag).
    expect(tapped.map((d) => d.length)).toEqual(first.map((p) => 12 + p.payload.length + GCM_TAG));
    expect(werift.pairPackets).toBe(werift.packets);

    const second = packets(10, 300);
    const again = await observe(server, second.length, async () => {
      for (const p of second) await client.sendRtp(p.payload, p.header);
    });
    expect(again.delivered.map((rtp) => rtp.header.sequenceNumber)).toEqual(second.map((p) => p.header.sequenceNumber));
    expect(again.shortcut).toBeGreaterThanOrEqual(second.length);
  });

  it("takes a borrowed view only when decryption keeps nothing of it (the native open)", async () => {
    const { server, transport } = await connected();
    const media = transport.media!;
    const packet = Buffer.concat([Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0x04, 0xd2]), randomBytes(100)]);
    const original = server.srtp;
    const opened: Buffer[] = [];
    // A decryption of werift's kind (it may keep views of the packet), failing authentication.
    server.srtp = {
      decrypt: (data: Buffer) => {
        opened.push(data);
        throw new SrtpAuthenticationError("test");
      },
    };
    try {
      expect(media(packet, true)).toBe(false);
      expect(opened).toHaveLength(0);
      expect(media(packet, false)).toBe(true);
      expect(opened).toEqual([packet]);
    } finally {
      server.srtp = original;
    }
  });

  it("routes only SRTP from a routed address, by its numeric address and port", async () => {
    const { server, mux } = await connected();
    const [address, port] = server.iceTransport.connection.nominated!.remoteAddr;
    expect(address).toBe("127.0.0.1");
    const loopback = 0x7f000001;
    const forged = () => Buffer.concat([Buffer.from([0x80, 96, 0, 9, 0, 0, 0, 1, 0, 0, 0x04, 0xd2]), randomBytes(64)]);
    const before = forwardingStats.shortcutPackets;
    // RTCP (a receiver report), DTLS, STUN and too-short datagrams: not media for the shortcut.
    expect(mux.receiveMedia(Buffer.concat([Buffer.from([0x80, 201, 0, 1]), randomBytes(40)]), loopback, port, false)).toBe(false);
    expect(mux.receiveMedia(Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), randomBytes(40)]), loopback, port, false)).toBe(false);
    expect(mux.receiveMedia(Buffer.concat([Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]), loopback, port, false)).toBe(false);
    expect(mux.receiveMedia(Buffer.from([0x80]), loopback, port, false)).toBe(false);
    // Another port or address: not routed.
    expect(mux.receiveMedia(forged(), loopback, port === 65535 ? 1 : port + 1, false)).toBe(false);
    expect(mux.receiveMedia(forged(), 0x7f000002, port, false)).toBe(false);
    expect(forwardingStats.shortcutPackets).toBe(before);
    // From the connection's address: taken (and dropped there: it does not authenticate).
    expect(mux.receiveMedia(forged(), loopback, port, false)).toBe(true);
    expect(forwardingStats.shortcutPackets).toBe(before + 1);
  });
});
