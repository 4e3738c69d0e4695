/**
 * A reference model of the AssetVM ledger, written from the specification
 * (README, "The execution pipeline"; the instruction docstrings in
 * `vm/types.ts`; the pool formulas of Uniswap v2 the README cites) and
 * independent of the VM's own code: it imports no module of `src/vm/` but
 * the types. It is deliberately plain: maps of bigints, an undo log for the
 * atomicity of a transaction, and each rule written out once, so that a bug
 * in the VM that every validator shares (a fee charged twice, an amount off
 * by one, a swap priced without its fee) shows up as a difference between
 * the two.
 *
 * Rules modelled:
 * - admission, in this order: the shape (1..16 instructions, fee in u64,
 *   nonce in 0..2^64-2: "invalid-instruction"), the nonce ("bad-nonce"), the
 *   fee payable from the native balance ("insufficient-fee"); an
 *   inadmissible transaction changes nothing;
 * - an admissible transaction burns its fee (native balance and supply),
 *   advances the nonce, then runs its instructions in order; the first
 *   failing instruction undoes every instruction of the transaction (not the
 *   fee nor the nonce);
 * - each instruction checks its own fields first, then that what it names
 *   exists, then authority, then amounts against the state, and last the
 *   u64 bound of every value it would write;
 * - the bridge: a system transaction (sender 32 zero bytes, empty signature) has fee 0 and only
 *   deposit credits numbered from the next deposit sequence up ("bad-deposit-sequence" otherwise,
 *   inadmissible); a credit from anyone else is "unauthorized"; a credit mints the bridged asset
 *   SOL (created with decimals 9 and no authority at the first credit) to its recipient; a
 *   withdrawal burns SOL and records `{ recipient, amount }` under the next withdrawal number;
 * - the mailbox of cross-rollup transfers: a mailbox write burns the asset and records its message
 *   once per (destination, session) ("mailbox-exists" after); a mailbox read mints an incoming
 *   message once ("mailbox-miss" when absent, "mailbox-replayed" when read); no chain modelled here
 *   receives messages, so reads miss;
 * - pools: the first deposit mints isqrt(a * b) shares and takes both
 *   amounts; later deposits mint min(a * T / rA, b * T / rB) shares and take
 *   ceil(shares * r / T) of each; a withdrawal pays floor(shares * r / T);
 *   a swap pays floor(in * (10000 - fee) * rOut / (rIn * 10000 + in * (10000 - fee)))
 *   and the whole input enters the pool.
 *
 * Not modelled: signatures (the validity checker's business) and the
 * ledger's Merkle root (root agreement compares roots between validators).
 */
import type { Genesis } from "../../vm/genesis.js";
import type { AccountId, AssetInfo, AssetSymbol, Instruction, PoolState, SwapRecord, TransactionBody, VmErrorCode } from "../../vm/types.js";

/** 2^64 - 1: the largest amount, balance, supply, nonce, fee or share count. */
const U64_LIMIT = (1n << 64n) - 1n;
/** The fee asset (burned). */
const FEE_ASSET = "ASSET";
const INSTRUCTIONS_MAX = 16;
const DECIMALS_LIMIT = 18;
const POOL_FEE_LIMIT_BPS = 1000;
const BPS_WHOLE = 10_000n;
const SYMBOL = /^[A-Z][A-Z0-9]{0,11}$/;
const ACCOUNT = /^[0-9a-f]{64}$/;
/** The bridged asset and the sender of system transactions (bridge deposit credits). */
const BRIDGED = "SOL";
const SYSTEM_SENDER = "0".repeat(64);

