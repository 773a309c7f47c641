import { ErrorCode } from "@confab/protocol";
import { ClientError } from "./errors.js";

/**
 * Refusals of a token that a rejoin gets past by joining without it: a server restarted with
 * another API secret no longer knows the token's signature, or the link expired.
 */
const TOKEN_REFUSED: ReadonlySet<string> = new Set([ErrorCode.TOKEN_INVALID, ErrorCode.TOKEN_EXPIRED, ErrorCode.TOKEN_NOT_YET_VALID]);

/** A join to make with the best token this client holds. */
export interface TokenJoin {
  /** The creator's moderator token, when the server gave one: tried first, so the role survives a rejoin. */
  moderatorToken: string | undefined;
  /** The page's own token (`?token=`). */
  pageToken: string | undefined;
  /** A rejoin after a dropped connection: joining without any token is the last try. */
  rejoin: boolean;
  /** Sends `join` with `token` (none: `undefined`) and waits for `joined` or the refusal. */
  send(token: string | undefined): Promise<void>;
  /** The moderator token was refused: it is no use any more. */
  dropModeratorToken(): void;
}

/**
 * Joins with the best token held: the moderator token, else the page's own. On a rejoin, a
 * token the server refuses (it restarted with another API secret, or the link expired) is
 * dropped and the next one tried, down to none: the person comes back as the room's policy
 * allows. A first join never drops the page's token (its refusal is what the person must see).
 */
export async function joinWithBestToken(join: TokenJoin): Promise<void> {
  const held = [...new Set([join.moderatorToken, join.pageToken])].filter((t): t is string => t !== undefined);
  const tokens: (string | undefined)[] = held.length === 0 || join.rejoin ? [...held, undefined] : held;
  let refusal: ClientError | undefined;
  for (const [i, token] of tokens.entries()) {
    try {
      return await join.send(token);
    } catch (error) {
      const last = i === tokens.length - 1;
      if (!(error instanceof ClientError) || !TOKEN_REFUSED.has(error.code) || last) {
        // Without any token the server wants one: the refused token is what to report.
        throw refusal && error instanceof ClientError && error.code === ErrorCode.AUTH_REQUIRED ? refusal : error;
      }
      refusal ??= error;
      if (token === join.moderatorToken) join.dropModeratorToken();
    }
  }
}
