import { ROOM_NAME_PATTERN } from "@confab/protocol";

const CONSONANTS = "bcdfghjkmnpqrstvwxz";
const VOWELS = "aeiou";

/** Whether `name` can be a room (`[A-Za-z0-9_-]{1,64}`, the server's rule). */
export function isValidRoomName(name: string): boolean {
  return ROOM_NAME_PATTERN.test(name);
}

/**
 * A random, pronounceable, hard-to-guess room name like `bado-kufe-mizo` (three groups of
 * consonant-vowel pairs: ~2^35 possibilities).
 */
export function randomRoomName(random: () => number = cryptoRandom): string {
  const pick = (s: string) => s[Math.floor(random() * s.length)]!;
  const group = () => pick(CONSONANTS) + pick(VOWELS) + pick(CONSONANTS) + pick(VOWELS);
  return `${group()}-${group()}-${group()}`;
}

function cryptoRandom(): number {
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return buf[0]! / 2 ** 32;
}

/** The room named by a path like `/standup`, `undefined` for `/`, `null` when not a room. */
export function roomFromPath(pathname: string): string | undefined | null {
  const raw = pathname.replace(/^\/+|\/+$/g, "");
  if (raw === "") return undefined;
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return isValidRoomName(name) ? name : null;
}
