/**
 * The AssetVM instructions, one function each. An instruction either applies
 * all of its writes and returns undefined, or writes nothing and returns the
 * {@link InstructionFailure} (the transaction then reverts its earlier
 * instructions, see `execute.ts`).
 *
 * Every instruction checks in the same order: its own fields first
 * ("invalid-instruction", independent of state), then that what it names
 * exists ("unknown-asset", "unknown-pool", "asset-exists", "pool-exists"),
 * then authority ("unauthorized"), then amounts against the state (reserves,
 * slippage limits, balances: "insufficient-liquidity", "slippage",
 * "insufficient-balance"), and last the u64 bound of every value it would
 * write ("overflow"). A check that a consistent ledger can never fail (a
 * recipient's balance past the supply bound, shares held beyond those
 * outstanding) still returns its code or, for a broken invariant, throws.
 */
import type { LedgerWriter } from "./ledger.js";
import { depositQuote, swapOutput, withdrawQuote } from "./pool-math.js";
import {
  ASSET_SYMBOL_PATTERN,
  BRIDGE_ACCOUNT,
  BRIDGED_ASSET,
  BRIDGED_ASSET_DECIMALS,
  CHAIN_ID_MAX,
  DECIMALS_MAX,
  POOL_FEE_BPS_MAX,
  poolId,
  U64_MAX,
  type AccountId,
  type AssetInfo,
  type AssetSymbol,
  type Instruction,
  type SwapRecord,
  type VmErrorCode,
} from "./types.js";

/** Why an instruction failed. */
export interface InstructionFailure {
  readonly code: VmErrorCode;
  /** Human-readable detail. */
  readonly message: string;
}

/** What the instructions of one transaction did besides their writes, for its receipt. */
export interface InstructionEffects {
  /** Net supply change per asset (mint +, burn -); may hold zero entries. */
  readonly supplyDelta: Map<AssetSymbol, bigint>;
  readonly swaps: SwapRecord[];
}

/** An account id as it must appear in an instruction: 64 lowercase hex characters. */
const ACCOUNT_PATTERN = /^[0-9a-f]{64}$/;

function fail(code: VmErrorCode, message: string): InstructionFailure {
  return { code, message };
}

function isAccount(account: AccountId): boolean {
  return ACCOUNT_PATTERN.test(account);
}

/** True for a u64 value (amounts, minimums). */
function isU64(value: bigint): boolean {
  return value >= 0n && value <= U64_MAX;
}

/** True for a positive u64 value (what an amount to move must be). */
function isPositiveU64(value: bigint): boolean {
  return value > 0n && value <= U64_MAX;
}

function addDelta(effects: InstructionEffects, asset: AssetSymbol, delta: bigint): void {
  effects.supplyDelta.set(asset, (effects.supplyDelta.get(asset) ?? 0n) + delta);
}

/**
 * Executes one instruction sent by `sender`.
 * @returns undefined on success (writes applied, `effects` updated), or the failure (nothing written)
 */
export function executeInstruction(state: LedgerWriter, sender: AccountId, instruction: Instruction, effects: InstructionEffects): InstructionFailure | undefined {
  switch (instruction.kind) {
    case "create-asset":
      return createAsset(state, instruction);
    case "mint":
      return mint(state, sender, instruction, effects);
    case "transfer":
      return transfer(state, sender, instruction);
    case "burn":
      return burn(state, sender, instruction, effects);
    case "set-mint-authority":
      return setMintAuthority(state, sender, instruction);
    case "create-pool":
      return createPool(state, instruction);
    case "add-liquidity":
      return addLiquidity(state, sender, instruction);
    case "remove-liquidity":
      return removeLiquidity(state, sender, instruction);
    case "swap":
      return swap(state, sender, instruction, effects);
    case "withdraw":
      return withdraw(state, sender, instruction, effects);
    case "credit-deposit":
      return creditDeposit(state, sender, instruction, effects);
    case "mailbox-write":
      return mailboxWrite(state, sender, instruction, effects);
    case "mailbox-read":
      return mailboxRead(state, instruction, effects);
    default: {
      const unknown: never = instruction;
      return fail("invalid-instruction", `unknown instruction kind ${JSON.stringify((unknown as { kind: unknown }).kind)}`);
    }
  }
}

