import { AttemptLimiter } from "../auth/AttemptLimiter.js";
import { addressKey } from "../auth/PasswordGuard.js";
import type { ServerConfig } from "../config/config.js";
import { isLoopback } from "../net/address.js";

/**
 * Per-address budgets for signaling: open sockets at once, new sockets, joins and new rooms
 * per minute (token buckets with bounded memory). One address cannot open thousands of
 * sessions, nor create rooms until real meetings get ROOM_FULL.
 */
export class AddressLimits {
  private readonly open = new Map<string, number>();
  private readonly connections: AttemptLimiter;
  private readonly joins: AttemptLimiter;
  private readonly rooms: AttemptLimiter;

  constructor(private readonly config: ServerConfig["signaling"]) {
    const { connectionsPerMinute, joinsPerMinute, roomsPerMinute } = config.perAddress;
    this.connections = new AttemptLimiter({ burst: connectionsPerMinute, refillPerMinute: connectionsPerMinute });
    this.joins = new AttemptLimiter({ burst: joinsPerMinute, refillPerMinute: joinsPerMinute });
    this.rooms = new AttemptLimiter({ burst: roomsPerMinute, refillPerMinute: roomsPerMinute });
  }

  private exempt(address: string): boolean {
    return this.config.exemptLoopback && isLoopback(address);
  }

  /** A new socket from `address`: false when it has too many open or opened too many lately. */
  openConnection(address: string): boolean {
    if (this.exempt(address)) return true;
    const key = addressKey(address);
    const open = this.open.get(key) ?? 0;
    if (open >= this.config.perAddress.maxConnections || !this.connections.consume(key)) return false;
    this.open.set(key, open + 1);
    return true;
  }

  /** A socket `openConnection` accepted has closed. */
  closeConnection(address: string): void {
    if (this.exempt(address)) return;
    const key = addressKey(address);
    const open = (this.open.get(key) ?? 1) - 1;
    if (open <= 0) this.open.delete(key);
    else this.open.set(key, open);
  }

  /** One join attempt from `address`; false when over budget. */
  join(address: string): boolean {
    return this.exempt(address) || this.joins.consume(addressKey(address));
  }

  /** `address` is about to create a room (start a meeting); false when over budget. */
  createRoom(address: string): boolean {
    return this.exempt(address) || this.rooms.consume(addressKey(address));
  }
}
