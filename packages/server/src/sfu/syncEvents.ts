import { RTCDtlsTransport } from "werift";

/** werift's `Event` (not exported): what {@link syncEvent} uses of it. */
export interface WeriftEvent {
  ended: boolean;
  event: { stack: { execute(...args: unknown[]): void }[]; promiseStack: { execute(...args: unknown[]): unknown }[] };
  onerror(error: unknown): void;
  execute(...args: unknown[]): void;
}

const SYNC = Symbol("confab.syncEvent");

/**
 * werift's `Event.execute` calls its listeners in turn and then starts an async function that
 * awaits its queued listeners (`queuingSubscribe`, which werift itself never uses): a closure,
 * a promise and a `catch` per call, and a microtask run, for every packet an event carries.
 * This makes `event.execute` do the same without them while nothing is queued: the listeners
 * in turn, an exception from one going to the caller as before; queued listeners, if any, are
 * still awaited in order after them, their failures going to `onerror`. Idempotent.
 */
export function syncEvent(event: unknown): void {
  const e = event as WeriftEvent & { [SYNC]?: true };
  if (!e || e[SYNC]) return;
  e[SYNC] = true;
  e.execute = (...args: unknown[]): void => {
    if (e.ended) return;
    for (const item of e.event.stack) item.execute(...args);
    if (e.event.promiseStack.length === 0) return;
    (async () => {
      for (const item of e.event.promiseStack) await item.execute(...args);
    })().catch((error: unknown) => e.onerror(error));
  };
}

/** The parts of werift's DTLS transport whose events carry every media packet. */
interface MediaTransport {
  onRtp: unknown;
  onRtcp: unknown;
  iceTransport?: { connection?: { onData?: unknown; protocols?: { onDataReceived?: unknown }[] } };
  startSrtp(): void;
}

let installed = false;

/**
 * Makes the werift events every received RTP and RTCP packet goes through synchronous
 * ({@link syncEvent}) when a DTLS transport starts SRTP: the ICE protocols' `onDataReceived`,
 * the ICE connection's `onData`, and the transport's `onRtp` and `onRtcp` (three async
 * functions per RTP packet before). ICE-TCP protocols made later keep werift's events.
 * Idempotent; call before the first peer connection of the thread.
 */
export function installSyncMediaEvents(): void {
  if (installed) return;
  installed = true;
  const proto = RTCDtlsTransport.prototype as unknown as MediaTransport;
  const start = proto.startSrtp;
  proto.startSrtp = function (this: MediaTransport) {
    syncEvent(this.onRtp);
    syncEvent(this.onRtcp);
    const connection = this.iceTransport?.connection;
    syncEvent(connection?.onData);
    for (const protocol of connection?.protocols ?? []) syncEvent(protocol.onDataReceived);
    start.call(this);
  };
}
