import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { FeeMempool, FULL_CHECK_POOL_MAX, MEMPOOL_REJECTIONS, type AddResult, type MempoolConfig, type MempoolRejection, type PoolTx } from "../../src/mempool/fee-mempool.js";
import { ModelPool, tx } from "../helpers/mempool-model.js";

const CONFIG: MempoolConfig = { capacity: 100, minFee: 1n, replaceBumpPercent: 10, ttlUs: 1_000, maxNonceGap: 16, perSenderMax: 16 };

function pool(overrides: Partial<MempoolConfig> = {}): FeeMempool<PoolTx> {
  return new FeeMempool<PoolTx>({ ...CONFIG, ...overrides });
}

/** Adds with the account nonce 0 at time 0 and expects acceptance; returns the result. */
function accept(p: FeeMempool<PoolTx>, t: PoolTx, nowUs = 0, accountNonce = 0n): AddResult<PoolTx> & { accepted: true } {
  const result = p.add(t, nowUs, accountNonce);
  if (!result.accepted) throw new Error(`expected ${t.id} accepted, got ${result.reason}`);
  p.checkInvariants();
  return result;
}

function reason(result: AddResult<PoolTx>): MempoolRejection | "accepted" {
  return result.accepted ? "accepted" : result.reason;
}

const zeroNonces = (): bigint => 0n;
const all = (): boolean => true;
const ids = (txs: readonly PoolTx[]): string[] => txs.map((t) => t.id);

describe("fee mempool: selection order", () => {
  it("takes the highest fee across senders first, ties by arrival", () => {
    // Goal: one tx per sender, so selection is pure fee order; equal fees go by arrival.
    const p = pool();
    const a = tx("aa", 0, 5);
    const b = tx("bb", 0, 9);
    const c = tx("cc", 0, 5);
    const d = tx("dd", 0, 7);
    for (const t of [a, b, c, d]) accept(p, t);
    expect(ids(p.select(10, zeroNonces, all))).toEqual(ids([b, d, a, c]));
    expect(ids(p.select(2, zeroNonces, all))).toEqual(ids([b, d]));
    expect(p.size).toBe(4);
  });

  it("keeps nonce order within a sender even when a later nonce pays more", () => {
    // Goal: aa's nonce 1 pays 100 but must wait for aa's nonce 0 (fee 1), which loses to bb's 50.
    const p = pool();
    const a0 = tx("aa", 0, 1);
    const a1 = tx("aa", 1, 100);
    const b0 = tx("bb", 0, 50);
    accept(p, a1);
    accept(p, a0);
    accept(p, b0);
    expect(ids(p.select(10, zeroNonces, all))).toEqual(ids([b0, a0, a1]));
  });

  it("holds back a nonce gap until it is filled", () => {
    // Goal: nonce 2 is queued behind the missing nonce 1 and is neither ready nor selected.
    const p = pool();
    const a0 = tx("aa", 0, 5);
    const a2 = tx("aa", 2, 50);
    accept(p, a0);
    accept(p, a2);
    expect(p.readyCount()).toBe(1);
    expect(ids(p.select(10, zeroNonces, all))).toEqual(ids([a0]));
    const a1 = tx("aa", 1, 5);
    accept(p, a1);
    expect(p.readyCount()).toBe(3);
    expect(ids(p.select(10, zeroNonces, all))).toEqual(ids([a0, a1, a2]));
  });

  it("starts each sender at nonceOf(sender), which may differ from the account nonce told", () => {
    // Goal: a block built on an uncommitted parent where aa already used nonce 0.
    const p = pool();
    const a0 = tx("aa", 0, 9);
    const a1 = tx("aa", 1, 8);
    const b0 = tx("bb", 0, 7);
    for (const t of [a0, a1, b0]) accept(p, t);
    const nonceOf = (sender: string): bigint => (sender === "aa" ? 1n : 0n);
    expect(ids(p.select(10, nonceOf, all))).toEqual(ids([a1, b0]));
    expect(ids(p.select(10, () => 5n, all))).toEqual([]);
  });

  it("skips the rest of a sender once tryInclude refuses one of its transactions", () => {
    // Goal: aa's nonce 1 does not fit, so aa's nonce 2 cannot execute and is never offered.
    const p = pool();
    const a = [tx("aa", 0, 9), tx("aa", 1, 8), tx("aa", 2, 7)];
    const b = [tx("bb", 0, 6), tx("bb", 1, 5)];
    for (const t of [...a, ...b]) accept(p, t);
    const offered: string[] = [];
    const chosen = p.select(10, zeroNonces, (t) => {
      offered.push(t.id);
      return t.id !== a[1]!.id;
    });
    expect(offered).toEqual(ids([a[0]!, a[1]!, b[0]!, b[1]!]));
    expect(ids(chosen)).toEqual(ids([a[0]!, b[0]!, b[1]!]));
  });

  it("refuses to be mutated from a select callback", () => {
    const p = pool();
    accept(p, tx("aa", 0, 5));
    expect(() => p.select(1, zeroNonces, () => p.add(tx("bb", 0, 5), 0, 0n).accepted)).toThrow(/select callback/);
    expect(p.size).toBe(1);
    p.checkInvariants();
  });
});

