import type { ClientMessageInput, IceServer, PublishedTrack, ServerMessage, TrackSource } from "@confab/protocol";
import { pathFromStats, type ConnectionPath } from "./connectionPath.js";
import { PublishConnection, type LocalTrack } from "./PublishConnection.js";
import type { RemoteMedia } from "./RoomState.js";
import { SubscribeConnection } from "./SubscribeConnection.js";

/** The server messages a media session handles: negotiation, candidates, simulcast layers. */
export type MediaMessage = Extract<ServerMessage, { type: "sdp" | "ice" | "layers" }>;

/** What a media session needs from the room around it. */
export interface MediaSessionHooks {
  /** Sends a signaling message; true when it reached the socket. */
  send(message: ClientMessageInput): boolean;
  /** An offer declaring `tracks` (and their mute state) is being sent. */
  offered(tracks: readonly PublishedTrack[]): void;
  /** The server answered the publishing connection's offer. */
  published(): void;
  /** Each local source's mute state, read when an offer is built. */
  isMuted(source: TrackSource): boolean;
  /** The set of received tracks changed. */
  received(): void;
  /** Something failed on a media connection; the session goes on. */
  failed(message: string): void;
}

/** How a media session's connections are made. */
export interface MediaSessionOptions {
  RTCPeerConnection: typeof RTCPeerConnection;
  /** The ICE servers of the `joined` that started the session (TURN credentials are per join). */
  iceServers: IceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  /** Publish the camera as three simulcast layers. */
  simulcast: boolean;
}

/**
 * One join's media: the publishing and the subscribing peer connection, the server messages
 * that negotiate them, and the tracks received. A rejoin makes a new session; a resume keeps
 * this one (with fresh ICE servers).
 */
export class MediaSession {
  readonly publisher: PublishConnection;
  readonly subscriber: SubscribeConnection;
  private received = new Map<string, RemoteMedia>();
  private iceServersValue: IceServer[];
  private closed = false;

  constructor(
    private readonly options: MediaSessionOptions,
    private readonly hooks: MediaSessionHooks,
  ) {
    this.iceServersValue = options.iceServers;
    const config = this.configuration();
    this.subscriber = new SubscribeConnection(
      options.RTCPeerConnection,
      config,
      {
        answer: (description) => hooks.send({ type: "sdp", pc: "subscriber", description }),
        candidate: (candidate) => hooks.send({ type: "ice", pc: "subscriber", candidate }),
      },
      (media) => {
        this.received = new Map(media.map((m) => [m.trackId, m]));
        hooks.received();
      },
      (error) => hooks.failed(`receiving failed: ${String(error)}`),
    );
    this.publisher = new PublishConnection(
      options.RTCPeerConnection,
      config,
      {
        offer: (description, tracks) => {
          hooks.offered(tracks);
          hooks.send({ type: "sdp", pc: "publisher", description, tracks });
        },
        candidate: (candidate) => hooks.send({ type: "ice", pc: "publisher", candidate }),
      },
      (source) => hooks.isMuted(source),
      options.simulcast,
    );
  }

  /** The ICE servers the connections use (those of the last `joined`). */
  get iceServers(): IceServer[] {
    return this.iceServersValue;
  }

  /** The publishing connection first, then the subscribing one. */
  peerConnections(): RTCPeerConnection[] {
    return [this.publisher.pc, this.subscriber.pc];
  }

  /** Whether `pc` is one of this session's connections. */
  owns(pc: RTCPeerConnection): boolean {
    return pc === this.publisher.pc || pc === this.subscriber.pc;
  }

  /** Publishes the local sources with one offer. */
  publish(tracks: readonly LocalTrack[]): void {
    this.publisher.publish(tracks).catch((error) => this.hooks.failed(`publishing failed: ${String(error)}`));
  }

  /** The received track with this id, once it arrived. */
  track(trackId: string): MediaStreamTrack | undefined {
    return this.received.get(trackId)?.track;
  }

  /** Applies one negotiation message from the server. */
  handle(message: MediaMessage): void {
    switch (message.type) {
      case "sdp":
        if (message.pc === "subscriber" && message.description.type === "offer") {
          this.subscriber.handleOffer(message.description, message.tracks ?? []);
        } else if (message.pc === "publisher" && message.description.type === "answer") {
          this.publisher
            .handleAnswer(message.description)
            .then(() => this.hooks.published())
            .catch((error) => this.hooks.failed(`publishing failed: ${String(error)}`));
        }
        return;
      case "ice":
        if (message.pc === "publisher") void this.publisher.addRemoteCandidate(message.candidate);
        else this.subscriber.addRemoteCandidate(message.candidate);
        return;
      case "layers":
        this.publisher.setLayers(message.mid, message.active).catch((error) => this.hooks.failed(`changing simulcast layers failed: ${String(error)}`));
        return;
      default: {
        const unreachable: never = message;
        throw new Error(`not a media message: ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /**
   * Fresh ICE servers (a resume brings new TURN credentials) for the ICE restarts to come. The
   * rest of each connection's configuration is kept: `setConfiguration` throws
   * InvalidModificationError when e.g. `bundlePolicy` would change (Firefox enforces it).
   */
  setIceServers(iceServers: IceServer[]): void {
    this.iceServersValue = iceServers;
    const config = this.configuration();
    for (const pc of this.peerConnections()) pc.setConfiguration({ ...pc.getConfiguration(), ...config });
  }

  /**
   * Restarts ICE on `pc` (RFC 8445 §9): the publisher with its own offer, the subscriber by
   * asking the server for one (`ice-restart`). False when `pc` is not this session's.
   */
  restartIce(pc: RTCPeerConnection): boolean {
    if (pc === this.publisher.pc) {
      this.publisher.restartIce().catch((error) => this.hooks.failed(`restarting ICE failed: ${String(error)}`));
      return true;
    }
    if (pc === this.subscriber.pc) {
      this.hooks.send({ type: "ice-restart" });
      return true;
    }
    return false;
  }

  /**
   * Which way the media travels, from the first connected connection's selected candidate
   * pair (the publisher's first); undefined until one is selected.
   */
  async connectionPath(): Promise<ConnectionPath | undefined> {
    for (const pc of this.peerConnections()) {
      if (pc.connectionState !== "connected") continue;
      const path = pathFromStats(await pc.getStats());
      if (path) return path;
    }
    return undefined;
  }

  /** Closes both connections and forgets the received tracks; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.publisher.close();
    this.subscriber.close();
    this.received.clear();
  }

  private configuration(): RTCConfiguration {
    return { iceServers: this.iceServersValue, iceTransportPolicy: this.options.iceTransportPolicy };
  }
}