type Of<K extends Instruction["kind"]> = Extract<Instruction, { kind: K }>;

/** Creates an asset with zero supply. */
export function createAsset(state: LedgerWriter, ins: Of<"create-asset">): InstructionFailure | undefined {
  if (!ASSET_SYMBOL_PATTERN.test(ins.asset)) return fail("invalid-instruction", `create-asset: bad symbol ${JSON.stringify(ins.asset)}`);
  if (!Number.isInteger(ins.decimals) || ins.decimals < 0 || ins.decimals > DECIMALS_MAX) {
    return fail("invalid-instruction", `create-asset: decimals ${ins.decimals} not in 0..${DECIMALS_MAX}`);
  }
  if (ins.mintAuthority !== null && !isAccount(ins.mintAuthority)) return fail("invalid-instruction", `create-asset: bad mint authority ${JSON.stringify(ins.mintAuthority)}`);
  if (state.asset(ins.asset) !== undefined) return fail("asset-exists", `create-asset: ${ins.asset} exists`);
  state.setAsset({ symbol: ins.asset, decimals: ins.decimals, mintAuthority: ins.mintAuthority, supply: 0n });
  return undefined;
}

/** Mints to `to`; the sender must be the mint authority. */
export function mint(state: LedgerWriter, sender: AccountId, ins: Of<"mint">, effects: InstructionEffects): InstructionFailure | undefined {
  if (!isAccount(ins.to)) return fail("invalid-instruction", `mint: bad recipient ${JSON.stringify(ins.to)}`);
  if (!isPositiveU64(ins.amount)) return fail("invalid-instruction", `mint: amount ${ins.amount} not in 1..2^64-1`);
  const info = state.asset(ins.asset);
  if (info === undefined) return fail("unknown-asset", `mint: no asset ${ins.asset}`);
  if (info.mintAuthority === null) return fail("unauthorized", `mint: ${ins.asset} has no mint authority`);
  if (info.mintAuthority !== sender) return fail("unauthorized", `mint: sender is not the mint authority of ${ins.asset}`);
  const supply = info.supply + ins.amount;
  if (supply > U64_MAX) return fail("overflow", `mint: supply of ${ins.asset} would exceed 2^64-1`);
  const balance = state.balance(ins.to, ins.asset) + ins.amount;
  if (balance > U64_MAX) return fail("overflow", `mint: balance of ${ins.asset} would exceed 2^64-1`);
  state.setAsset({ ...info, supply });
  state.setBalance(ins.to, ins.asset, balance);
  addDelta(effects, ins.asset, ins.amount);
  return undefined;
}

/** Moves an amount from the sender to `to` (to oneself: a no-op once the balance is checked). */
export function transfer(state: LedgerWriter, sender: AccountId, ins: Of<"transfer">): InstructionFailure | undefined {
  if (!isAccount(ins.to)) return fail("invalid-instruction", `transfer: bad recipient ${JSON.stringify(ins.to)}`);
  if (!isPositiveU64(ins.amount)) return fail("invalid-instruction", `transfer: amount ${ins.amount} not in 1..2^64-1`);
  if (state.asset(ins.asset) === undefined) return fail("unknown-asset", `transfer: no asset ${ins.asset}`);
  const from = state.balance(sender, ins.asset);
  if (from < ins.amount) return fail("insufficient-balance", `transfer: balance ${from} ${ins.asset} < ${ins.amount}`);
  if (ins.to === sender) return undefined;
  const to = state.balance(ins.to, ins.asset) + ins.amount;
  if (to > U64_MAX) return fail("overflow", `transfer: recipient balance of ${ins.asset} would exceed 2^64-1`);
  state.setBalance(sender, ins.asset, from - ins.amount);
  state.setBalance(ins.to, ins.asset, to);
  return undefined;
}