describe("fee mempool: admission", () => {
  it("replace-by-fee: the exact bump accepts, one below refuses", () => {
    // Goal: with a 10% bump, 100 needs 110; 101 needs ceil(111.1) = 112.
    const p = pool();
    const old = tx("aa", 0, 100);
    accept(p, old);
    expect(reason(p.add(tx("aa", 0, 109), 0, 0n))).toBe("replacement-underpriced");
    const bumped = tx("aa", 0, 110);
    const result = accept(p, bumped);
    expect(result.replaced?.id).toBe(old.id);
    expect(result.evicted).toEqual([]);
    expect(p.has(old.id)).toBe(false);
    expect(p.size).toBe(1);

    const q = pool();
    accept(q, tx("bb", 0, 101));
    expect(reason(q.add(tx("bb", 0, 111), 0, 0n))).toBe("replacement-underpriced");
    expect(accept(q, tx("bb", 0, 112)).replaced?.fee).toBe(101n);
  });

  it("replace-by-fee with a zero bump still needs a strictly higher fee", () => {
    const p = pool({ replaceBumpPercent: 0 });
    accept(p, tx("aa", 0, 100));
    expect(reason(p.add(tx("aa", 0, 100, 1), 0, 0n))).toBe("replacement-underpriced");
    expect(accept(p, tx("aa", 0, 101)).replaced?.fee).toBe(100n);
  });

  it("a replacement does not count against capacity or the sender limit", () => {
    const p = pool({ capacity: 2, perSenderMax: 2 });
    accept(p, tx("aa", 0, 10));
    accept(p, tx("aa", 1, 10));
    const result = accept(p, tx("aa", 1, 20));
    expect(result.evicted).toEqual([]);
    expect(p.size).toBe(2);
  });

  it("refuses a duplicate id", () => {
    const p = pool();
    const t = tx("aa", 0, 5);
    accept(p, t);
    expect(p.add(t, 0, 0n)).toEqual({ accepted: false, reason: "duplicate" });
    expect(p.size).toBe(1);
  });

  it("every rejection reason is reachable and MEMPOOL_REJECTIONS lists each once", () => {
    // Goal: one small scenario per reason; their union is exactly the exported list.
    const scenarios: Record<MempoolRejection, () => AddResult<PoolTx>> = {
      duplicate: () => {
        const p = pool();
        accept(p, tx("aa", 0, 5));
        return p.add(tx("aa", 0, 5), 0, 0n);
      },
      "nonce-too-low": () => pool().add(tx("aa", 2, 5), 0, 3n),
      "nonce-too-far": () => {
        const p = pool({ maxNonceGap: 4 });
        expect(reason(p.add(tx("aa", 7, 5), 0, 3n))).toBe("accepted");
        return p.add(tx("aa", 8, 5), 0, 3n);
      },
      "fee-too-low": () => {
        const p = pool({ minFee: 5n });
        expect(reason(p.add(tx("aa", 0, 5), 0, 0n))).toBe("accepted");
        return p.add(tx("bb", 0, 4), 0, 0n);
      },
      "replacement-underpriced": () => {
        const p = pool();
        accept(p, tx("aa", 0, 100));
        return p.add(tx("aa", 0, 105), 0, 0n);
      },
      "pool-full": () => {
        const p = pool({ capacity: 1 });
        accept(p, tx("aa", 0, 5));
        return p.add(tx("bb", 0, 5), 0, 0n);
      },
      "sender-full": () => {
        const p = pool({ perSenderMax: 2 });
        accept(p, tx("aa", 0, 5));
        accept(p, tx("aa", 1, 5));
        return p.add(tx("aa", 2, 5), 0, 0n);
      },
    };
    for (const [expected, run] of Object.entries(scenarios)) expect(reason(run()), expected).toBe(expected);
    expect([...MEMPOOL_REJECTIONS].sort()).toEqual(Object.keys(scenarios).sort());
    expect(new Set(MEMPOOL_REJECTIONS).size).toBe(MEMPOOL_REJECTIONS.length);
  });

  it("rejects malformed input and config as programmer errors", () => {
    expect(() => pool({ capacity: 0 })).toThrow(RangeError);
    expect(() => pool({ replaceBumpPercent: 1.5 })).toThrow(RangeError);
    expect(() => pool({ ttlUs: -1 })).toThrow(RangeError);
    expect(() => pool({ perSenderMax: 0 })).toThrow(RangeError);
    const p = pool();
    expect(() => p.add({ ...tx("aa", 0, 5), nonce: -1n }, 0, 0n)).toThrow(RangeError);
    expect(() => p.add({ ...tx("aa", 0, 5), bytes: 1.5 }, 0, 0n)).toThrow(RangeError);
    expect(() => p.add(tx("aa", 0, 5), Number.NaN, 0n)).toThrow(RangeError);
    expect(() => p.add(tx("aa", 0, 5), 0, -1n)).toThrow(RangeError);
    expect(() => p.add(tx("aa", 0, 5), 0, 0 as unknown as bigint)).toThrow(RangeError);
    expect(p.size).toBe(0);
  });
});

