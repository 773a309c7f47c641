import type { ClientMessageInput } from "@confab/protocol";
import { describe, expect, it } from "vitest";
import { MediaSession } from "./MediaSession.js";

/** Just enough of RTCPeerConnection for connections that publish and receive nothing. */
class FakePeerConnection {
  static made: FakePeerConnection[] = [];
  onicecandidate: unknown = null;
  connectionState = "new";
  readonly configurations: RTCConfiguration[] = [];
  closes = 0;
  constructor(readonly config: RTCConfiguration) {
    FakePeerConnection.made.push(this);
  }
  getConfiguration(): RTCConfiguration {
    return this.configurations.at(-1) ?? this.config;
  }
  setConfiguration(config: RTCConfiguration): void {
    this.configurations.push(config);
  }
  close(): void {
    this.closes++;
  }
}

/** A session over fake connections, recording the signaling it sends. */
function session() {
  FakePeerConnection.made = [];
  const sent: ClientMessageInput[] = [];
  const media = new MediaSession(
    {
      RTCPeerConnection: FakePeerConnection as unknown as typeof RTCPeerConnection,
      iceServers: [{ urls: "stun:stun.example.org" }],
      iceTransportPolicy: "relay",
      simulcast: true,
    },
    {
      send: (message) => {
        sent.push(message);
        return true;
      },
      offered: () => {},
      published: () => {},
      isMuted: () => false,
      received: () => {},
      failed: () => {},
    },
  );
  const [subscriber, publisher] = FakePeerConnection.made as [FakePeerConnection, FakePeerConnection];
  return { media, sent, subscriber, publisher };
}

describe("MediaSession", () => {
  it("makes the receiving and the sending connection, bundled, with the join's ICE servers and policy", () => {
    const { media, subscriber, publisher } = session();
    for (const pc of [subscriber, publisher]) {
      expect(pc.config).toEqual({ iceServers: [{ urls: "stun:stun.example.org" }], iceTransportPolicy: "relay", bundlePolicy: "max-bundle" });
    }
    expect(media.peerConnections()).toEqual([publisher, subscriber]);
  });

  it("owns only its own connections", () => {
    const { media, publisher } = session();
    const other = session();
    expect(media.owns(publisher as unknown as RTCPeerConnection)).toBe(true);
    expect(media.owns(other.publisher as unknown as RTCPeerConnection)).toBe(false);
  });

  it("gives both connections the fresh ICE servers of a resume, keeping their bundle policy", () => {
    const { media, subscriber, publisher } = session();
    const fresh = [{ urls: "turn:turn.example.org", username: "u", credential: "c" }];
    media.setIceServers(fresh);
    expect(media.iceServers).toBe(fresh);
    expect(publisher.configurations).toEqual([{ iceServers: fresh, iceTransportPolicy: "relay", bundlePolicy: "max-bundle" }]);
    expect(subscriber.configurations).toEqual([{ iceServers: fresh, iceTransportPolicy: "relay", bundlePolicy: "max-bundle" }]);
  });

  it("asks the server for an ICE restart of the receiving connection, and restarts no foreign one", () => {
    const { media, sent, subscriber } = session();
    const other = session();
    expect(media.restartIce(subscriber as unknown as RTCPeerConnection)).toBe(true);
    expect(sent).toEqual([{ type: "ice-restart" }]);
    expect(media.restartIce(other.subscriber as unknown as RTCPeerConnection)).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it("has no connection path before a connection is connected", async () => {
    const { media } = session();
    expect(await media.connectionPath()).toBeUndefined();
  });

  it("closes both connections once, however many times it is closed", () => {
    const { media, subscriber, publisher } = session();
    media.close();
    media.close();
    expect([publisher.closes, subscriber.closes]).toEqual([1, 1]);
    expect(media.track("any")).toBeUndefined();
  });
});
