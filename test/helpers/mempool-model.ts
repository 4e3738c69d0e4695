/**
 * A naive reference model of the fee mempool's policy (`src/mempool/fee-mempool.ts`):
 * one flat array and full scans everywhere, for the model-based properties of
 * test/unit/fee-mempool.test.ts and test/unit/mempool-model.test.ts.
 */
import type { MempoolConfig, MempoolRejection, PoolTx } from "../../src/mempool/fee-mempool.js";

/** A transaction whose id is the hex of (sender, nonce, fee, salt): same fields, same bytes, same id. */
export function tx(sender: string, nonce: number | bigint, fee: number | bigint, salt = 0): PoolTx {
  const n = BigInt(nonce);
  const f = BigInt(fee);
  return { id: `${sender}${n.toString(16).padStart(4, "0")}${f.toString(16).padStart(8, "0")}${salt.toString(16)}`, sender, nonce: n, fee: f, bytes: 100 };
}

export interface ModelEntry {
  readonly tx: PoolTx;
  readonly seq: number;
  readonly arrivalUs: number;
}

export interface ModelAdd {
  readonly accepted: boolean;
  readonly reason?: MempoolRejection;
  readonly replaced?: string;
  readonly evicted: readonly string[];
}

/** The pool's rules written the slow, obvious way: one flat array, full scans everywhere. */
export class ModelPool {
  entries: ModelEntry[] = [];
  readonly told = new Map<string, bigint>();
  private seq = 0;

  constructor(private readonly config: MempoolConfig) {}

  add(t: PoolTx, nowUs: number, accountNonce: bigint): ModelAdd {
    const refuse = (reason: MempoolRejection): ModelAdd => ({ accepted: false, reason, evicted: [] });
    if (this.entries.some((e) => e.tx.id === t.id)) return refuse("duplicate");
    if (t.nonce < accountNonce) return refuse("nonce-too-low");
    if (t.nonce > accountNonce + BigInt(this.config.maxNonceGap)) return refuse("nonce-too-far");
    const same = this.entries.find((e) => e.tx.sender === t.sender && e.tx.nonce === t.nonce);
    if (same !== undefined) {
      const bumpOk = t.fee > same.tx.fee && t.fee * 100n >= same.tx.fee * BigInt(100 + this.config.replaceBumpPercent);
      if (!bumpOk) return refuse("replacement-underpriced");
      this.entries = this.entries.filter((e) => e !== same);
      this.push(t, nowUs, accountNonce);
      return { accepted: true, replaced: same.tx.id, evicted: [] };
    }
    if (t.fee < this.config.minFee) return refuse("fee-too-low");
    if (this.entries.filter((e) => e.tx.sender === t.sender).length >= this.config.perSenderMax) return refuse("sender-full");
    const evicted: string[] = [];
    if (this.entries.length >= this.config.capacity) {
      const incoming: ModelEntry = { tx: t, seq: Number.MAX_SAFE_INTEGER, arrivalUs: nowUs };
      const tops = this.tops([...this.entries, incoming]);
      tops.sort((x, y) => (x.tx.fee < y.tx.fee ? -1 : x.tx.fee > y.tx.fee ? 1 : y.seq - x.seq));
      const candidate = tops[0]!;
      if (candidate === incoming || !(t.fee > candidate.tx.fee)) return refuse("pool-full");
      this.entries = this.entries.filter((e) => e !== candidate);
      evicted.push(candidate.tx.id);
    }
    this.push(t, nowUs, accountNonce);
    return { accepted: true, evicted };
  }

  select(max: number, nonceOf: (sender: string) => bigint, tryInclude: (t: PoolTx) => boolean): PoolTx[] {
    const next = new Map<string, bigint>();
    for (const e of this.entries) if (!next.has(e.tx.sender)) next.set(e.tx.sender, nonceOf(e.tx.sender));
    const chosen: PoolTx[] = [];
    while (chosen.length < max) {
      const heads = this.entries.filter((e) => next.get(e.tx.sender) === e.tx.nonce);
      if (heads.length === 0) break;
      heads.sort((x, y) => (x.tx.fee > y.tx.fee ? -1 : x.tx.fee < y.tx.fee ? 1 : x.seq - y.seq || (x.tx.id < y.tx.id ? -1 : 1)));
      const best = heads[0]!;
      if (tryInclude(best.tx)) {
        chosen.push(best.tx);
        next.set(best.tx.sender, best.tx.nonce + 1n);
      } else {
        next.delete(best.tx.sender);
      }
    }
    return chosen;
  }

  removeCommitted(accountNonces: ReadonlyMap<string, bigint>): PoolTx[] {
    const dropped: PoolTx[] = [];
    for (const [sender, nonce] of accountNonces) {
      if (!this.entries.some((e) => e.tx.sender === sender)) continue;
      const gone = this.entries.filter((e) => e.tx.sender === sender && e.tx.nonce < nonce);
      gone.sort((x, y) => (x.tx.nonce < y.tx.nonce ? -1 : 1));
      dropped.push(...gone.map((e) => e.tx));
      this.entries = this.entries.filter((e) => !gone.includes(e));
      this.told.set(sender, nonce);
    }
    return dropped;
  }

  expire(nowUs: number): PoolTx[] {
    const gone = this.entries.filter((e) => nowUs - e.arrivalUs > this.config.ttlUs).sort((x, y) => x.seq - y.seq);
    this.entries = this.entries.filter((e) => !gone.includes(e));
    return gone.map((e) => e.tx);
  }

  readyCount(): number {
    let ready = 0;
    for (const sender of new Set(this.entries.map((e) => e.tx.sender))) {
      const nonces = new Set(this.entries.filter((e) => e.tx.sender === sender).map((e) => e.tx.nonce));
      for (let n = this.told.get(sender)!; nonces.has(n); n++) ready += 1;
    }
    return ready;
  }

  /** Each sender's highest-nonce entry within `entries`. */
  private tops(entries: readonly ModelEntry[]): ModelEntry[] {
    const top = new Map<string, ModelEntry>();
    for (const e of entries) {
      const held = top.get(e.tx.sender);
      if (held === undefined || e.tx.nonce > held.tx.nonce) top.set(e.tx.sender, e);
    }
    return [...top.values()];
  }

  private push(t: PoolTx, nowUs: number, accountNonce: bigint): void {
    this.entries.push({ tx: t, seq: this.seq++, arrivalUs: nowUs });
    this.told.set(t.sender, accountNonce);
  }
}

