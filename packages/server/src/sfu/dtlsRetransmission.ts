import { DtlsClient, DtlsServer, RTCDtlsTransport } from "werift";

/** DTLS 1.2 handshake message types (RFC 5246 §7.4, RFC 6347 §4.2.2). */
const CLIENT_HELLO = 1;
const HELLO_VERIFY_REQUEST = 3;
/** werift numbers its flights; the client's ClientHello with the cookie is flight 3. */
const CLIENT_FLIGHT_WITH_COOKIE = 3;

/** The parts of werift's DTLS sockets this reads (not in werift's typed API). */
interface Handshake {
  msg_type: number;
}
interface WeriftDtlsSocket {
  connected: boolean;
  onHandleHandshakes: (assembled: Handshake[]) => Promise<void>;
  dtls: { flight: number };
}

/**
 * Makes werift's DTLS server ignore a ClientHello once the handshake is done. werift treated
 * one as a renegotiation (which WebRTC never uses) and threw its handshake state away, so a
 * duplicated or late datagram broke a working connection's DTLS (the SRTP keys survive, data
 * channels and further handshake retransmissions do not). A retransmission of the client's
 * final flight (its copy of the server's was lost) werift already answers.
 */
export function hardenDtlsServer(server: DtlsServer): void {
  const socket = server as unknown as WeriftDtlsSocket;
  const handle = socket.onHandleHandshakes;
  socket.onHandleHandshakes = async (assembled) => {
    if (socket.connected && assembled.some((h) => h.msg_type === CLIENT_HELLO)) return;
    return handle(assembled);
  };
}

/**
 * Makes werift's DTLS client ignore a HelloVerifyRequest that arrives after it has already
 * answered one. werift's server sends one for every cookie-less ClientHello it receives, so a
 * first HelloVerifyRequest that is merely slow (a busy peer) makes the client retransmit its
 * ClientHello and then receive two; werift threw on the second and failed the transport. The
 * ClientHello with the cookie has its own retransmission timer, so nothing is lost by
 * ignoring it.
 */
export function hardenDtlsClient(client: DtlsClient): void {
  const socket = client as unknown as WeriftDtlsSocket;
  const handle = socket.onHandleHandshakes;
  socket.onHandleHandshakes = async (assembled) => {
    if (socket.dtls.flight >= CLIENT_FLIGHT_WITH_COOKIE) {
      assembled = assembled.filter((h) => h.msg_type !== HELLO_VERIFY_REQUEST);
      if (assembled.length === 0) return;
    }
    return handle(assembled);
  };
}

let installed = false;

/**
 * Applies {@link hardenDtlsServer} / {@link hardenDtlsClient} to every DTLS transport werift
 * starts in this thread from now on. Idempotent.
 */
export function installDtlsRetransmissionFixes(): void {
  if (installed) return;
  installed = true;
  const prototype = RTCDtlsTransport.prototype as unknown as { start(this: RTCDtlsTransport): Promise<void> };
  const start = prototype.start;
  prototype.start = function (this: RTCDtlsTransport) {
    // werift creates its DtlsServer/DtlsClient synchronously inside start(), before any
    // handshake datagram can be handled.
    const started = start.call(this);
    const socket = (this as unknown as { dtls?: unknown }).dtls;
    if (socket instanceof DtlsServer) hardenDtlsServer(socket);
    else if (socket instanceof DtlsClient) hardenDtlsClient(socket);
    return started;
  };
}
