import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { generate } from "selfsigned";
import type { ServerConfig } from "../config/config.js";

export interface TlsMaterial {
  cert: string;
  key: string;
  /** Where it came from, for the start-up message. */
  origin: "configured" | "generated" | "stored";
}

/**
 * The certificate for HTTPS: the configured files, else a self-signed one kept in
 * `dataDir/tls` (generated on first start, valid ten years, for localhost and this host's
 * addresses). Browsers warn once for a self-signed certificate; after that the LAN origin
 * is secure and camera and microphone work.
 */
export async function loadTls(config: ServerConfig, log: Logger): Promise<TlsMaterial> {
  if (config.tlsCertFile || config.tlsKeyFile) {
    if (!config.tlsCertFile || !config.tlsKeyFile) throw new Error("TLS_CERT and TLS_KEY must be set together");
    const [cert, key] = await Promise.all([readFile(config.tlsCertFile, "utf8"), readFile(config.tlsKeyFile, "utf8")]);
    return { cert, key, origin: "configured" };
  }
  const dir = path.resolve(config.dataDir, "tls");
  const certPath = path.join(dir, "self-signed.crt");
  const keyPath = path.join(dir, "self-signed.key");
  try {
    const [cert, key] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]);
    return { cert, key, origin: "stored" };
  } catch {
    // First start: generate below.
  }
  const ips = new Set<string>(["127.0.0.1", "::1"]);
  for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) ips.add(i.address.split("%")[0]!);
  const now = new Date();
  const pems = await generate([{ name: "commonName", value: "Confab self-signed" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 2, value: os.hostname() },
          ...[...ips].map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyPath, pems.private, { mode: 0o600 });
  await writeFile(certPath, pems.cert, { mode: 0o644 });
  log.info({ certPath }, "generated a self-signed certificate for HTTPS");
  return { cert: pems.cert, key: pems.private, origin: "generated" };
}