/** Destroys an amount of the sender's balance; the supply decreases by it. */
export function burn(state: LedgerWriter, sender: AccountId, ins: Of<"burn">, effects: InstructionEffects): InstructionFailure | undefined {
  if (!isPositiveU64(ins.amount)) return fail("invalid-instruction", `burn: amount ${ins.amount} not in 1..2^64-1`);
  const info = state.asset(ins.asset);
  if (info === undefined) return fail("unknown-asset", `burn: no asset ${ins.asset}`);
  const balance = state.balance(sender, ins.asset);
  if (balance < ins.amount) return fail("insufficient-balance", `burn: balance ${balance} ${ins.asset} < ${ins.amount}`);
  assertSupplyCovers(info, ins.amount);
  state.setAsset({ ...info, supply: info.supply - ins.amount });
  state.setBalance(sender, ins.asset, balance - ins.amount);
  addDelta(effects, ins.asset, -ins.amount);
  return undefined;
}

/** Hands the mint authority over, or removes it with null; the sender must hold it. */
export function setMintAuthority(state: LedgerWriter, sender: AccountId, ins: Of<"set-mint-authority">): InstructionFailure | undefined {
  if (ins.authority !== null && !isAccount(ins.authority)) return fail("invalid-instruction", `set-mint-authority: bad authority ${JSON.stringify(ins.authority)}`);
  const info = state.asset(ins.asset);
  if (info === undefined) return fail("unknown-asset", `set-mint-authority: no asset ${ins.asset}`);
  if (info.mintAuthority === null) return fail("unauthorized", `set-mint-authority: ${ins.asset} has no mint authority`);
  if (info.mintAuthority !== sender) return fail("unauthorized", `set-mint-authority: sender is not the mint authority of ${ins.asset}`);
  state.setAsset({ ...info, mintAuthority: ins.authority });
  return undefined;
}

/** Creates the empty pool of two distinct existing assets. */
export function createPool(state: LedgerWriter, ins: Of<"create-pool">): InstructionFailure | undefined {
  if (ins.assetA === ins.assetB) return fail("invalid-instruction", `create-pool: same asset ${ins.assetA} on both sides`);
  if (!Number.isInteger(ins.feeBps) || ins.feeBps < 0 || ins.feeBps > POOL_FEE_BPS_MAX) {
    return fail("invalid-instruction", `create-pool: feeBps ${ins.feeBps} not in 0..${POOL_FEE_BPS_MAX}`);
  }
  for (const symbol of [ins.assetA, ins.assetB]) if (state.asset(symbol) === undefined) return fail("unknown-asset", `create-pool: no asset ${symbol}`);
  const id = poolId(ins.assetA, ins.assetB);
  if (state.pool(id) !== undefined) return fail("pool-exists", `create-pool: ${id} exists`);
  const [assetA, assetB] = ins.assetA < ins.assetB ? [ins.assetA, ins.assetB] : [ins.assetB, ins.assetA];
  state.setPool(id, { assetA, assetB, reserveA: 0n, reserveB: 0n, totalShares: 0n, feeBps: ins.feeBps });
  return undefined;
}