/** A comparable picture of a ledger: zero balances, nonces and shares are absent. */
export interface LedgerSnapshot {
  /** account -> nonce (non-zero only) */
  readonly nonces: ReadonlyMap<AccountId, bigint>;
  /** `account:asset` -> balance (non-zero only) */
  readonly balances: ReadonlyMap<string, bigint>;
  readonly assets: ReadonlyMap<AssetSymbol, AssetInfo>;
  /** pool id `A/B` (A < B) -> pool */
  readonly pools: ReadonlyMap<string, PoolState>;
  /** `poolId:account` -> shares (non-zero only) */
  readonly shares: ReadonlyMap<string, bigint>;
  /** Withdrawal sequence number -> what it pays on the L1. */
  readonly withdrawals: ReadonlyMap<bigint, { readonly recipient: AccountId; readonly amount: bigint }>;
  /** The next deposit sequence number to credit. */
  readonly depositNext: bigint;
}

/** What the model says one admissible transaction did. */
export interface ModelOutcome {
  readonly status: "ok" | VmErrorCode;
  /** Index of the failing instruction, when status is not "ok". */
  readonly failedInstruction?: number;
  /** Net supply change per asset, fee burn included; zero entries omitted. */
  readonly supplyDelta: ReadonlyMap<AssetSymbol, bigint>;
  /** The swaps performed (empty unless ok). */
  readonly swaps: readonly SwapRecord[];
}

type Of<K extends Instruction["kind"]> = Extract<Instruction, { kind: K }>;

/** Integer square root: the largest r with r * r <= n (bisection, independent of the VM's Newton iteration). */
export function referenceIsqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError(`referenceIsqrt(${n})`);
  let low = 0n;
  let high = 1n;
  while (high * high <= n) high <<= 1n;
  // low * low <= n < high * high
  while (high - low > 1n) {
    const mid = (low + high) >> 1n;
    if (mid * mid <= n) low = mid;
    else high = mid;
  }
  return low;
}

function orderedPool(x: AssetSymbol, y: AssetSymbol): { id: string; a: AssetSymbol; b: AssetSymbol } {
  const [a, b] = x < y ? [x, y] : [y, x];
  return { id: `${a}/${b}`, a, b };
}

class Failure {
  constructor(readonly code: VmErrorCode) {}
}

/** The reference ledger (see the file comment). */
export class LedgerModel {
  private readonly nonces = new Map<AccountId, bigint>();
  private readonly balances = new Map<string, bigint>();
  private readonly assets = new Map<AssetSymbol, AssetInfo>();
  private readonly pools = new Map<string, PoolState>();
  private readonly shares = new Map<string, bigint>();
  /** Bridge counters and records: `deposit-next`, `withdrawal-next`, and a withdrawal per decimal sequence number. */
  private readonly bridge = new Map<string, bigint | { readonly recipient: AccountId; readonly amount: bigint }>();
  /** The mailbox: `out:<destination>:<session>` (written by mailbox-write) and `in:<source>:<session>` (nothing populates it here: a read misses). */
  private readonly mailbox = new Map<string, { readonly sender: AccountId; readonly receiver: AccountId; readonly asset: AssetSymbol; readonly amount: bigint; readonly consumed: boolean }>();
  /** Undo log of the running transaction's instructions: [map, key, previous value]. */
  private undo: [Map<string, unknown>, string, unknown][] = [];
  private delta = new Map<AssetSymbol, bigint>();
  private swaps: SwapRecord[] = [];