describe("fee mempool: capacity eviction", () => {
  it("evicts the cheapest sender-top, never a lower nonce, so no gap opens", () => {
    // Goal: aa's nonce 0 is the cheapest tx overall, but evicting it would strand aa's nonce 1.
    const p = pool({ capacity: 3 });
    const a0 = tx("aa", 0, 1);
    const a1 = tx("aa", 1, 50);
    const b0 = tx("bb", 0, 10);
    for (const t of [a0, a1, b0]) accept(p, t);
    const result = accept(p, tx("cc", 0, 20));
    expect(ids(result.evicted)).toEqual(ids([b0]));
    expect(p.has(a0.id)).toBe(true);
    expect(p.size).toBe(3);
    expect(p.readyCount()).toBe(3);
  });

  it("evicts the later arrival among equal-fee candidates, and an equal fee newcomer loses", () => {
    const p = pool({ capacity: 2 });
    const early = tx("aa", 0, 10);
    const late = tx("bb", 0, 10);
    accept(p, early);
    accept(p, late);
    expect(reason(p.add(tx("cc", 0, 10), 0, 0n))).toBe("pool-full");
    expect(ids(accept(p, tx("cc", 0, 11)).evicted)).toEqual(ids([late]));
    expect(p.has(early.id)).toBe(true);
  });

  it("a newcomer above its own sender's top competes as that sender's top", () => {
    // Goal: aa0 (fee 1) is the cheapest top, but aa1 would sit on it; so bb0 (fee 2) goes.
    const p = pool({ capacity: 2 });
    const a0 = tx("aa", 0, 1);
    const b0 = tx("bb", 0, 2);
    accept(p, a0);
    accept(p, b0);
    const result = accept(p, tx("aa", 1, 10));
    expect(ids(result.evicted)).toEqual(ids([b0]));
    expect(p.has(a0.id)).toBe(true);
    // Now aa1 (fee 10) is aa's top; a cheaper aa2 would be the cheapest top itself.
    expect(reason(p.add(tx("aa", 2, 5), 0, 0n))).toBe("pool-full");
    // With only one sender held there is nothing else to evict.
    const q = pool({ capacity: 1 });
    accept(q, tx("aa", 0, 1));
    expect(reason(q.add(tx("aa", 1, 100), 0, 0n))).toBe("pool-full");
  });

  it("a newcomer filling a gap below its own sender's top may evict that top", () => {
    // Goal: aa holds only nonce 1 (queued); aa0 outbids it, evicts it and becomes ready.
    const p = pool({ capacity: 2 });
    const a1 = tx("aa", 1, 3);
    accept(p, a1);
    accept(p, tx("bb", 0, 9));
    expect(reason(p.add(tx("aa", 0, 3), 0, 0n))).toBe("pool-full");
    const result = accept(p, tx("aa", 0, 4));
    expect(ids(result.evicted)).toEqual(ids([a1]));
    expect(p.readyCount()).toBe(2);
  });
});