/** Deposits into a pool for shares (see `depositQuote` for the amounts taken). */
export function addLiquidity(state: LedgerWriter, sender: AccountId, ins: Of<"add-liquidity">): InstructionFailure | undefined {
  if (ins.assetA === ins.assetB) return fail("invalid-instruction", `add-liquidity: same asset ${ins.assetA} on both sides`);
  if (!isU64(ins.amountA) || !isU64(ins.amountB) || !isU64(ins.minShares)) {
    return fail("invalid-instruction", `add-liquidity: amounts ${ins.amountA}, ${ins.amountB}, minShares ${ins.minShares} not all in 0..2^64-1`);
  }
  const id = poolId(ins.assetA, ins.assetB);
  const pool = state.pool(id);
  if (pool === undefined) return fail("unknown-pool", `add-liquidity: no pool ${id}`);
  const inOrder = ins.assetA === pool.assetA;
  const offeredA = inOrder ? ins.amountA : ins.amountB;
  const offeredB = inOrder ? ins.amountB : ins.amountA;
  if (pool.totalShares > 0n && (pool.reserveA === 0n || pool.reserveB === 0n)) {
    return fail("insufficient-liquidity", `add-liquidity: ${id} has shares but an empty reserve`);
  }
  const quote = depositQuote(pool, offeredA, offeredB);
  if (quote.shares === 0n) return fail("slippage", `add-liquidity: the deposit would mint no shares of ${id}`);
  if (quote.shares < ins.minShares) return fail("slippage", `add-liquidity: ${quote.shares} shares of ${id} < minShares ${ins.minShares}`);
  const balanceA = state.balance(sender, pool.assetA);
  if (balanceA < quote.takenA) return fail("insufficient-balance", `add-liquidity: balance ${balanceA} ${pool.assetA} < ${quote.takenA}`);
  const balanceB = state.balance(sender, pool.assetB);
  if (balanceB < quote.takenB) return fail("insufficient-balance", `add-liquidity: balance ${balanceB} ${pool.assetB} < ${quote.takenB}`);
  const reserveA = pool.reserveA + quote.takenA;
  const reserveB = pool.reserveB + quote.takenB;
  const totalShares = pool.totalShares + quote.shares;
  const held = state.shares(id, sender) + quote.shares;
  if (reserveA > U64_MAX || reserveB > U64_MAX) return fail("overflow", `add-liquidity: a reserve of ${id} would exceed 2^64-1`);
  if (totalShares > U64_MAX || held > U64_MAX) return fail("overflow", `add-liquidity: shares of ${id} would exceed 2^64-1`);
  state.setBalance(sender, pool.assetA, balanceA - quote.takenA);
  state.setBalance(sender, pool.assetB, balanceB - quote.takenB);
  state.setPool(id, { ...pool, reserveA, reserveB, totalShares });
  state.setShares(id, sender, held);
  return undefined;
}

/** Burns the sender's pool shares for their part of both reserves. */
export function removeLiquidity(state: LedgerWriter, sender: AccountId, ins: Of<"remove-liquidity">): InstructionFailure | undefined {
  if (ins.assetA === ins.assetB) return fail("invalid-instruction", `remove-liquidity: same asset ${ins.assetA} on both sides`);
  if (!isPositiveU64(ins.shares)) return fail("invalid-instruction", `remove-liquidity: shares ${ins.shares} not in 1..2^64-1`);
  if (!isU64(ins.minA) || !isU64(ins.minB)) return fail("invalid-instruction", `remove-liquidity: minimums ${ins.minA}, ${ins.minB} not in 0..2^64-1`);
  const id = poolId(ins.assetA, ins.assetB);
  const pool = state.pool(id);
  if (pool === undefined) return fail("unknown-pool", `remove-liquidity: no pool ${id}`);
  const held = state.shares(id, sender);
  if (held < ins.shares) return fail("insufficient-balance", `remove-liquidity: holds ${held} shares of ${id} < ${ins.shares}`);
  if (held > pool.totalShares) throw new Error(`ledger invariant: ${held} shares of ${id} held, ${pool.totalShares} outstanding`);
  const { outA, outB } = withdrawQuote(pool, ins.shares);
  const inOrder = ins.assetA === pool.assetA;
  const minA = inOrder ? ins.minA : ins.minB;
  const minB = inOrder ? ins.minB : ins.minA;
  if (outA < minA) return fail("slippage", `remove-liquidity: ${outA} ${pool.assetA} < minimum ${minA}`);
  if (outB < minB) return fail("slippage", `remove-liquidity: ${outB} ${pool.assetB} < minimum ${minB}`);
  const balanceA = state.balance(sender, pool.assetA) + outA;
  const balanceB = state.balance(sender, pool.assetB) + outB;
  if (balanceA > U64_MAX || balanceB > U64_MAX) return fail("overflow", `remove-liquidity: a balance would exceed 2^64-1`);
  state.setBalance(sender, pool.assetA, balanceA);
  state.setBalance(sender, pool.assetB, balanceB);
  state.setPool(id, { ...pool, reserveA: pool.reserveA - outA, reserveB: pool.reserveB - outB, totalShares: pool.totalShares - ins.shares });
  state.setShares(id, sender, held - ins.shares);
  return undefined;
}

