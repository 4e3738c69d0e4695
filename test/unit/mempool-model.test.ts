/**
 * The fee mempool's policy under model-based testing with fast-check
 * commands (`fc.commands`, `fc.modelRun`): each command acts on the real
 * pool and on the naive model of test/helpers/mempool-model.ts, checks that
 * both answer the same, and the pool checks its own invariants after every
 * change (replace-by-fee bump, nonce order, capacity).
 *
 * What this adds to the array-of-operations property of
 * test/unit/fee-mempool.test.ts (same model): commands aimed at the policy's
 * edges (a replacement at exactly the bump and one unit below it, an add at
 * exactly the nonce gap limit and one past it, a sender filled to its limit,
 * a full pool offered a fee one above and equal to its cheapest evictable
 * transaction), fees at u64 scale beside small ones (the bump arithmetic on
 * large numbers), long time jumps across the ttl, up to 200 commands shrunk
 * command by command, and a failure that prints its seed, path and the
 * command that replays it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FeeMempool, type MempoolConfig, type PoolTx } from "../../src/mempool/fee-mempool.js";
import { ModelPool, tx } from "../helpers/mempool-model.js";
import { assertProperty } from "../helpers/property.js";

const TEST_FILE = "test/unit/mempool-model.test.ts";
const SENDERS = ["a1", "b2", "c3", "d4", "e5", "f6"] as const;
const U64_MAX = (1n << 64n) - 1n;

/** What the model side of a run holds: the model pool, the chain's account nonces and the time. */
interface World {
  readonly config: MempoolConfig;
  readonly pool: ModelPool;
  readonly chain: Map<string, bigint>;
  nowUs: number;
  /** Distinguishes otherwise identical transactions (a new id per add). */
  salt: number;
}

/** The real side: the pool under test. */
interface Real {
  readonly pool: FeeMempool<PoolTx>;
}

type PoolCommand = fc.Command<World, Real>;

const chainNonce = (w: World, sender: string): bigint => w.chain.get(sender) ?? 0n;
const held = (w: World, sender: string): PoolTx[] => w.pool.entries.filter((e) => e.tx.sender === sender).map((e) => e.tx);
const show = (t: PoolTx): string => `${t.sender}#${t.nonce}@${t.fee}`;

/** Adds `t` to both pools and expects the same answer; `expectAccepted` pins the answer the command aims at. */
function addBoth(w: World, r: Real, t: PoolTx, expectAccepted?: boolean): void {
  const accountNonce = chainNonce(w, t.sender);
  const want = w.pool.add(t, w.nowUs, accountNonce);
  const got = r.pool.add(t, w.nowUs, accountNonce);
  expect(got.accepted, `add ${show(t)}`).toBe(want.accepted);
  if (expectAccepted !== undefined) expect(got.accepted, `add ${show(t)} (aimed)`).toBe(expectAccepted);
  if (got.accepted) {
    expect(got.replaced?.id).toBe(want.replaced);
    expect(got.evicted.map((e) => e.id)).toEqual(want.evicted);
  } else {
    expect(got.reason).toBe(want.reason);
  }
}

function expectSame(w: World, r: Real): void {
  r.pool.checkInvariants();
  expect(r.pool.size).toBe(w.pool.entries.length);
  expect(r.pool.size).toBeLessThanOrEqual(w.config.capacity);
  for (const e of w.pool.entries) expect(r.pool.has(e.tx.id)).toBe(true);
  expect(r.pool.readyCount()).toBe(w.pool.readyCount());
}

/** Base of every command: runs on both sides, then compares the whole pools. */
abstract class Step implements PoolCommand {
  check(_w: Readonly<World>): boolean {
    return true;
  }
  run(w: World, r: Real): void {
    this.act(w, r);
    expectSame(w, r);
  }
  protected abstract act(w: World, r: Real): void;
  abstract toString(): string;
}

/** The sender's next nonce after what the pool holds, plus `gap` (0: the common case). */
class AddNext extends Step {
  constructor(readonly sender: string, readonly gap: number, readonly fee: bigint, readonly dtUs: number) {
    super();
  }
  act(w: World, r: Real): void {
    w.nowUs += this.dtUs;
    addBoth(w, r, tx(this.sender, chainNonce(w, this.sender) + BigInt(held(w, this.sender).length + this.gap), this.fee, w.salt++));
  }
  toString(): string {
    return `addNext(${this.sender}, gap ${this.gap}, fee ${this.fee}, +${this.dtUs}us)`;
  }
}

