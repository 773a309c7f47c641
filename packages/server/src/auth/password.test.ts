import { describe, expect, it } from "vitest";
import { MAX_PASSWORD_LENGTH } from "@confab/protocol";
import { hashPassword, isPasswordHash, verifyPassword } from "./password.js";

describe("room passwords", () => {
  it("a hash verifies its password and no other, and says how it was made", async () => {
    const hash = await hashPassword("s3cret");
    expect(hash).toMatch(/^scrypt\$14\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyPassword("s3cret", hash)).toBe(true);
    expect(await verifyPassword("s3cret ", hash)).toBe(false);
    expect(await verifyPassword("S3cret", hash)).toBe(false);
  });

  it("the same password hashes differently each time (random salt)", async () => {
    const [a, b] = await Promise.all([hashPassword("same"), hashPassword("same")]);
    expect(a).not.toBe(b);
  });

  it("composed and decomposed accents are the same password", async () => {
    const hash = await hashPassword("caf\u00e9");
    expect(await verifyPassword("cafe\u0301", hash)).toBe(true);
  });

  it("refuses an empty or over-long password without hashing it", async () => {
    const hash = await hashPassword("x".repeat(MAX_PASSWORD_LENGTH));
    expect(await verifyPassword("x".repeat(MAX_PASSWORD_LENGTH), hash)).toBe(true);
    const started = performance.now();
    expect(await verifyPassword("x".repeat(MAX_PASSWORD_LENGTH + 1), hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
    expect(performance.now() - started).toBeLessThan(5);
    await expect(hashPassword("")).rejects.toThrow(RangeError);
    await expect(hashPassword("x".repeat(MAX_PASSWORD_LENGTH + 1))).rejects.toThrow(RangeError);
  });

  it("malformed encodings verify as false and never throw", async () => {
    const good = await hashPassword("pw");
    const parts = good.split("$");
    const malformed = [
      "",
      "plain",
      "scrypt$15$8$1$",
      good.replace("scrypt", "bcrypt"),
      good + "$extra",
      parts.slice(0, 5).join("$"),
      [...parts.slice(0, 4), "!!notbase64!!", parts[5]].join("$"),
      [...parts.slice(0, 4), parts[4], "AAAA"].join("$"),
      ["scrypt", "x", "8", "1", parts[4], parts[5]].join("$"),
      ["scrypt", "15", "-8", "1", parts[4], parts[5]].join("$"),
      "scrypt$15$8$1$" + "A".repeat(300),
      null as unknown as string,
    ];
    for (const m of malformed) expect(await verifyPassword("pw", m), String(m)).toBe(false);
    for (const m of malformed) expect(isPasswordHash(m), String(m)).toBe(false);
    expect(isPasswordHash(good)).toBe(true);
  });

  it("a stored hash tampered to ask for huge scrypt costs is refused at once", async () => {
    const [, , , , salt, hash] = (await hashPassword("pw")).split("$");
    const started = performance.now();
    for (const [n, r, p] of [["40", "8", "1"], ["20", "8", "1"], ["15", "32", "1"], ["15", "8", "16"], ["17", "8", "1"], ["999", "8", "1"]]) {
      expect(await verifyPassword("pw", ["scrypt", n, r, p, salt, hash].join("$"))).toBe(false);
    }
    expect(performance.now() - started).toBeLessThan(50);
  });

  it("a hash with other sane parameters still verifies (costs can change later)", async () => {
    const [, , , , salt] = (await hashPassword("pw")).split("$");
    const { scryptSync } = await import("node:crypto");
    const key = scryptSync("pw", Buffer.from(salt!, "base64"), 32, { N: 2 ** 13, r: 8, p: 1 });
    expect(await verifyPassword("pw", `scrypt$13$8$1$${salt}$${key.toString("base64")}`)).toBe(true);
    // What hashes were made with before (N = 2^15) stays verifiable.
    const older = scryptSync("pw", Buffer.from(salt!, "base64"), 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    expect(await verifyPassword("pw", `scrypt$15$8$1$${salt}$${older.toString("base64")}`)).toBe(true);
  });
});