/** Sells exactly `amountIn` into the pool for at least `minOut`; records the pool's k before and after. */
export function swap(state: LedgerWriter, sender: AccountId, ins: Of<"swap">, effects: InstructionEffects): InstructionFailure | undefined {
  if (ins.assetIn === ins.assetOut) return fail("invalid-instruction", `swap: same asset ${ins.assetIn} in and out`);
  if (!isPositiveU64(ins.amountIn)) return fail("invalid-instruction", `swap: amountIn ${ins.amountIn} not in 1..2^64-1`);
  if (!isU64(ins.minOut)) return fail("invalid-instruction", `swap: minOut ${ins.minOut} not in 0..2^64-1`);
  const id = poolId(ins.assetIn, ins.assetOut);
  const pool = state.pool(id);
  if (pool === undefined) return fail("unknown-pool", `swap: no pool ${id}`);
  const inIsA = ins.assetIn === pool.assetA;
  const reserveIn = inIsA ? pool.reserveA : pool.reserveB;
  const reserveOut = inIsA ? pool.reserveB : pool.reserveA;
  if (reserveIn === 0n || reserveOut === 0n) return fail("insufficient-liquidity", `swap: ${id} has reserves ${pool.reserveA}, ${pool.reserveB}`);
  const out = swapOutput(ins.amountIn, reserveIn, reserveOut, pool.feeBps);
  if (out === 0n) return fail("slippage", `swap: ${ins.amountIn} ${ins.assetIn} buys nothing`);
  if (out < ins.minOut) return fail("slippage", `swap: ${out} ${ins.assetOut} < minOut ${ins.minOut}`);
  const balanceIn = state.balance(sender, ins.assetIn);
  if (balanceIn < ins.amountIn) return fail("insufficient-balance", `swap: balance ${balanceIn} ${ins.assetIn} < ${ins.amountIn}`);
  const newReserveIn = reserveIn + ins.amountIn;
  const newReserveOut = reserveOut - out;
  if (newReserveIn > U64_MAX) return fail("overflow", `swap: reserve of ${ins.assetIn} in ${id} would exceed 2^64-1`);
  const balanceOut = state.balance(sender, ins.assetOut) + out;
  if (balanceOut > U64_MAX) return fail("overflow", `swap: balance of ${ins.assetOut} would exceed 2^64-1`);
  const kBefore = pool.reserveA * pool.reserveB;
  const kAfter = newReserveIn * newReserveOut;
  if (kAfter < kBefore) throw new Error(`swap invariant: k of ${id} decreased from ${kBefore} to ${kAfter}`);
  state.setBalance(sender, ins.assetIn, balanceIn - ins.amountIn);
  state.setBalance(sender, ins.assetOut, balanceOut);
  state.setPool(id, inIsA ? { ...pool, reserveA: newReserveIn, reserveB: newReserveOut } : { ...pool, reserveA: newReserveOut, reserveB: newReserveIn });
  effects.swaps.push({ pool: id, kBefore, kAfter });
  return undefined;
}

/**
 * Burns the sender's {@link BRIDGED_ASSET} and records the withdrawal under the next withdrawal
 * sequence number (`w:<sequence>`, then `x:withdrawal-next` advances), for the L1 bridge to pay
 * once a root holding it is final.
 */