describe("fee mempool: expiry and commits", () => {
  it("expire drops what arrived more than ttlUs ago, oldest first", () => {
    const p = pool({ ttlUs: 100 });
    const a0 = tx("aa", 0, 5);
    const b0 = tx("bb", 0, 5);
    const a1 = tx("aa", 1, 5);
    accept(p, a0, 0);
    accept(p, b0, 10);
    accept(p, a1, 20);
    expect(p.expire(100)).toEqual([]);
    expect(ids(p.expire(111))).toEqual(ids([a0, b0]));
    p.checkInvariants();
    // aa's nonce 0 went, so nonce 1 is queued behind a gap now.
    expect(p.readyCount()).toBe(0);
    expect(p.size).toBe(1);
    expect(ids(p.expire(1_000))).toEqual(ids([a1]));
    expect(p.size).toBe(0);
    p.checkInvariants();
  });

  it("a replacement arrives anew and restarts its lifetime", () => {
    const p = pool({ ttlUs: 100 });
    accept(p, tx("aa", 0, 100), 0);
    const bumped = tx("aa", 0, 200);
    accept(p, bumped, 50);
    expect(p.expire(120)).toEqual([]);
    expect(ids(p.expire(151))).toEqual(ids([bumped]));
  });

  it("removeCommitted drops nonces below the new account nonce and re-counts the ready run", () => {
    const p = pool();
    const a = [0, 1, 2, 4].map((n) => tx("aa", n, 5));
    const b0 = tx("bb", 0, 5);
    for (const t of [...a, b0]) accept(p, t);
    expect(p.readyCount()).toBe(4);
    const dropped = p.removeCommitted(new Map([["aa", 3n], ["zz", 9n], ["bb", 0n]]));
    p.checkInvariants();
    expect(ids(dropped)).toEqual(ids(a.slice(0, 3)));
    expect(p.size).toBe(2);
    // aa's account nonce is 3 and 3 is missing: aa4 stays queued.
    expect(p.readyCount()).toBe(1);
    expect(ids(p.select(10, (s) => (s === "aa" ? 3n : 0n), all))).toEqual(ids([b0]));
    accept(p, tx("aa", 3, 5), 0, 3n);
    expect(p.readyCount()).toBe(3);
    expect(ids(p.removeCommitted(new Map([["aa", 10n], ["bb", 1n]]))).length).toBe(3);
    expect(p.size).toBe(0);
    expect(p.readyCount()).toBe(0);
    p.checkInvariants();
  });

  it("the account nonce told by an accepted add moves the ready run", () => {
    const p = pool();
    for (const n of [0, 1, 2]) accept(p, tx("aa", n, 5), 0, 0n);
    expect(p.readyCount()).toBe(3);
    // Nonce 0 and 1 were committed elsewhere; this add says so before removeCommitted does.
    accept(p, tx("aa", 3, 5), 0, 2n);
    expect(p.readyCount()).toBe(2);
    expect(p.size).toBe(4);
  });
});

// ---------------------------------------------------------------------------
// Property tests against a naive reference model.
// ---------------------------------------------------------------------------

// ModelPool, the pool's rules written the slow, obvious way, lives in test/helpers/mempool-model.ts
// (test/unit/mempool-model.test.ts drives it with fast-check commands too).

const SENDERS = ["a1", "b2", "c3", "d4"] as const;

type Op =
  | { readonly kind: "add"; readonly sender: number; readonly nonceDelta: number; readonly fee: number; readonly salt: number; readonly dtUs: number }
  | { readonly kind: "commit"; readonly advances: readonly (readonly [number, number])[] }
  | { readonly kind: "expire"; readonly dtUs: number }
  | { readonly kind: "select"; readonly max: number; readonly nonceOffsets: readonly number[]; readonly refuseMask: number };