  /** The model of `genesis`: balances summed per account, pools with isqrt(rA * rB) shares to their provider. */
  static fromGenesis(genesis: Genesis): LedgerModel {
    const model = new LedgerModel();
    const supply = new Map<AssetSymbol, bigint>();
    for (const asset of genesis.assets) {
      let total = 0n;
      for (const [account, amount] of asset.balances) {
        model.balances.set(`${account}:${asset.symbol}`, (model.balances.get(`${account}:${asset.symbol}`) ?? 0n) + amount);
        total += amount;
      }
      supply.set(asset.symbol, total);
    }
    for (const p of genesis.pools) {
      const { id, a, b } = orderedPool(p.assetA, p.assetB);
      const reserveA = p.assetA === a ? p.reserveA : p.reserveB;
      const reserveB = p.assetA === a ? p.reserveB : p.reserveA;
      const total = referenceIsqrt(reserveA * reserveB);
      model.pools.set(id, { assetA: a, assetB: b, reserveA, reserveB, totalShares: total, feeBps: p.feeBps });
      model.shares.set(`${id}:${p.provider}`, (model.shares.get(`${id}:${p.provider}`) ?? 0n) + total);
      supply.set(a, (supply.get(a) ?? 0n) + reserveA);
      supply.set(b, (supply.get(b) ?? 0n) + reserveB);
    }
    for (const asset of genesis.assets) {
      model.assets.set(asset.symbol, { symbol: asset.symbol, decimals: asset.decimals, mintAuthority: asset.mintAuthority, supply: supply.get(asset.symbol) ?? 0n });
    }
    for (const [key, value] of model.balances) if (value === 0n) model.balances.delete(key);
    return model;
  }

  /** Why `tx` may not enter a block, or undefined when it may (signatures aside). */
  admission(tx: TransactionBody): VmErrorCode | undefined {
    if (tx.instructions.length < 1 || tx.instructions.length > INSTRUCTIONS_MAX) return "invalid-instruction";
    if (tx.fee < 0n || tx.fee > U64_LIMIT) return "invalid-instruction";
    if (tx.nonce < 0n || tx.nonce > U64_LIMIT - 1n) return "invalid-instruction";
    if (tx.sender === SYSTEM_SENDER) {
      if (tx.fee !== 0n) return "invalid-instruction";
      const first = this.counter("deposit-next");
      for (let i = 0; i < tx.instructions.length; i++) {
        const ins = tx.instructions[i]!;
        if (ins.kind !== "credit-deposit" || ins.sequence !== first + BigInt(i)) return "bad-deposit-sequence";
      }
    }
    if (tx.nonce !== (this.nonces.get(tx.sender) ?? 0n)) return "bad-nonce";
    if (this.balance(tx.sender, FEE_ASSET) < tx.fee) return "insufficient-fee";
    return undefined;
  }

  /**
   * Applies an admissible transaction.
   * @throws Error when `tx` is not admissible (check {@link admission} first)
   */
  apply(tx: TransactionBody): ModelOutcome {
    const refused = this.admission(tx);
    if (refused !== undefined) throw new Error(`LedgerModel.apply: inadmissible transaction (${refused})`);
    const feeDelta = new Map<AssetSymbol, bigint>();
    if (tx.fee > 0n) {
      this.setBalance(tx.sender, FEE_ASSET, this.balance(tx.sender, FEE_ASSET) - tx.fee);
      const native = this.assets.get(FEE_ASSET);
      if (native !== undefined) this.assets.set(FEE_ASSET, { ...native, supply: native.supply - tx.fee });
      feeDelta.set(FEE_ASSET, -tx.fee);
    }
    this.nonces.set(tx.sender, tx.nonce + 1n);
    this.undo = [];
    this.delta = new Map();
    this.swaps = [];
    for (let index = 0; index < tx.instructions.length; index++) {
      try {
        this.instruction(tx.sender, tx.instructions[index]!);
      } catch (error) {
        if (!(error instanceof Failure)) throw error;
        this.rollBack();
        return { status: error.code, failedInstruction: index, supplyDelta: feeDelta, swaps: [] };
      }
    }
    this.undo = [];
    for (const [asset, d] of this.delta) feeDelta.set(asset, (feeDelta.get(asset) ?? 0n) + d);
    for (const [asset, d] of feeDelta) if (d === 0n) feeDelta.delete(asset);
    return { status: "ok", supplyDelta: feeDelta, swaps: this.swaps };
  }