export function withdraw(state: LedgerWriter, sender: AccountId, ins: Of<"withdraw">, effects: InstructionEffects): InstructionFailure | undefined {
  if (!isAccount(ins.recipient)) return fail("invalid-instruction", `withdraw: bad recipient ${JSON.stringify(ins.recipient)}`);
  if (!isPositiveU64(ins.amount)) return fail("invalid-instruction", `withdraw: amount ${ins.amount} not in 1..2^64-1`);
  const info = state.asset(BRIDGED_ASSET);
  if (info === undefined) return fail("unknown-asset", `withdraw: no asset ${BRIDGED_ASSET} (nothing was deposited yet)`);
  const balance = state.balance(sender, BRIDGED_ASSET);
  if (balance < ins.amount) return fail("insufficient-balance", `withdraw: balance ${balance} ${BRIDGED_ASSET} < ${ins.amount}`);
  const sequence = state.withdrawalNext();
  if (sequence >= U64_MAX) return fail("overflow", "withdraw: withdrawal sequence numbers exhausted");
  assertSupplyCovers(info, ins.amount);
  state.setAsset({ ...info, supply: info.supply - ins.amount });
  state.setBalance(sender, BRIDGED_ASSET, balance - ins.amount);
  state.setWithdrawal(sequence, { recipient: ins.recipient, amount: ins.amount });
  state.setWithdrawalNext(sequence + 1n);
  addDelta(effects, BRIDGED_ASSET, -ins.amount);
  return undefined;
}

/**
 * Credits L1 deposit `sequence` to `to` as {@link BRIDGED_ASSET} (creating the asset at the first
 * credit) and advances `x:deposit-next`; only {@link BRIDGE_ACCOUNT} may send it, with the next
 * deposit sequence number ("bad-deposit-sequence" otherwise: a replayed or skipped deposit).
 */
export function creditDeposit(state: LedgerWriter, sender: AccountId, ins: Of<"credit-deposit">, effects: InstructionEffects): InstructionFailure | undefined {
  if (!isAccount(ins.to)) return fail("invalid-instruction", `credit-deposit: bad recipient ${JSON.stringify(ins.to)}`);
  if (!isPositiveU64(ins.amount)) return fail("invalid-instruction", `credit-deposit: amount ${ins.amount} not in 1..2^64-1`);
  if (!isU64(ins.sequence)) return fail("invalid-instruction", `credit-deposit: sequence ${ins.sequence} not in 0..2^64-1`);
  if (sender !== BRIDGE_ACCOUNT) return fail("unauthorized", "credit-deposit: only the bridge's system transactions credit deposits");
  const next = state.depositNext();
  if (ins.sequence !== next) return fail("bad-deposit-sequence", `credit-deposit: deposit ${ins.sequence}, the next to credit is ${next}`);
  if (next >= U64_MAX) return fail("overflow", "credit-deposit: deposit sequence numbers exhausted");
  const info = state.asset(BRIDGED_ASSET) ?? { symbol: BRIDGED_ASSET, decimals: BRIDGED_ASSET_DECIMALS, mintAuthority: null, supply: 0n };
  const supply = info.supply + ins.amount;
  if (supply > U64_MAX) return fail("overflow", `credit-deposit: supply of ${BRIDGED_ASSET} would exceed 2^64-1`);
  const balance = state.balance(ins.to, BRIDGED_ASSET) + ins.amount;
  if (balance > U64_MAX) return fail("overflow", `credit-deposit: balance of ${BRIDGED_ASSET} would exceed 2^64-1`);
  state.setAsset({ ...info, supply });
  state.setBalance(ins.to, BRIDGED_ASSET, balance);
  state.setDepositNext(next + 1n);
  addDelta(effects, BRIDGED_ASSET, ins.amount);
  return undefined;
}

/** True for a chain id a mailbox key can name (u32). */
function isChainId(chain: number): boolean {
  return Number.isInteger(chain) && chain >= 0 && chain <= CHAIN_ID_MAX;
}

/**
 * The mailbox write of an xT's source chain (SCP v1, the Mailbox's `write`; here a burn):
 * burns `amount` of `asset` from the sender and records the outgoing CIRC message under
 * `o:<destination>:<session>`. Checks: fields ("invalid-instruction"), the asset ("unknown-asset"),
 * the outbox key unused ("mailbox-exists"), the sender's balance ("insufficient-balance").
 */