/** A nonce at exactly the gap limit (accepted unless full) or one past it (refused: nonce-too-far), or one below the account nonce. */
class AddAtNonceEdge extends Step {
  constructor(readonly sender: string, readonly where: "at-limit" | "past-limit" | "stale", readonly fee: bigint) {
    super();
  }
  act(w: World, r: Real): void {
    const base = chainNonce(w, this.sender);
    const gap = BigInt(w.config.maxNonceGap);
    const nonce = this.where === "at-limit" ? base + gap : this.where === "past-limit" ? base + gap + 1n : base - 1n;
    if (nonce < 0n) return;
    addBoth(w, r, tx(this.sender, nonce, this.fee, w.salt++), this.where === "at-limit" ? undefined : false);
  }
  toString(): string {
    return `addAtNonceEdge(${this.sender}, ${this.where}, fee ${this.fee})`;
  }
}

/** Replaces one held transaction with exactly the bump, one unit below it, or far above it. */
class Replace extends Step {
  constructor(readonly sender: string, readonly pick: number, readonly bump: "exact" | "one-below" | "double") {
    super();
  }
  override check(w: Readonly<World>): boolean {
    return held(w as World, this.sender).length > 0;
  }
  act(w: World, r: Real): void {
    const mine = held(w, this.sender);
    const old = mine[this.pick % mine.length]!;
    const percent = BigInt(100 + w.config.replaceBumpPercent);
    let needed = (old.fee * percent + 99n) / 100n; // ceil(old * (100 + bump) / 100)
    if (needed <= old.fee) needed = old.fee + 1n;
    const fee = this.bump === "exact" ? needed : this.bump === "one-below" ? needed - 1n : needed * 2n;
    if (fee > U64_MAX) return;
    // One unit below the bump is refused (underpriced, or below the minimum fee in no case: old passed it).
    addBoth(w, r, tx(old.sender, old.nonce, fee, w.salt++), this.bump !== "one-below");
  }
  toString(): string {
    return `replace(${this.sender}, #${this.pick}, ${this.bump})`;
  }
}

/** Fills a sender up to `perSenderMax` and one more (refused: sender-full, unless the pool is full first). */
class FillSender extends Step {
  constructor(readonly sender: string, readonly fee: bigint) {
    super();
  }
  act(w: World, r: Real): void {
    for (let i = 0; i <= w.config.perSenderMax; i++) {
      const next = chainNonce(w, this.sender) + BigInt(held(w, this.sender).length);
      if (next > chainNonce(w, this.sender) + BigInt(w.config.maxNonceGap)) return;
      addBoth(w, r, tx(this.sender, next, this.fee, w.salt++));
    }
  }
  toString(): string {
    return `fillSender(${this.sender}, fee ${this.fee})`;
  }
}

/** On a full pool: a newcomer paying one more than, or as much as, the cheapest sender-top. */
class OutbidCheapest extends Step {
  constructor(readonly sender: string, readonly by: 0n | 1n) {
    super();
  }
  override check(w: Readonly<World>): boolean {
    return w.pool.entries.length >= w.config.capacity;
  }
  act(w: World, r: Real): void {
    const tops = new Map<string, PoolTx>();
    for (const e of w.pool.entries) {
      const top = tops.get(e.tx.sender);
      if (top === undefined || e.tx.nonce > top.nonce) tops.set(e.tx.sender, e.tx);
    }
    let cheapest = U64_MAX;
    for (const t of tops.values()) if (t.fee < cheapest) cheapest = t.fee;
    const fee = cheapest + this.by;
    if (fee > U64_MAX) return;
    addBoth(w, r, tx(this.sender, chainNonce(w, this.sender) + BigInt(held(w, this.sender).length), fee, w.salt++));
  }
  toString(): string {
    return `outbidCheapest(${this.sender}, +${this.by})`;
  }
}

/** Blocks commit: senders' account nonces advance; both pools drop the committed nonces. */
class Commit extends Step {
  constructor(readonly advances: readonly (readonly [string, number])[]) {
    super();
  }
  act(w: World, r: Real): void {
    const nonces = new Map<string, bigint>();
    for (const [sender, advance] of this.advances) {
      w.chain.set(sender, chainNonce(w, sender) + BigInt(advance));
      nonces.set(sender, chainNonce(w, sender));
    }
    expect(r.pool.removeCommitted(nonces).map((t) => t.id)).toEqual(w.pool.removeCommitted(nonces).map((t) => t.id));
  }
  toString(): string {
    return `commit(${this.advances.map(([s, a]) => `${s}+${a}`).join(", ")})`;
  }
}

