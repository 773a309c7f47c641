import { Connection, RTCDtlsTransport, RTCRtpReceiver } from "werift";

/** One subscriber of a werift Event (common/src/event.ts). */
interface Subscriber {
  execute(...args: unknown[]): unknown;
}
/** The parts of a werift Event its `execute` uses. */
export interface WeriftEvent {
  event: { stack: Subscriber[]; promiseStack: Subscriber[] };
  ended: boolean;
  onerror: (error: unknown) => void;
  execute: (...args: unknown[]) => void;
  [FAST]?: true;
}

const FAST = Symbol("confab.fastEvent");

/** Whether `value` has the fields werift's Event has (so a newer werift falls back to its own). */
function isWeriftEvent(value: unknown): value is WeriftEvent {
  const e = value as Partial<WeriftEvent> | null | undefined;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.execute === "function" &&
    typeof e.ended === "boolean" &&
    typeof e.onerror === "function" &&
    typeof e.event === "object" &&
    e.event !== null &&
    Array.isArray(e.event.stack) &&
    Array.isArray(e.event.promiseStack)
  );
}

/**
 * Gives one werift Event an `execute` that does what werift's does — call each subscriber in
 * order (one subscribing meanwhile is called too, an error stops the loop and reaches the
 * caller), then await each queuing subscriber in order, reporting a rejection to `onerror` —
 * but starts the async part only when there is a queuing subscriber. werift's starts an async
 * function and a `.catch` on every call (two promises, two closures and a microtask), for the
 * events that carry every received packet, none of which has a queuing subscriber.
 * Returns whether it did (false: not werift's Event shape, left as it is; or done before).
 */
export function fastenEvent(value: unknown): boolean {
  if (!isWeriftEvent(value) || value[FAST]) return false;
  const e = value;
  e[FAST] = true;
  e.execute = (...args: unknown[]): void => {
    if (e.ended) return;
    const stack = e.event.stack;
    for (let i = 0; i < stack.length; i++) stack[i]!.execute(...args);
    const queued = e.event.promiseStack;
    if (queued.length === 0) return;
    (async () => {
      for (const item of queued) await item.execute(...args);
    })().catch((error: unknown) => e.onerror(error));
  };
  return true;
}

/** What the hooks below reach of werift's ICE, DTLS and receiver objects. */
interface IceAgent {
  onData: unknown;
  ensureProtocol(this: IceAgent, protocol: { onDataReceived?: unknown }): void;
}
interface DtlsTransport {
  onRtp: unknown;
  onRtcp: unknown;
  startSrtp(this: DtlsTransport): void;
}
interface Receiver {
  onRtcp: unknown;
  addTrack(this: Receiver, track: { onReceiveRtp?: unknown; onReceiveRtcp?: unknown }): boolean;
}

let installed = false;

/**
 * Fastens ({@link fastenEvent}) the events every received datagram, RTP and RTCP packet goes
 * through, as werift creates them: ICE's data from a local socket (`StunProtocol.onDataReceived`,
 * `Connection.onData`), DTLS's decrypted media (`RTCDtlsTransport.onRtp`/`onRtcp`), a remote
 * track's packets (`onReceiveRtp`/`onReceiveRtcp`) and a receiver's RTCP. Idempotent; call
 * before the first peer connection of the thread.
 */
export function installFastEvents(): void {
  if (installed) return;
  installed = true;
  const ice = Connection.prototype as unknown as IceAgent;
  const ensureProtocol = ice.ensureProtocol;
  ice.ensureProtocol = function (this: IceAgent, protocol) {
    ensureProtocol.call(this, protocol);
    fastenEvent(this.onData);
    fastenEvent(protocol.onDataReceived);
  };
  const dtls = RTCDtlsTransport.prototype as unknown as DtlsTransport;
  const startSrtp = dtls.startSrtp;
  dtls.startSrtp = function (this: DtlsTransport) {
    fastenEvent(this.onRtp);
    fastenEvent(this.onRtcp);
    startSrtp.call(this);
  };
  const receiver = RTCRtpReceiver.prototype as unknown as Receiver;
  const addTrack = receiver.addTrack;
  receiver.addTrack = function (this: Receiver, track) {
    fastenEvent(this.onRtcp);
    fastenEvent(track.onReceiveRtp);
    fastenEvent(track.onReceiveRtcp);
    return addTrack.call(this, track);
  };
}