export function mailboxWrite(state: LedgerWriter, sender: AccountId, ins: Of<"mailbox-write">, effects: InstructionEffects): InstructionFailure | undefined {
  if (!isChainId(ins.destination)) return fail("invalid-instruction", `mailbox-write: destination chain ${ins.destination} not a u32`);
  if (!isU64(ins.session)) return fail("invalid-instruction", `mailbox-write: session ${ins.session} not in 0..2^64-1`);
  if (!isAccount(ins.to)) return fail("invalid-instruction", `mailbox-write: bad receiver ${JSON.stringify(ins.to)}`);
  if (!isPositiveU64(ins.amount)) return fail("invalid-instruction", `mailbox-write: amount ${ins.amount} not in 1..2^64-1`);
  const info = state.asset(ins.asset);
  if (info === undefined) return fail("unknown-asset", `mailbox-write: no asset ${ins.asset}`);
  if (state.outbox(ins.destination, ins.session) !== undefined) return fail("mailbox-exists", `mailbox-write: the outbox holds a message to chain ${ins.destination} with session ${ins.session}`);
  const balance = state.balance(sender, ins.asset);
  if (balance < ins.amount) return fail("insufficient-balance", `mailbox-write: balance ${balance} ${ins.asset} < ${ins.amount}`);
  assertSupplyCovers(info, ins.amount);
  state.setAsset({ ...info, supply: info.supply - ins.amount });
  state.setBalance(sender, ins.asset, balance - ins.amount);
  state.setOutbox(ins.destination, ins.session, { sender, receiver: ins.to, asset: ins.asset, amount: ins.amount });
  addDelta(effects, ins.asset, -ins.amount);
  return undefined;
}

/**
 * The mailbox read of an xT's destination chain (the Mailbox's `read`; here a mint): consumes the
 * incoming CIRC message under `i:<source>:<session>` once and mints its amount of its asset to its
 * receiver. Checks: fields ("invalid-instruction"), the message ("mailbox-miss" when absent,
 * "mailbox-replayed" when consumed), its asset ("unknown-asset"), the supply and the receiver's
 * balance within u64 ("overflow"). Anyone may send it: the message names who is paid.
 */
export function mailboxRead(state: LedgerWriter, ins: Of<"mailbox-read">, effects: InstructionEffects): InstructionFailure | undefined {
  if (!isChainId(ins.source)) return fail("invalid-instruction", `mailbox-read: source chain ${ins.source} not a u32`);
  if (!isU64(ins.session)) return fail("invalid-instruction", `mailbox-read: session ${ins.session} not in 0..2^64-1`);
  const message = state.inbox(ins.source, ins.session);
  if (message === undefined) return fail("mailbox-miss", `mailbox-read: no message of chain ${ins.source} with session ${ins.session} in the inbox`);
  if (message.consumed) return fail("mailbox-replayed", `mailbox-read: the message of chain ${ins.source} with session ${ins.session} was read already`);
  const info = state.asset(message.asset);
  if (info === undefined) return fail("unknown-asset", `mailbox-read: no asset ${message.asset}`);
  const supply = info.supply + message.amount;
  if (supply > U64_MAX) return fail("overflow", `mailbox-read: supply of ${message.asset} would exceed 2^64-1`);
  const balance = state.balance(message.receiver, message.asset) + message.amount;
  if (balance > U64_MAX) return fail("overflow", `mailbox-read: balance of ${message.asset} would exceed 2^64-1`);
  state.setAsset({ ...info, supply });
  state.setBalance(message.receiver, message.asset, balance);
  state.setInbox(ins.source, ins.session, { ...message, consumed: true });
  addDelta(effects, message.asset, message.amount);
  return undefined;
}

/** Asserts the recorded supply covers an amount leaving it (balances never exceed supply in a consistent ledger). */
export function assertSupplyCovers(info: AssetInfo, amount: bigint): void {
  if (info.supply < amount) throw new Error(`ledger invariant: supply ${info.supply} of ${info.symbol} < ${amount} held and burned`);
}
