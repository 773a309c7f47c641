import { TcpPassiveProtocol } from "werift";

/** The part of werift's ICE-TCP protocols (BaseTcpProtocol) this patch touches. */
interface TcpProtocol {
  sendData(data: Buffer, addr: [string, number]): Promise<void>;
}

let installed = false;

/**
 * werift's ICE-TCP protocol rejects when application data (DTLS records: SRTP, SCTP, handshake
 * flights) cannot be written: the peer closed its connection (EPIPE, ECONNRESET) or it is
 * already gone ("tcp passive connection not established"). Its UDP protocol never does, and
 * several of werift's own callers (a DTLS flight's retransmission, SCTP) do not catch it, so one
 * browser closing its TCP connection at the wrong moment was an unhandled rejection that ended
 * the server's process. After this, such a packet is dropped like a UDP datagram that could
 * not be sent (werift has already dropped the broken socket, and ICE consent notices the pair
 * is gone). STUN requests keep their errors: their transactions handle them. Idempotent.
 */
export function installIceTcpSendFix(): void {
  if (installed) return;
  installed = true;
  // sendData lives on werift's BaseTcpProtocol (not exported): patched where both of its
  // subclasses, passive and active, find it.
  const proto = Object.getPrototypeOf(TcpPassiveProtocol.prototype) as TcpProtocol;
  const original = proto.sendData;
  proto.sendData = async function (this: TcpProtocol, data: Buffer, addr: [string, number]): Promise<void> {
    try {
      await original.call(this, data, addr);
    } catch {
      // Lost, as a datagram would be.
    }
  };
}
