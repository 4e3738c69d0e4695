/**
 * An @coral-xyz/anchor `Provider` over solana-bankrun, so that tests drive the
 * real program binary through anchor's `Program` client.
 *
 * anchor-bankrun would do this, but its 0.5 release wants anchor ^0.30; this is
 * the small part of it the program tests need:
 * - `connection`: just enough of web3.js `Connection` for anchor's account
 *   namespace (`getAccountInfo`, `getAccountInfoAndContext`,
 *   `getMinimumBalanceForRentExemption`, `getLatestBlockhash`, `getSlot`);
 * - `sendAndConfirm` / `send`: sets fee payer and a fresh blockhash (bankrun
 *   hands out a new one per call, so identical instructions sent twice still
 *   make distinct transactions), signs with the extra signers and the wallet,
 *   processes, and throws on failure with the logs attached, which anchor's
 *   `translateError` turns into an `AnchorError`.
 * Every processed transaction's result, logs and compute units are kept in
 * `lastResult` and `history`.
 */
import { type Provider, type Wallet, utils } from "@coral-xyz/anchor";
import {
  type AccountInfo,
  type Commitment,
  type Connection,
  Keypair,
  PublicKey,
  type Signer,
  Transaction,
  type TransactionSignature,
  VersionedTransaction,
} from "@solana/web3.js";
import type { ProgramTestContext } from "solana-bankrun";

/** What one processed transaction gave. */
export interface ProcessedTransaction {
  /** null on success, else the runtime's error, e.g. `Error processing Instruction 0: custom program error: 0x1770`. */
  readonly error: string | null;
  readonly logs: readonly string[];
  readonly computeUnits: bigint;
  readonly signature: TransactionSignature;
}

/** A failed transaction as thrown by `sendAndConfirm`: anchor reads `logs`. */
export class BankrunTransactionError extends Error {
  constructor(
    readonly transactionError: string,
    readonly logs: string[],
  ) {
    super(transactionError);
    this.name = "BankrunTransactionError";
  }
}

/** A wallet of one keypair (anchor's NodeWallet without the file system). */
export class KeypairWallet implements Wallet {
  constructor(readonly payer: Keypair) {}

  get publicKey(): PublicKey {
    return this.payer.publicKey;
  }

  async signTransaction<T extends Transaction | VersionedTransaction>(tx: T): Promise<T> {
    signWith(tx, [this.payer]);
    return tx;
  }

  async signAllTransactions<T extends Transaction | VersionedTransaction>(txs: T[]): Promise<T[]> {
    for (const tx of txs) {
      signWith(tx, [this.payer]);
    }
    return txs;
  }
}

function signWith(tx: Transaction | VersionedTransaction, signers: readonly Signer[]): void {
  if (signers.length === 0) {
    return;
  }
  if (tx instanceof VersionedTransaction) {
    tx.sign([...signers]);
  } else {
    tx.partialSign(...signers);
  }
}

/** The part of web3.js `Connection` anchor's account namespace calls, over a BanksClient. */
function bankrunConnection(context: ProgramTestContext): Connection {
  const client = context.banksClient;
  async function getAccountInfo(address: PublicKey): Promise<AccountInfo<Buffer> | null> {
    const account = await client.getAccount(address);
    if (account === null) {
      return null;
    }
    return {
      data: Buffer.from(account.data),
      executable: account.executable,
      lamports: account.lamports,
      owner: account.owner,
      rentEpoch: account.rentEpoch,
    };
  }
  const connection = {
    commitment: "confirmed" as Commitment,
    rpcEndpoint: "bankrun",
    getAccountInfo,
    async getAccountInfoAndContext(address: PublicKey) {
      const slot = Number(await client.getSlot());
      return { context: { slot }, value: await getAccountInfo(address) };
    },
    async getMinimumBalanceForRentExemption(dataLength: number): Promise<number> {
      const rent = await client.getRent();
      return Number(rent.minimumBalance(BigInt(dataLength)));
    },
    async getLatestBlockhash() {
      const latest = await client.getLatestBlockhash();
      if (latest === null) {
        throw new Error("bankrun: no latest blockhash");
      }
      return { blockhash: latest[0], lastValidBlockHeight: Number(latest[1]) };
    },
    async getSlot(): Promise<number> {
      return Number(await client.getSlot());
    },
  };
  return connection as unknown as Connection;
}

export class BankrunProvider implements Provider {
  readonly connection: Connection;
  readonly wallet: KeypairWallet;
  readonly history: ProcessedTransaction[] = [];

  constructor(
    readonly context: ProgramTestContext,
    wallet: KeypairWallet = new KeypairWallet(context.payer),
  ) {
    this.wallet = wallet;
    this.connection = bankrunConnection(context);
  }

  get publicKey(): PublicKey {
    return this.wallet.publicKey;
  }

  /** The last processed transaction; throws when there was none. */
  get lastResult(): ProcessedTransaction {
    const last = this.history[this.history.length - 1];
    if (last === undefined) {
      throw new Error("no transaction processed yet");
    }
    return last;
  }

  /** Signs and processes; resolves with the signature, rejects with a `BankrunTransactionError`. */
  async sendAndConfirm(
    tx: Transaction | VersionedTransaction,
    signers: Signer[] = [],
  ): Promise<TransactionSignature> {
    const processed = await this.process(tx, signers);
    if (processed.error !== null) {
      throw new BankrunTransactionError(processed.error, [...processed.logs]);
    }
    return processed.signature;
  }

  async send(tx: Transaction | VersionedTransaction, signers: Signer[] = []): Promise<TransactionSignature> {
    return this.sendAndConfirm(tx, signers);
  }

  /** Signatures of every transaction sent, to never send the same one twice. */
  private readonly signaturesSent = new Set<string>();

  /** Signs and processes without throwing on a failed transaction. */
  async process(tx: Transaction | VersionedTransaction, signers: readonly Signer[] = []): Promise<ProcessedTransaction> {
    const client = this.context.banksClient;
    let signature = "";
    // An identical transaction under the same blockhash has the same signature, which bankrun refuses as
    // "already processed" (a test that sends one refused instruction twice). bankrun's blockhash moves with
    // wall-clock ticks, so such a test would pass or fail with the machine's load: wait for a new blockhash instead.
    for (let waitedMs = 0; ; waitedMs += 50) {
      const latest = await client.getLatestBlockhash();
      if (latest === null) {
        throw new Error("bankrun: no latest blockhash");
      }
      if (tx instanceof VersionedTransaction) {
        tx.message.recentBlockhash = latest[0];
      } else {
        tx.feePayer = tx.feePayer ?? this.wallet.publicKey;
        tx.recentBlockhash = latest[0];
        tx.signatures = [];
      }
      signWith(tx, signers);
      await this.wallet.signTransaction(tx);
      const signatureBytes = tx instanceof VersionedTransaction ? tx.signatures[0] : tx.signature;
      signature = signatureBytes ? utils.bytes.bs58.encode(signatureBytes) : "";
      if (!this.signaturesSent.has(signature)) break;
      if (waitedMs >= 10_000) throw new Error("bankrun: the blockhash did not change in 10 s; cannot resend an identical transaction");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.signaturesSent.add(signature);
    const result = await client.tryProcessTransaction(tx);
    const processed: ProcessedTransaction = {
      error: result.result,
      logs: result.meta?.logMessages ?? [],
      computeUnits: result.meta?.computeUnitsConsumed ?? 0n,
      signature,
    };
    this.history.push(processed);
    return processed;
  }
}