  /** A copy of the ledger, for comparison. */
  snapshot(): LedgerSnapshot {
    const withdrawals = new Map<bigint, { recipient: AccountId; amount: bigint }>();
    for (const [key, value] of this.bridge) if (typeof value !== "bigint") withdrawals.set(BigInt(key), value);
    return {
      nonces: new Map(this.nonces),
      balances: new Map(this.balances),
      assets: new Map(this.assets),
      pools: new Map(this.pools),
      shares: new Map(this.shares),
      withdrawals,
      depositNext: this.counter("deposit-next"),
    };
  }

  private counter(name: "deposit-next" | "withdrawal-next"): bigint {
    return (this.bridge.get(name) as bigint | undefined) ?? 0n;
  }

  // ------------------------------------------------------------ state access with undo

  private balance(account: AccountId, asset: AssetSymbol): bigint {
    return this.balances.get(`${account}:${asset}`) ?? 0n;
  }

  private write<V>(map: Map<string, V>, key: string, value: V | undefined): void {
    this.undo.push([map as Map<string, unknown>, key, map.get(key)]);
    if (value === undefined) map.delete(key);
    else map.set(key, value);
  }

  private setBalance(account: AccountId, asset: AssetSymbol, amount: bigint): void {
    this.write(this.balances, `${account}:${asset}`, amount === 0n ? undefined : amount);
  }

  private setShares(pool: string, account: AccountId, amount: bigint): void {
    this.write(this.shares, `${pool}:${account}`, amount === 0n ? undefined : amount);
  }

