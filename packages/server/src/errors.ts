import { ErrorCode, CloseCode } from "@confab/protocol";

/**
 * The server's error taxonomy, mapped to the wire:
 * - {@link ProtocolError}: the peer broke the protocol; replied with a fatal `error` and the
 *   socket closes with `closeCode`.
 * - {@link UserError}: a request that cannot be honoured (bad room name, already joined…);
 *   replied with a non-fatal `error`, the session continues.
 * - {@link InvalidStateError}: an object was used after `close()`.
 */
export class ConfabError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class ProtocolError extends ConfabError {
  override readonly name = "ProtocolError";
  constructor(
    code: ErrorCode,
    message: string,
    readonly closeCode: CloseCode = CloseCode.PROTOCOL_ERROR,
  ) {
    super(code, message);
  }
}

export class UserError extends ConfabError {
  override readonly name = "UserError";
}

export class InvalidStateError extends ConfabError {
  override readonly name = "InvalidStateError";
  constructor(message: string) {
    super(ErrorCode.BAD_STATE, message);
  }
}
