import dgram from "node:dgram";
import type { Logger } from "pino";
import type { ServerConfig } from "../config/config.js";
import { StunAttr, StunMethod, attr, decodeStun, encodeStun, readXorAddress, transactionId } from "./stun.js";

/** Thrown when the STUN server gives no usable answer. */
export class StunDiscoveryError extends Error {
  override readonly name = "StunDiscoveryError";
}

/**
 * This machine's address as a STUN server at `server` (`host:port`) sees it: a Binding request
 * over UDP (RFC 8489 section 3), resent every 500 ms, and the XOR-MAPPED-ADDRESS of the
 * answer. On a cloud VM behind 1:1 NAT that is its public address.
 */
export async function discoverPublicAddress(server: string, options: { timeoutMs?: number; bindAddress?: string } = {}): Promise<string> {
  const colon = server.lastIndexOf(":");
  const host = server.slice(0, colon);
  const port = Number(server.slice(colon + 1));
  const socket = dgram.createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, options.bindAddress, () => resolve());
    });
    const id = transactionId();
    const request = encodeStun({ method: StunMethod.BINDING, cls: "request", transactionId: id }, { fingerprint: true });
    return await new Promise<string>((resolve, reject) => {
      const resend = setInterval(() => socket.send(request, port, host), 500);
      const timer = setTimeout(() => finish(new StunDiscoveryError(`no answer from STUN server ${server}`)), options.timeoutMs ?? 5000);
      const finish = (result: string | Error) => {
        clearInterval(resend);
        clearTimeout(timer);
        if (typeof result === "string") resolve(result);
        else reject(result);
      };
      socket.on("error", (error) => finish(error));
      socket.on("message", (data) => {
        const message = decodeStun(data);
        if (!message || !message.transactionId.equals(id) || message.method !== StunMethod.BINDING) return;
        const mapped = message.cls === "success" ? readXorAddress(attr(message, StunAttr.XOR_MAPPED_ADDRESS)) : undefined;
        finish(mapped ? mapped.address : new StunDiscoveryError(`STUN server ${server} gave no IPv4 mapped address`));
      });
      socket.send(request, port, host);
    });
  } finally {
    socket.close();
  }
}

/**
 * The configuration with `RTC_STUN_DISCOVERY` applied: when it is set and `RTC_ANNOUNCED_IPS`
 * is not, the discovered address is announced first, followed by the interface addresses (so
 * clients on the LAN keep their direct path). When discovery fails the server starts with the
 * interface addresses and says so.
 */
export async function withDiscoveredAddress(
  config: ServerConfig,
  log: Logger,
  /** The addresses announced without discovery (the SFU's `hostAddresses`). */
  interfaceAddresses: (rtc: ServerConfig["rtc"]) => string[],
  discover: (server: string) => Promise<string> = discoverPublicAddress,
): Promise<ServerConfig> {
  const server = config.rtc.stunDiscovery;
  if (server === undefined || config.rtc.announcedIps.length > 0) return config;
  try {
    const address = await discover(server);
    const announcedIps = [address, ...interfaceAddresses(config.rtc).filter((a) => a !== address)];
    log.info({ stunServer: server, address, announcedIps }, "public address discovered by STUN");
    return { ...config, rtc: { ...config.rtc, announcedIps } };
  } catch (error) {
    log.warn({ err: error, stunServer: server }, "STUN discovery failed; announcing the interface addresses only");
    return config;
  }
}
