import { createHash, createHmac, randomBytes } from "node:crypto";
import { isIPv4 } from "node:net";

/**
 * A small STUN codec (RFC 8489) with the TURN attributes (RFC 8656) that the server's STUN
 * address discovery and the TURN tests need. It encodes and decodes; it keeps no state.
 */

/** RFC 8489 section 5: the magic cookie in every STUN header. */
export const MAGIC_COOKIE = 0x2112a442;

/** Methods (RFC 8489 section 18.2, RFC 8656 section 17). */
export const StunMethod = { BINDING: 0x001, ALLOCATE: 0x003, REFRESH: 0x004, SEND: 0x006, DATA: 0x007, CREATE_PERMISSION: 0x008 } as const;

/** Classes (RFC 8489 section 5). */
export type StunClass = "request" | "indication" | "success" | "error";

/** Attribute types (RFC 8489 section 18.3, RFC 8656 section 18). */
export const StunAttr = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
  FINGERPRINT: 0x8028,
} as const;

/** A decoded STUN message: method, class, transaction id and attributes in order. */
export interface StunMessage {
  method: number;
  cls: StunClass;
  transactionId: Buffer;
  attributes: { type: number; value: Buffer }[];
}

/** An IPv4 transport address. */
export interface StunAddress {
  address: string;
  port: number;
}

const CLASS_BITS: Record<StunClass, number> = { request: 0x000, indication: 0x010, success: 0x100, error: 0x110 };

function messageType(method: number, cls: StunClass): number {
  // RFC 8489 section 5: the class bits sit between the method bits.
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | CLASS_BITS[cls];
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function attribute(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc(4 + pad4(value.length));
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

/** A new random 96-bit transaction id. */
export function transactionId(): Buffer {
  return randomBytes(12);
}

/** The long-term credential key (RFC 8489 section 9.2.2): MD5(username ":" realm ":" password). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash("md5").update(`${username}:${realm}:${password}`).digest();
}

/**
 * Encodes a message. With `integrityKey`, MESSAGE-INTEGRITY (HMAC-SHA1 over the message with
 * the length covering it, section 14.5) follows the attributes; FINGERPRINT comes last.
 */
export function encodeStun(
  message: Omit<StunMessage, "attributes"> & { attributes?: StunMessage["attributes"] },
  options: { integrityKey?: Buffer; fingerprint?: boolean } = {},
): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(messageType(message.method, message.cls), 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  message.transactionId.copy(header, 8);
  let body = Buffer.concat((message.attributes ?? []).map((a) => attribute(a.type, a.value)));
  const withLength = (extra: number) => {
    header.writeUInt16BE(body.length + extra, 2);
    return Buffer.concat([header, body]);
  };
  if (options.integrityKey) {
    const hmac = createHmac("sha1", options.integrityKey).update(withLength(24)).digest();
    body = Buffer.concat([body, attribute(StunAttr.MESSAGE_INTEGRITY, hmac)]);
  }
  if (options.fingerprint) {
    const crc = (crc32(withLength(8)) ^ 0x5354554e) >>> 0;
    const value = Buffer.alloc(4);
    value.writeUInt32BE(crc, 0);
    body = Buffer.concat([body, attribute(StunAttr.FINGERPRINT, value)]);
  }
  return withLength(0);
}

/** Decodes a STUN message, or undefined when `data` is not one (wrong cookie, bad lengths). */
export function decodeStun(data: Buffer): StunMessage | undefined {
  if (data.length < 20 || (data[0]! & 0xc0) !== 0 || data.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const type = data.readUInt16BE(0);
  const length = data.readUInt16BE(2);
  if (length % 4 !== 0 || 20 + length > data.length) return undefined;
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const bits = type & 0x110;
  const cls = (Object.keys(CLASS_BITS) as StunClass[]).find((c) => CLASS_BITS[c] === bits)!;
  const attributes: StunMessage["attributes"] = [];
  for (let at = 20; at + 4 <= 20 + length; ) {
    const attrType = data.readUInt16BE(at);
    const attrLength = data.readUInt16BE(at + 2);
    if (at + 4 + attrLength > 20 + length) return undefined;
    attributes.push({ type: attrType, value: data.subarray(at + 4, at + 4 + attrLength) });
    at += 4 + pad4(attrLength);
  }
  return { method, cls, transactionId: Buffer.from(data.subarray(8, 20)), attributes };
}

/** The first attribute of `type`, if any. */
export function attr(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((a) => a.type === type)?.value;
}

/** ERROR-CODE (section 14.8) as a number, e.g. 401, 403, 438. */
export function errorCode(message: StunMessage): number | undefined {
  const value = attr(message, StunAttr.ERROR_CODE);
  if (!value || value.length < 4) return undefined;
  return (value[2]! & 0x7) * 100 + value[3]!;
}

/** An XOR-…-ADDRESS value for an IPv4 address (section 14.2). */
export function xorAddress(address: StunAddress): Buffer {
  if (!isIPv4(address.address)) throw new TypeError(`not an IPv4 address: ${address.address}`);
  const out = Buffer.alloc(8);
  out[1] = 0x01;
  out.writeUInt16BE(address.port ^ (MAGIC_COOKIE >>> 16), 2);
  const ip = address.address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  out.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 4);
  return out;
}

/** Reads an IPv4 XOR-…-ADDRESS value, or undefined for IPv6 or malformed ones. */
export function readXorAddress(value: Buffer | undefined): StunAddress | undefined {
  if (!value || value.length !== 8 || value[1] !== 0x01) return undefined;
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const ip = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return { address: [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join("."), port };
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309), as FINGERPRINT uses it. */
function crc32(data: Buffer): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
