// Sliding-window limits on subscription requests, in memory: one process serves the endpoints, and a restart
// forgetting the windows only gives a few requests back.
import { BlockList, isIP, isIPv4 } from 'node:net';

/** At most `limit` requests per key in any `windowMs` span. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** What the limiter decided; a refused request is not counted. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Wrong tokens or passwords (the admin's, a webhook's) a client may show before it must wait. */
export const wrongCredentialLimit: RateLimit = { limit: 10, windowMs: 15 * 60_000 };

/** Keys kept at most; past this the least recently used are dropped (bounds memory under a flood of addresses). */
const maxKeys = 100_000;

/** Counts requests per key over a sliding window (a log of timestamps, at most `limit` per key). */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(readonly rule: RateLimit) {}

  private recent(key: string, nowMs: number): number[] {
    const since = nowMs - this.rule.windowMs;
    return (this.hits.get(key) ?? []).filter((t) => t > since);
  }

  private decide(log: readonly number[], nowMs: number): RateDecision {
    if (log.length < this.rule.limit) return { allowed: true };
    const oldest = log[0] ?? nowMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.rule.windowMs - nowMs) / 1000)) };
  }

  /** Whether a request for `key` at `nowMs` would be allowed, without counting it. */
  peek(key: string, nowMs: number): RateDecision {
    return this.decide(this.recent(key, nowMs), nowMs);
  }

  /** Counts a request for `key` at `nowMs` if the window has room. */
  hit(key: string, nowMs: number): RateDecision {
    const log = this.recent(key, nowMs);
    const decision = this.decide(log, nowMs);
    this.hits.delete(key);
    if (!decision.allowed) {
      this.hits.set(key, log);
      return decision;
    }
    log.push(nowMs);
    this.hits.set(key, log);
    if (this.hits.size > maxKeys) this.hits.delete(this.hits.keys().next().value ?? '');
    return { allowed: true };
  }
}

/**
 * The key a client address is limited by: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 network, since
 * one host usually holds a whole /64.
 */
export function clientKey(given: string): string {
  const address = unmapped(given);
  if (isIPv4(address) || !address.includes(':')) return address;
  const [head = '', tail] = address.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, as a server on `::` sees IPv4 peers) as IPv4; others as they are. */
function unmapped(address: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
}

/** The reverse proxies whose `X-Forwarded-For` is believed, from addresses and CIDR blocks (see resolveOptions). */
export function proxyList(blocks: readonly string[]): BlockList {
  const list = new BlockList();
  for (const block of blocks) {
    const [address = '', prefix] = block.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/**
 * The address of the client a request came from over a connection from `peer`: the peer itself, unless it is one of
 * `proxies`; then the nearest `X-Forwarded-For` entry, read from the right, that is no proxy of the list (each proxy
 * appends the address it was reached from; entries left of the first stranger are whatever the client wrote).
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, proxies: BlockList | null): string {
  const isProxy = (address: string): boolean => {
    const plain = unmapped(address);
    const type = isIP(plain);
    return type !== 0 && proxies !== null && proxies.check(plain, type === 6 ? 'ipv6' : 'ipv4');
  };
  if (!isProxy(peer)) return peer;
  const hops = (forwardedFor ?? '').split(',').map((hop) => hop.trim()).filter((hop) => hop !== '');
  for (let i = hops.length - 1; i >= 0; i--) if (!isProxy(hops[i] ?? '')) return hops[i] ?? peer;
  return hops[0] ?? peer;
}
