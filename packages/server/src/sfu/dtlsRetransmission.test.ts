import { describe, expect, it } from "vitest";
import { DtlsClient, DtlsServer, RTCDtlsTransport, type RTCCertificate } from "werift";
import { hardenDtlsClient, hardenDtlsServer } from "./dtlsRetransmission.js";

/** DTLS record content types and handshake types (RFC 6347 §4.1, §4.2.2). */
const CHANGE_CIPHER_SPEC = 20;
const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const HELLO_VERIFY_REQUEST = 3;

type Filter = (datagram: Buffer) => "deliver" | "drop" | { duplicateAfterMs: number };

/** One direction of an in-memory datagram path, with a filter that can drop or duplicate. */
function endpoint(filter: Filter = () => "deliver") {
  const sent: Buffer[] = [];
  const end = {
    /** The transport of the other side: what is sent here arrives at its `onData`. */
    peer: undefined as { onData: (data: Buffer) => void } | undefined,
    sent,
    transport: {
      type: "udp",
      address: { address: "127.0.0.1", port: 0, family: "IPv4" },
      closed: false,
      onData: (_data: Buffer) => undefined as void,
      send: async (data: Buffer) => {
        sent.push(data);
        const verdict = filter(data);
        if (verdict === "drop") return;
        const deliver = () => end.peer?.onData(Buffer.from(data));
        setImmediate(deliver);
        if (verdict !== "deliver") setTimeout(deliver, verdict.duplicateAfterMs);
      },
      close: async () => undefined,
    },
  };
  return end;
}

async function certificate(): Promise<RTCCertificate> {
  return RTCDtlsTransport.SetupCertificate();
}

/** A DTLS client and server on an in-memory path (filters per direction), handshake started. */
async function pair(options: { toClient?: Filter; toServer?: Filter; harden: boolean }) {
  const cert = await certificate();
  // The client sends on `toServer`'s transport, the server on `toClient`'s.
  const toServer = endpoint(options.toServer);
  const toClient = endpoint(options.toClient);
  const common = { cert: cert.certPem, key: cert.privateKey, signatureHash: cert.signatureHash, extendedMasterSecret: true };
  const server = new DtlsServer({ ...common, transport: toClient.transport as never, certificateRequest: true });
  const client = new DtlsClient({ ...common, transport: toServer.transport as never });
  if (options.harden) {
    hardenDtlsServer(server);
    hardenDtlsClient(client);
  }
  // What one side sends arrives at the other side's socket (werift set each one's onData).
  toServer.peer = toClient.transport;
  toClient.peer = toServer.transport;
  const connected = (socket: DtlsServer | DtlsClient) =>
    new Promise<void>((resolve, reject) => {
      socket.onConnect.once(() => resolve());
      socket.onError.once((error) => reject(error));
    });
  const serverUp = connected(server);
  const clientUp = connected(client);
  const clientConnect = client.connect();
  return { server, client, serverUp, clientUp, clientConnect, toServer, toClient };
}

const isFinalFlightOfServer = (d: Buffer) => d[0] === CHANGE_CIPHER_SPEC || (d[0] === HANDSHAKE && d.readUInt16BE(3) === 1);

describe("DTLS handshakes on a lossy or busy path (werift, hardened)", () => {
  it("a client whose copy of the server's final flight was lost connects once it retransmits", async () => {
    let dropped = 0;
    const { serverUp, clientUp, server, client } = await pair({
      harden: true,
      toClient: (d) => (isFinalFlightOfServer(d) && dropped++ < 2 ? "drop" : "deliver"),
    });
    await serverUp;
    expect(dropped).toBe(2);
    // werift's server answers the retransmitted flight itself (a property this test keeps).
    await clientUp;
    const received = new Promise<Buffer>((resolve) => server.onData.once((data) => resolve(data)));
    await client.send(Buffer.from("after the lost flight"));
    expect((await received).toString()).toBe("after the lost flight");
  }, 15_000);

  it("a client that receives a second HelloVerifyRequest (its ClientHello was retransmitted) still connects", async () => {
    let duplicated = false;
    const { serverUp, clientUp, clientConnect } = await pair({
      harden: true,
      toClient: (d) => {
        if (d[0] === HANDSHAKE && d[13] === HELLO_VERIFY_REQUEST && !duplicated) {
          duplicated = true;
          return { duplicateAfterMs: 0 };
        }
        return "deliver";
      },
    });
    await Promise.all([serverUp, clientUp]);
    await clientConnect;
    expect(duplicated).toBe(true);
  }, 15_000);

  it("a server that receives a duplicated ClientHello after the handshake stays connected", async () => {
    const { serverUp, clientUp, server, client, toServer } = await pair({ harden: true });
    await Promise.all([serverUp, clientUp]);
    const hellos = toServer.sent.filter((d) => d[0] === HANDSHAKE && d[13] === CLIENT_HELLO);
    expect(hellos.length).toBeGreaterThanOrEqual(2); // without and with the cookie
    for (const hello of hellos) await toServer.transport.send(hello);
    await new Promise((r) => setTimeout(r, 50));
    const toServerData = new Promise<Buffer>((resolve) => server.onData.once((data) => resolve(data)));
    await client.send(Buffer.from("ping"));
    expect((await toServerData).toString()).toBe("ping");
    const toClientData = new Promise<Buffer>((resolve) => client.onData.once((data) => resolve(data)));
    await server.send(Buffer.from("pong"));
    expect((await toClientData).toString()).toBe("pong");
  }, 15_000);
});

/** How `awaited` (a handshake, a delivery) ends within `ms`: done, failed (with why), or still pending. */
async function outcome(awaited: Promise<unknown>, ms: number): Promise<string> {
  const timer = new Promise<string>((resolve) => setTimeout(() => resolve("still pending"), ms));
  return Promise.race([awaited.then(() => "done", (error: unknown) => `failed: ${String(error)}`), timer]);
}

describe("the same paths with werift as it is (control cases: the hardening is what makes them pass)", () => {
  it("a client that receives a second HelloVerifyRequest does not connect", async () => {
    let duplicated = false;
    const { serverUp, clientUp, clientConnect } = await pair({
      harden: false,
      toClient: (d) => {
        if (d[0] === HANDSHAKE && d[13] === HELLO_VERIFY_REQUEST && !duplicated) {
          duplicated = true;
          return { duplicateAfterMs: 0 };
        }
        return "deliver";
      },
    });
    clientConnect.catch(() => undefined);
    expect(await outcome(Promise.all([serverUp, clientUp, clientConnect]), 3000)).not.toBe("done");
    expect(duplicated).toBe(true);
  }, 15_000);

  it("a server that receives a duplicated ClientHello after the handshake no longer delivers the client's data", async () => {
    const { serverUp, clientUp, server, client, toServer } = await pair({ harden: false });
    await Promise.all([serverUp, clientUp]);
    const hellos = toServer.sent.filter((d) => d[0] === HANDSHAKE && d[13] === CLIENT_HELLO);
    for (const hello of hellos) await toServer.transport.send(hello);
    await new Promise((r) => setTimeout(r, 50));
    const toServerData = new Promise<Buffer>((resolve) => server.onData.once((data) => resolve(data)));
    await client.send(Buffer.from("ping")).catch(() => undefined);
    expect(await outcome(toServerData, 2000)).not.toBe("done");
  }, 15_000);
});