const configArb: fc.Arbitrary<MempoolConfig> = fc.record({
  capacity: fc.integer({ min: 1, max: 10 }),
  minFee: fc.bigInt({ min: 0n, max: 3n }),
  replaceBumpPercent: fc.constantFrom(0, 10, 25, 100),
  ttlUs: fc.integer({ min: 0, max: 60 }),
  maxNonceGap: fc.integer({ min: 0, max: 6 }).map((gap) => Math.max(gap, 2)),
  perSenderMax: fc.integer({ min: 1, max: 5 }),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      sender: fc.integer({ min: 0, max: SENDERS.length - 1 }),
      nonceDelta: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: -4, max: 8 }) }),
      fee: fc.integer({ min: 0, max: 8 }),
      salt: fc.integer({ min: 0, max: 1 }),
      dtUs: fc.integer({ min: 0, max: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("commit" as const),
      advances: fc.array(fc.tuple(fc.integer({ min: 0, max: SENDERS.length }), fc.integer({ min: 0, max: 3 })), { maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("expire" as const), dtUs: fc.integer({ min: 0, max: 15 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("select" as const),
      max: fc.integer({ min: 0, max: 8 }),
      nonceOffsets: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 1 }) }), { minLength: SENDERS.length + 1, maxLength: SENDERS.length + 1 }),
      refuseMask: fc.integer({ min: 0, max: 7 }),
    }),
  },
);

/** The address of sender index i; index SENDERS.length is a sender that never sends. */
const senderAt = (i: number): string => SENDERS[i] ?? "ee";