  private rollBack(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const [map, key, previous] = this.undo[i]!;
      if (previous === undefined) map.delete(key);
      else map.set(key, previous);
    }
    this.undo = [];
  }

  private addDelta(asset: AssetSymbol, d: bigint): void {
    this.delta.set(asset, (this.delta.get(asset) ?? 0n) + d);
  }

  // ------------------------------------------------------------ instructions (each throws a Failure)

  private instruction(sender: AccountId, ins: Instruction): void {
    switch (ins.kind) {
      case "create-asset":
        return this.createAsset(ins);
      case "mint":
        return this.mint(sender, ins);
      case "transfer":
        return this.transfer(sender, ins);
      case "burn":
        return this.burn(sender, ins);
      case "set-mint-authority":
        return this.setMintAuthority(sender, ins);
      case "create-pool":
        return this.createPool(ins);
      case "add-liquidity":
        return this.addLiquidity(sender, ins);
      case "remove-liquidity":
        return this.removeLiquidity(sender, ins);
      case "swap":
        return this.swap(sender, ins);
      case "withdraw":
        return this.withdraw(sender, ins);
      case "credit-deposit":
        return this.creditDeposit(sender, ins);
      case "mailbox-write":
        return this.mailboxWrite(sender, ins);
      case "mailbox-read":
        return this.mailboxRead(ins);
    }
  }

  private mailboxWrite(sender: AccountId, ins: Of<"mailbox-write">): void {
    this.require(Number.isInteger(ins.destination) && ins.destination >= 0 && ins.destination <= 0xffff_ffff, "invalid-instruction");
    this.require(ins.session >= 0n && ins.session <= U64_LIMIT, "invalid-instruction");
    this.require(ACCOUNT.test(ins.to), "invalid-instruction");
    this.require(ins.amount >= 1n && ins.amount <= U64_LIMIT, "invalid-instruction");
    const info = this.known(ins.asset);
    const key = `out:${ins.destination}:${ins.session}`;
    this.require(!this.mailbox.has(key), "mailbox-exists");
    const balance = this.balance(sender, ins.asset);
    this.require(balance >= ins.amount, "insufficient-balance");
    this.write(this.assets, ins.asset, { ...info, supply: info.supply - ins.amount });
    this.setBalance(sender, ins.asset, balance - ins.amount);
    this.write(this.mailbox, key, { sender, receiver: ins.to, asset: ins.asset, amount: ins.amount, consumed: false });
    this.addDelta(ins.asset, -ins.amount);
  }

  private mailboxRead(ins: Of<"mailbox-read">): void {
    this.require(Number.isInteger(ins.source) && ins.source >= 0 && ins.source <= 0xffff_ffff, "invalid-instruction");
    this.require(ins.session >= 0n && ins.session <= U64_LIMIT, "invalid-instruction");
    const key = `in:${ins.source}:${ins.session}`;
    const message = this.mailbox.get(key);
    this.require(message !== undefined, "mailbox-miss");
    this.require(!message!.consumed, "mailbox-replayed");
    const info = this.known(message!.asset);
    const supply = info.supply + message!.amount;
    const balance = this.balance(message!.receiver, message!.asset) + message!.amount;
    this.require(supply <= U64_LIMIT, "overflow");
    this.require(balance <= U64_LIMIT, "overflow");
    this.write(this.assets, message!.asset, { ...info, supply });
    this.setBalance(message!.receiver, message!.asset, balance);
    this.write(this.mailbox, key, { ...message!, consumed: true });
    this.addDelta(message!.asset, message!.amount);
  }

  private withdraw(sender: AccountId, ins: Of<"withdraw">): void {
    this.require(ACCOUNT.test(ins.recipient), "invalid-instruction");
    this.require(ins.amount >= 1n && ins.amount <= U64_LIMIT, "invalid-instruction");
    const info = this.known(BRIDGED);
    const balance = this.balance(sender, BRIDGED);
    this.require(balance >= ins.amount, "insufficient-balance");
    const sequence = this.counter("withdrawal-next");
    this.require(sequence < U64_LIMIT, "overflow");
    this.write(this.assets, BRIDGED, { ...info, supply: info.supply - ins.amount });
    this.setBalance(sender, BRIDGED, balance - ins.amount);
    this.write(this.bridge, sequence.toString(), { recipient: ins.recipient, amount: ins.amount });
    this.write(this.bridge, "withdrawal-next", sequence + 1n);
    this.addDelta(BRIDGED, -ins.amount);
  }

  private creditDeposit(sender: AccountId, ins: Of<"credit-deposit">): void {
    this.require(ACCOUNT.test(ins.to), "invalid-instruction");
    this.require(ins.amount >= 1n && ins.amount <= U64_LIMIT, "invalid-instruction");
    this.require(ins.sequence >= 0n && ins.sequence <= U64_LIMIT, "invalid-instruction");
    this.require(sender === SYSTEM_SENDER, "unauthorized");
    const next = this.counter("deposit-next");
    this.require(ins.sequence === next, "bad-deposit-sequence");
    this.require(next < U64_LIMIT, "overflow");
    const info = this.assets.get(BRIDGED) ?? { symbol: BRIDGED, decimals: 9, mintAuthority: null, supply: 0n };
    const supply = info.supply + ins.amount;
    const balance = this.balance(ins.to, BRIDGED) + ins.amount;
    this.require(supply <= U64_LIMIT, "overflow");
    this.require(balance <= U64_LIMIT, "overflow");
    this.write(this.assets, BRIDGED, { ...info, supply });
    this.setBalance(ins.to, BRIDGED, balance);
    this.write(this.bridge, "deposit-next", next + 1n);
    this.addDelta(BRIDGED, ins.amount);
  }

  private require(condition: boolean, code: VmErrorCode): void {
    if (!condition) throw new Failure(code);
  }

  private known(symbol: AssetSymbol): AssetInfo {
    const info = this.assets.get(symbol);
    if (info === undefined) throw new Failure("unknown-asset");
    return info;
  }

  private createAsset(ins: Of<"create-asset">): void {
    this.require(SYMBOL.test(ins.asset), "invalid-instruction");
    this.require(Number.isInteger(ins.decimals) && ins.decimals >= 0 && ins.decimals <= DECIMALS_LIMIT, "invalid-instruction");
    this.require(ins.mintAuthority === null || ACCOUNT.test(ins.mintAuthority), "invalid-instruction");
    this.require(!this.assets.has(ins.asset), "asset-exists");
    this.write(this.assets, ins.asset, { symbol: ins.asset, decimals: ins.decimals, mintAuthority: ins.mintAuthority, supply: 0n });
  }

  private mint(sender: AccountId, ins: Of<"mint">): void {
    this.require(ACCOUNT.test(ins.to), "invalid-instruction");
    this.require(ins.amount >= 1n && ins.amount <= U64_LIMIT, "invalid-instruction");
    const info = this.known(ins.asset);
    this.require(info.mintAuthority !== null && info.mintAuthority === sender, "unauthorized");
    const supply = info.supply + ins.amount;
    const balance = this.balance(ins.to, ins.asset) + ins.amount;
    this.require(supply <= U64_LIMIT, "overflow");
    this.require(balance <= U64_LIMIT, "overflow");
    this.write(this.assets, ins.asset, { ...info, supply });
    this.setBalance(ins.to, ins.asset, balance);
    this.addDelta(ins.asset, ins.amount);
  }

  private transfer(sender: AccountId, ins: Of<"transfer">): void {
    this.require(ACCOUNT.test(ins.to), "invalid-instruction");
    this.require(ins.amount >= 1n && ins.amount <= U64_LIMIT, "invalid-instruction");
    this.known(ins.asset);
    const from = this.balance(sender, ins.asset);
    this.require(from >= ins.amount, "insufficient-balance");
    if (ins.to === sender) return;
    const to = this.balance(ins.to, ins.asset) + ins.amount;
    this.require(to <= U64_LIMIT, "overflow");
    this.setBalance(sender, ins.asset, from - ins.amount);
    this.setBalance(ins.to, ins.asset, to);
  }

  private burn(sender: AccountId, ins: Of<"burn">): void {
    this.require(ins.amount >= 1n && ins.amount <= U64_LIMIT, "invalid-instruction");
    const info = this.known(ins.asset);
    const balance = this.balance(sender, ins.asset);
    this.require(balance >= ins.amount, "insufficient-balance");
    this.write(this.assets, ins.asset, { ...info, supply: info.supply - ins.amount });
    this.setBalance(sender, ins.asset, balance - ins.amount);
    this.addDelta(ins.asset, -ins.amount);
  }

  private setMintAuthority(sender: AccountId, ins: Of<"set-mint-authority">): void {
    this.require(ins.authority === null || ACCOUNT.test(ins.authority), "invalid-instruction");
    const info = this.known(ins.asset);
    this.require(info.mintAuthority !== null && info.mintAuthority === sender, "unauthorized");
    this.write(this.assets, ins.asset, { ...info, mintAuthority: ins.authority });
  }

  private createPool(ins: Of<"create-pool">): void {
    this.require(ins.assetA !== ins.assetB, "invalid-instruction");
    this.require(Number.isInteger(ins.feeBps) && ins.feeBps >= 0 && ins.feeBps <= POOL_FEE_LIMIT_BPS, "invalid-instruction");
    this.known(ins.assetA);
    this.known(ins.assetB);
    const { id, a, b } = orderedPool(ins.assetA, ins.assetB);
    this.require(!this.pools.has(id), "pool-exists");
    this.write(this.pools, id, { assetA: a, assetB: b, reserveA: 0n, reserveB: 0n, totalShares: 0n, feeBps: ins.feeBps });
  }

  private pool(x: AssetSymbol, y: AssetSymbol): { id: string; pool: PoolState } {
    const { id } = orderedPool(x, y);
    const pool = this.pools.get(id);
    if (pool === undefined) throw new Failure("unknown-pool");
    return { id, pool };
  }

  private addLiquidity(sender: AccountId, ins: Of<"add-liquidity">): void {
    this.require(ins.assetA !== ins.assetB, "invalid-instruction");
    for (const v of [ins.amountA, ins.amountB, ins.minShares]) this.require(v >= 0n && v <= U64_LIMIT, "invalid-instruction");
    const { id, pool } = this.pool(ins.assetA, ins.assetB);
    // The caller may name the assets in either order; amounts follow the names.
    const offerA = ins.assetA === pool.assetA ? ins.amountA : ins.amountB;
    const offerB = ins.assetA === pool.assetA ? ins.amountB : ins.amountA;
    const T = pool.totalShares;
    this.require(T === 0n || (pool.reserveA > 0n && pool.reserveB > 0n), "insufficient-liquidity");
    let minted: bigint;
    let takeA: bigint;
    let takeB: bigint;
    if (T === 0n) {
      minted = referenceIsqrt(offerA * offerB);
      takeA = offerA;
      takeB = offerB;
    } else {
      const byA = (offerA * T) / pool.reserveA;
      const byB = (offerB * T) / pool.reserveB;
      minted = byA < byB ? byA : byB;
      // Rounded up: the depositor pays for every share in full.
      takeA = (minted * pool.reserveA + T - 1n) / T;
      takeB = (minted * pool.reserveB + T - 1n) / T;
    }
    this.require(minted > 0n, "slippage");
    this.require(minted >= ins.minShares, "slippage");
    const balanceA = this.balance(sender, pool.assetA);
    this.require(balanceA >= takeA, "insufficient-balance");
    const balanceB = this.balance(sender, pool.assetB);
    this.require(balanceB >= takeB, "insufficient-balance");
    const next: PoolState = { ...pool, reserveA: pool.reserveA + takeA, reserveB: pool.reserveB + takeB, totalShares: T + minted };
    const held = (this.shares.get(`${id}:${sender}`) ?? 0n) + minted;
    this.require(next.reserveA <= U64_LIMIT && next.reserveB <= U64_LIMIT, "overflow");
    this.require(next.totalShares <= U64_LIMIT && held <= U64_LIMIT, "overflow");
    this.setBalance(sender, pool.assetA, balanceA - takeA);
    this.setBalance(sender, pool.assetB, balanceB - takeB);
    this.write(this.pools, id, next);
    this.setShares(id, sender, held);
  }

  private removeLiquidity(sender: AccountId, ins: Of<"remove-liquidity">): void {
    this.require(ins.assetA !== ins.assetB, "invalid-instruction");
    this.require(ins.shares >= 1n && ins.shares <= U64_LIMIT, "invalid-instruction");
    this.require(ins.minA >= 0n && ins.minA <= U64_LIMIT && ins.minB >= 0n && ins.minB <= U64_LIMIT, "invalid-instruction");
    const { id, pool } = this.pool(ins.assetA, ins.assetB);
    const held = this.shares.get(`${id}:${sender}`) ?? 0n;
    this.require(held >= ins.shares, "insufficient-balance");
    const T = pool.totalShares;
    const outA = (ins.shares * pool.reserveA) / T;
    const outB = (ins.shares * pool.reserveB) / T;
    const minA = ins.assetA === pool.assetA ? ins.minA : ins.minB;
    const minB = ins.assetA === pool.assetA ? ins.minB : ins.minA;
    this.require(outA >= minA, "slippage");
    this.require(outB >= minB, "slippage");
    const balanceA = this.balance(sender, pool.assetA) + outA;
    const balanceB = this.balance(sender, pool.assetB) + outB;
    this.require(balanceA <= U64_LIMIT && balanceB <= U64_LIMIT, "overflow");
    this.setBalance(sender, pool.assetA, balanceA);
    this.setBalance(sender, pool.assetB, balanceB);
    this.write(this.pools, id, { ...pool, reserveA: pool.reserveA - outA, reserveB: pool.reserveB - outB, totalShares: T - ins.shares });
    this.setShares(id, sender, held - ins.shares);
  }

  private swap(sender: AccountId, ins: Of<"swap">): void {
    this.require(ins.assetIn !== ins.assetOut, "invalid-instruction");
    this.require(ins.amountIn >= 1n && ins.amountIn <= U64_LIMIT, "invalid-instruction");
    this.require(ins.minOut >= 0n && ins.minOut <= U64_LIMIT, "invalid-instruction");
    const { id, pool } = this.pool(ins.assetIn, ins.assetOut);
    const inIsA = ins.assetIn === pool.assetA;
    const reserveIn = inIsA ? pool.reserveA : pool.reserveB;
    const reserveOut = inIsA ? pool.reserveB : pool.reserveA;
    this.require(reserveIn > 0n && reserveOut > 0n, "insufficient-liquidity");
    const net = ins.amountIn * (BPS_WHOLE - BigInt(pool.feeBps));
    const out = (net * reserveOut) / (reserveIn * BPS_WHOLE + net);
    this.require(out > 0n, "slippage");
    this.require(out >= ins.minOut, "slippage");
    const balanceIn = this.balance(sender, ins.assetIn);
    this.require(balanceIn >= ins.amountIn, "insufficient-balance");
    const newIn = reserveIn + ins.amountIn;
    const newOut = reserveOut - out;
    this.require(newIn <= U64_LIMIT, "overflow");
    const balanceOut = this.balance(sender, ins.assetOut) + out;
    this.require(balanceOut <= U64_LIMIT, "overflow");
    this.setBalance(sender, ins.assetIn, balanceIn - ins.amountIn);
    this.setBalance(sender, ins.assetOut, balanceOut);
    const next = inIsA ? { ...pool, reserveA: newIn, reserveB: newOut } : { ...pool, reserveA: newOut, reserveB: newIn };
    this.write(this.pools, id, next);
    this.swaps.push({ pool: id, kBefore: pool.reserveA * pool.reserveB, kAfter: next.reserveA * next.reserveB });
  }
}

