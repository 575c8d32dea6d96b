// Types of `apnspush/redis-queue` (lib/redis-queue.js): producer helpers for `apnspush
// worker` over an ioredis client (docs/WORKER.md).
import type { Redis } from 'ioredis'

export declare const NOTIFICATIONS: 'apnspush:notifications'
export declare const OUTCOMES: 'apnspush:outcomes'
export declare const DEAD_LETTERS: 'apnspush:dead'
/** The fields of an outcome entry, in the order the worker writes them (snake_case). */
export declare const OUTCOME_FIELDS: readonly string[]

/** One line of `apnspush send`'s JSONL input (docs/CLI.md): `token` or `channel_id`, ... */
export type Notification = { token: string } | { channel_id: string } | Record<string, unknown>

/** A decoded outcome entry. */
export interface QueueOutcome {
  /** The notification entry's id (what `enqueue` resolved to). */
  entry: string
  /** The notification's `ref`, JSON-decoded; null when it had none. */
  ref: unknown
  token: string | null
  channelId: string | null
  kind: 'accepted' | 'rejected' | 'failed' | 'expired'
  /** HTTP/2 status; 0 when the server gave none. */
  status: number
  /** Apple's reason, or the library's message for `failed`; '' when accepted. */
  reason: string
  /** For a 410: when the token stopped being valid (ms since the epoch). */
  timestamp: number | null
  apnsId: string | null
  /** Times Redis delivered the entry to a worker of the group. */
  attempts: number
  /** The notification may have been sent more than once. */
  duplicatePossible: boolean
  /** The consumer name of the worker that pushed it. */
  worker: string
}

export interface DeadLetter {
  entry: string
  reason: string
  /** The raw `n` value; '' when the entry had none. */
  n: string
}

export interface ReadOptions {
  stream?: string
  /** Read entries after this id (default '0-0'). */
  from?: string
  /** At most this many (default 1000). */
  count?: number
  /** Wait up to this many ms for the first entry (unset: no wait; 0: forever). */
  block?: number
}

export declare function enqueue(redis: Redis, notification: Notification, options?: { stream?: string, maxlen?: number }): Promise<string>
export declare function enqueueMany(redis: Redis, notifications: Iterable<Notification>, options?: { stream?: string, batch?: number }): Promise<string[]>
export declare function readOutcomes(redis: Redis, options?: ReadOptions): Promise<Array<{ id: string, outcome: QueueOutcome }>>
export declare function readDeadLetters(redis: Redis, options?: ReadOptions): Promise<Array<{ id: string, dead: DeadLetter }>>
export declare function decodeOutcome(fields: Record<string, string>): QueueOutcome