describe("fee mempool: properties against a reference model", () => {
  it("add/removeCommitted/expire/select agree with the model and keep every invariant", () => {
    fc.assert(
      fc.property(configArb, fc.array(opArb, { minLength: 1, maxLength: 60, size: "max" }), (config, ops) => {
        // The pool also checks its own invariants after every mutating call (as in simulation).
        const p = new FeeMempool<PoolTx>({ ...config, checkInvariantsAfterEachChange: true });
        const model = new ModelPool(config);
        /** The chain's account nonces, advanced by commits (the world both pools are judged against). */
        const chain = new Map<string, bigint>();
        const chainNonce = (s: string): bigint => chain.get(s) ?? 0n;
        let nowUs = 0;

        for (const op of ops) {
          switch (op.kind) {
            case "add": {
              nowUs += op.dtUs;
              const sender = senderAt(op.sender);
              // Mostly the sender's next nonce after what the pool holds, sometimes a gap, a
              // replacement or a stale nonce.
              const held = model.entries.filter((e) => e.tx.sender === sender).length;
              const nonce = chainNonce(sender) + BigInt(held + op.nonceDelta);
              if (nonce < 0n) break;
              const t = tx(sender, nonce, op.fee, op.salt);
              const got = p.add(t, nowUs, chainNonce(sender));
              const want = model.add(t, nowUs, chainNonce(sender));
              expect(got.accepted).toBe(want.accepted);
              if (got.accepted) {
                expect(got.replaced?.id).toBe(want.replaced);
                expect(ids(got.evicted)).toEqual(want.evicted);
                // Eviction never opens a gap: nothing of the victim's sender sits above it.
                for (const victim of got.evicted) {
                  expect(model.entries.some((e) => e.tx.sender === victim.sender && e.tx.nonce > victim.nonce)).toBe(false);
                }
              } else {
                expect(got.reason).toBe(want.reason);
              }
              break;
            }
            case "commit": {
              const nonces = new Map<string, bigint>();
              for (const [i, advance] of op.advances) {
                const sender = senderAt(i);
                chain.set(sender, chainNonce(sender) + BigInt(advance));
                nonces.set(sender, chainNonce(sender));
              }
              expect(ids(p.removeCommitted(nonces))).toEqual(ids(model.removeCommitted(nonces)));
              break;
            }
            case "expire": {
              nowUs += op.dtUs;
              expect(ids(p.expire(nowUs))).toEqual(ids(model.expire(nowUs)));
              break;
            }
            case "select": {
              const nonceOf = (s: string): bigint => {
                const n = chainNonce(s) + BigInt(op.nonceOffsets[SENDERS.indexOf(s as (typeof SENDERS)[number]) + 1] ?? 0);
                return n < 0n ? 0n : n;
              };
              const refuses = (t: PoolTx): boolean => (Number(t.fee) + 3 * Number(t.nonce) + op.refuseMask) % 4 === 0;
              const offered: string[] = [];
              const wantOffered: string[] = [];
              const got = p.select(op.max, nonceOf, (t) => {
                offered.push(t.id);
                return !refuses(t);
              });
              const want = model.select(op.max, nonceOf, (t) => {
                wantOffered.push(t.id);
                return !refuses(t);
              });
              // Each offer was the highest-fee head at that moment (the model picks by full scan).
              expect(offered).toEqual(wantOffered);
              expect(ids(got)).toEqual(ids(want));
              expect(got.length).toBeLessThanOrEqual(Math.max(op.max, 0));
              // Per sender, the chosen nonces run consecutively from nonceOf(sender).
              const nextNonce = new Map<string, bigint>();
              for (const t of got) {
                expect(t.nonce).toBe(nextNonce.get(t.sender) ?? nonceOf(t.sender));
                nextNonce.set(t.sender, t.nonce + 1n);
              }
              break;
            }
          }
          p.checkInvariants();
          expect(p.size).toBeLessThanOrEqual(config.capacity);
          expect(p.size).toBe(model.entries.length);
          for (const e of model.entries) expect(p.has(e.tx.id)).toBe(true);
          expect(p.readyCount()).toBe(model.readyCount());
        }
      }),
      { numRuns: 100 },
    );
  });

  it("a full pool of one fee level only admits higher fees, and each admission evicts one cheapest top", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 80 }),
        (adds) => {
          const capacity = 6;
          const p = new FeeMempool<PoolTx>({ ...CONFIG, capacity, minFee: 0n, maxNonceGap: 3, perSenderMax: 4 });
          for (const [sender, nonce, fee] of adds) {
            const before = p.size;
            const result = p.add(tx(`f${sender}`, nonce, fee), 0, 0n);
            p.checkInvariants();
            if (result.accepted) {
              const grew = result.replaced === undefined ? 1 : 0;
              expect(p.size).toBe(before + grew - result.evicted.length);
              for (const victim of result.evicted) expect(victim.fee).toBeLessThan(fee);
            }
            expect(p.size).toBeLessThanOrEqual(capacity);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("fee mempool: invariants after each change", () => {
  it("does not check after changes by default", () => {
    // Goal: the option is off unless asked for (production pools pay nothing).
    const p = pool();
    const spy = vi.spyOn(p, "checkInvariants");
    p.add(tx("aa", 0, 5), 0, 0n);
    p.expire(10);
    p.removeCommitted(new Map([["aa", 1n]]));
    expect(spy).not.toHaveBeenCalled();
  });

  it("checks after every add (accepted or refused), removeCommitted and expire, not after select", () => {
    const p = pool({ checkInvariantsAfterEachChange: true });
    const spy = vi.spyOn(p, "checkInvariants");
    p.add(tx("aa", 0, 5), 0, 0n);
    p.add(tx("aa", 0, 5), 0, 0n); // duplicate: refused
    p.add(tx("aa", 0, 6), 0, 0n); // underpriced replacement: refused
    p.add(tx("aa", 0, 9), 0, 0n); // replacement
    expect(spy).toHaveBeenCalledTimes(4);
    p.select(10, zeroNonces, all);
    expect(spy).toHaveBeenCalledTimes(4);
    p.removeCommitted(new Map([["aa", 1n]]));
    p.expire(5_000);
    expect(spy).toHaveBeenCalledTimes(6);
  });

  /** The pool's private entries, to break them on purpose. */
  type Internals = { senders: Map<string, { entries: { tx: PoolTx; replacedFee: bigint | undefined }[] }> };

  it("above FULL_CHECK_POOL_MAX held, checks after every ceil(n / FULL_CHECK_POOL_MAX)-th change, and still catches a broken pool", () => {
    // Goal: a pool that grows (a partition stops commits) is not checked in full after every change (quadratic),
    // yet a structure broken while it is large is caught within ceil(n / FULL_CHECK_POOL_MAX) changes.
    const p = pool({ capacity: 4 * FULL_CHECK_POOL_MAX, perSenderMax: 4, checkInvariantsAfterEachChange: true });
    const spy = vi.spyOn(p, "checkInvariants");
    const add = (t: PoolTx): void => {
      expect(p.add(t, 0, 0n).accepted).toBe(true);
    };
    for (let i = 0; i < FULL_CHECK_POOL_MAX; i++) add(tx(`s${i}`, 0, 5));
    expect(spy).toHaveBeenCalledTimes(FULL_CHECK_POOL_MAX); // every change while at most FULL_CHECK_POOL_MAX are held
    spy.mockClear();
    for (let i = FULL_CHECK_POOL_MAX; i < 3 * FULL_CHECK_POOL_MAX; i++) add(tx(`s${i}`, 0, 5));
    // Between FULL_CHECK_POOL_MAX and 3 * FULL_CHECK_POOL_MAX held: one check per two or three changes.
    expect(spy.mock.calls.length).toBeGreaterThan((2 * FULL_CHECK_POOL_MAX) / 3 - 2);
    expect(spy.mock.calls.length).toBeLessThan(FULL_CHECK_POOL_MAX + 2);
    spy.mockRestore();
    // Break it while large: one sender's nonces out of order; the next few changes must reach a check that throws.
    add(tx("zz", 0, 5));
    add(tx("zz", 1, 5));
    (p as unknown as Internals).senders.get("zz")!.entries.reverse();
    let caught: unknown;
    for (let i = 0; i <= Math.ceil(p.size / FULL_CHECK_POOL_MAX) && caught === undefined; i++) {
      try {
        p.add(tx(`late${i}`, 0, 5), 0, 0n);
      } catch (error) {
        caught = error;
      }
    }
    expect(String(caught)).toMatch(/strictly ascending/);
  });

  it("catches a replacement that did not clear the replace-by-fee bump", () => {
    const p = pool({ replaceBumpPercent: 10 });
    accept(p, tx("aa", 0, 100));
    accept(p, tx("aa", 0, 110));
    const entry = (p as unknown as Internals).senders.get("aa")!.entries[0]!;
    expect(entry.replacedFee).toBe(100n);
    entry.replacedFee = 101n; // 110 < ceil(101 * 1.1)
    expect(() => p.checkInvariants()).toThrow(/without clearing the bump/);
  });

  it("catches a sender's nonces out of order", () => {
    const p = pool();
    accept(p, tx("aa", 0, 5));
    accept(p, tx("aa", 1, 5));
    const entries = (p as unknown as Internals).senders.get("aa")!.entries;
    entries.reverse();
    expect(() => p.checkInvariants()).toThrow(/strictly ascending/);
  });
});

describe("fee mempool: the eviction heap kept only near capacity", () => {
  it("fills, evicts, drains below half (heap dropped), refills with other fees and evicts as the model does", () => {
    // Goal: the eviction heap is built when an add first finds the pool full and dropped once the
    // pool is at most half full (removeCommitted or expire); after a rebuild over senders whose tops
    // changed while no heap was kept, every eviction must still be the model's (the cheapest top,
    // the later arrival on ties). Each round changes which sender is cheapest.
    const config: MempoolConfig = { ...CONFIG, capacity: 8, ttlUs: 1_000_000, checkInvariantsAfterEachChange: true };
    const real = pool(config);
    const model = new ModelPool(config);
    const senders = ["aa", "bb", "cc", "dd"];
    const chain = new Map<string, bigint>();
    const next = new Map<string, bigint>();
    let evictions = 0;
    let nowUs = 0;
    for (let round = 0; round < 6; round++) {
      // Fill past capacity: two per sender, then outbidding newcomers; fees rotate by round.
      for (let k = 0; k < 12; k++) {
        const sender = senders[(k + round) % senders.length]!;
        const nonce = next.get(sender) ?? chain.get(sender) ?? 0n;
        const fee = 10 + ((k * 7 + round * 3) % 11) + (k >= 8 ? 20 : 0);
        const t = tx(sender, nonce, fee, round);
        const accountNonce = chain.get(sender) ?? 0n;
        const want = model.add(t, nowUs, accountNonce);
        const got = real.add(t, nowUs, accountNonce);
        expect(got.accepted, `round ${round} add ${t.id}`).toBe(want.accepted);
        if (got.accepted) {
          expect(ids(got.evicted)).toEqual(want.evicted);
          evictions += got.evicted.length;
          next.set(sender, nonce + 1n);
        } else {
          expect(got.reason).toBe(want.reason);
        }
        nowUs += 1;
      }
      expect(real.size).toBe(config.capacity);
      // Commit enough to leave at most half: the heap is dropped and rebuilt by the next full round.
      const nonces = new Map<string, bigint>();
      for (const sender of senders) {
        const committed = (next.get(sender) ?? 0n) - (round % 2 === 0 ? 1n : 0n);
        chain.set(sender, committed < 0n ? 0n : committed);
        nonces.set(sender, chain.get(sender)!);
      }
      expect(ids(real.removeCommitted(nonces))).toEqual(ids(model.removeCommitted(nonces)));
      expect(real.size).toBeLessThanOrEqual(config.capacity / 2);
      for (const sender of senders) next.set(sender, chain.get(sender)! + BigInt(model.entries.filter((e) => e.tx.sender === sender).length));
    }
    expect(evictions).toBeGreaterThan(6);
  });
});