/**
 * The differences between two snapshots, at most `limit` lines (first the
 * model's value, then the other's).
 */
export function diffSnapshots(model: LedgerSnapshot, other: LedgerSnapshot, limit = 5): string[] {
  const out: string[] = [];
  const show = (v: unknown): string => (v === undefined ? "absent" : typeof v === "bigint" ? v.toString() : JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)));
  const compare = <V>(what: string, a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>, same: (x: V, y: V) => boolean): void => {
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      if (out.length >= limit) return;
      const x = a.get(key);
      const y = b.get(key);
      if (x === undefined || y === undefined ? x !== y : !same(x, y)) out.push(`${what} ${key}: reference ${show(x)}, validator ${show(y)}`);
    }
  };
  const eq = (x: bigint, y: bigint): boolean => x === y;
  compare("nonce", model.nonces, other.nonces, eq);
  compare("balance", model.balances, other.balances, eq);
  compare("asset", model.assets, other.assets, (x, y) => x.symbol === y.symbol && x.decimals === y.decimals && x.mintAuthority === y.mintAuthority && x.supply === y.supply);
  compare("pool", model.pools, other.pools, (x, y) => x.assetA === y.assetA && x.assetB === y.assetB && x.reserveA === y.reserveA && x.reserveB === y.reserveB && x.totalShares === y.totalShares && x.feeBps === y.feeBps);
  compare("shares", model.shares, other.shares, eq);
  const byNumber = (m: LedgerSnapshot["withdrawals"]): ReadonlyMap<string, { readonly recipient: AccountId; readonly amount: bigint }> => new Map([...m].map(([k, v]) => [k.toString(), v]));
  compare("withdrawal", byNumber(model.withdrawals), byNumber(other.withdrawals), (x, y) => x.recipient === y.recipient && x.amount === y.amount);
  if (out.length < limit && model.depositNext !== other.depositNext) out.push(`next deposit: reference ${model.depositNext}, validator ${other.depositNext}`);
  return out;
}
