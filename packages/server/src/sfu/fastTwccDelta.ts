import { RecvDelta } from "werift";
import { sourceFingerprint } from "./weriftSource.js";

/** werift 0.25's RecvDelta.prototype.deSerialize and RecvDelta.deSerialize ({@link sourceFingerprint}). */
export const KNOWN_DESERIALIZE = "deb076a4c993d228";
export const KNOWN_STATIC_DESERIALIZE = "d02c6295cdb45fe3";

/**
 * RecvDelta#deSerialize as werift's (transport-wide feedback, draft-holmer-rmcat-transport-wide-cc-extensions-01
 * §3.1.5: a one-byte delta is unsigned, a two-byte one signed, in 250 µs units; any other
 * length throws), without the second RecvDelta werift builds for every delta of every feedback
 * packet only to copy its `delta` over.
 */
export function deSerializeDelta(this: { delta?: number }, data: Buffer): void {
  if (data.length === 1) this.delta = 250 * data[0]!;
  else if (data.length === 2) this.delta = 250 * data.readInt16BE(0);
  else throw new Error();
}

let installed = false;

/**
 * Gives werift's RecvDelta {@link deSerializeDelta} when both its deSerialize methods are the
 * version it was written for. Idempotent; call before the first peer connection of the thread.
 */
export function installFastTwccDelta(): void {
  if (installed) return;
  installed = true;
  const proto = RecvDelta.prototype as unknown as { deSerialize: unknown };
  if (sourceFingerprint(proto.deSerialize) !== KNOWN_DESERIALIZE) return;
  if (sourceFingerprint(RecvDelta.deSerialize) !== KNOWN_STATIC_DESERIALIZE) return;
  proto.deSerialize = deSerializeDelta;
}