/** Time passes (sometimes past the ttl) and both pools expire. */
class Expire extends Step {
  constructor(readonly dtUs: number) {
    super();
  }
  act(w: World, r: Real): void {
    w.nowUs += this.dtUs;
    expect(r.pool.expire(w.nowUs).map((t) => t.id)).toEqual(w.pool.expire(w.nowUs).map((t) => t.id));
  }
  toString(): string {
    return `expire(+${this.dtUs}us)`;
  }
}

/** A leader builds a block of at most `max`; both offer the same transactions in the same order. */
class Select extends Step {
  constructor(readonly max: number, readonly refuseEvery: number) {
    super();
  }
  act(w: World, r: Real): void {
    const nonceOf = (s: string): bigint => chainNonce(w, s);
    let offers = 0;
    const refuses = (): boolean => this.refuseEvery > 0 && ++offers % this.refuseEvery === 0;
    const gotOffered: string[] = [];
    const got = r.pool.select(this.max, nonceOf, (t) => (gotOffered.push(t.id), !refuses()));
    offers = 0;
    const wantOffered: string[] = [];
    const want = w.pool.select(this.max, nonceOf, (t) => (wantOffered.push(t.id), !refuses()));
    expect(gotOffered).toEqual(wantOffered);
    expect(got.map((t) => t.id)).toEqual(want.map((t) => t.id));
  }
  toString(): string {
    return `select(${this.max}, refuse every ${this.refuseEvery})`;
  }
}

const sender = fc.constantFrom(...SENDERS);
/** Small fees (where minFee and rounding of the bump matter) and u64-scale ones. */
const fee = fc.oneof({ weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 12n }) }, { weight: 1, arbitrary: fc.bigInt({ min: 1n << 60n, max: U64_MAX / 4n }) });

const commands = [
  fc.tuple(sender, fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }), fee, fc.integer({ min: 0, max: 5 })).map(([s, g, f, dt]) => new AddNext(s, g, f, dt)),
  fc.tuple(sender, fc.constantFrom("at-limit" as const, "past-limit" as const, "stale" as const), fee).map(([s, where, f]) => new AddAtNonceEdge(s, where, f)),
  fc.tuple(sender, fc.nat(8), fc.constantFrom("exact" as const, "one-below" as const, "double" as const)).map(([s, pick, bump]) => new Replace(s, pick, bump)),
  fc.tuple(sender, fee).map(([s, f]) => new FillSender(s, f)),
  fc.tuple(sender, fc.constantFrom(0n as const, 1n as const)).map(([s, by]) => new OutbidCheapest(s, by)),
  fc.array(fc.tuple(sender, fc.integer({ min: 0, max: 3 })), { maxLength: 3 }).map((advances) => new Commit(advances)),
  fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 20, max: 500 })).map((dt) => new Expire(dt)),
  fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 4 })).map(([max, every]) => new Select(max, every)),
];

const configArb: fc.Arbitrary<MempoolConfig> = fc.record({
  capacity: fc.integer({ min: 1, max: 16 }),
  minFee: fc.bigInt({ min: 0n, max: 3n }),
  replaceBumpPercent: fc.constantFrom(0, 1, 10, 33, 100),
  ttlUs: fc.integer({ min: 0, max: 100 }),
  maxNonceGap: fc.integer({ min: 0, max: 6 }),
  perSenderMax: fc.integer({ min: 1, max: 6 }),
});

describe("fee mempool: model-based commands", () => {
  it("admission, replace-by-fee, per-sender limit, eviction, expiry, commits and selection agree with the model", () => {
    assertProperty(
      fc.property(configArb, fc.commands(commands, { maxCommands: 200, size: "large" }), (config, cmds) => {
        const setup = (): { model: World; real: Real } => ({
          model: { config, pool: new ModelPool(config), chain: new Map(), nowUs: 0, salt: 0 },
          real: { pool: new FeeMempool<PoolTx>({ ...config, checkInvariantsAfterEachChange: true }) },
        });
        fc.modelRun(setup, cmds);
      }),
      { defaultRuns: 100, testFile: TEST_FILE },
    );
  });
});
