/**
 * Work shared between the simulated nodes of one run.
 *
 * The simulator runs every node in one process. When N honest validators
 * execute the same block on the same state, or decode the same transaction
 * bytes, they compute the same thing N times. A {@link RunMemo} remembers the
 * answer of such a pure computation by a key that names every input it reads,
 * so the first node computes and the others reuse the answer: the nodes then
 * hold the same (immutable) result objects, and the run's results and trace
 * digest are the ones without sharing. A node whose inputs differ (another
 * state, other bytes) has another key and computes for itself.
 *
 * A memo lives for one run (the validators system makes one per run and
 * rollup), never across runs or seeds, so `--jobs` cannot change a result;
 * it holds at most `capacity` answers, evicting the oldest first.
 *
 * `--check-sharing` ({@link SharingCheck}) recomputes a sample of the answers
 * reused and stops the run with {@link SharingMismatchError} when one differs:
 * the proof that the memo's key covers what the computation reads. This is a
 * shortcut of the simulation process (as `crypto/verify-memo.ts` is for
 * signatures); real mode computes everything itself.
 */

/**
 * A memo answered differently from the computation it stands for. Not a node
 * bug but the simulator's own: the host lets it through (no `node-error`
 * verdict), the run stops, and the CLI exits with code 7.
 */
export class SharingMismatchError extends Error {
  constructor(
    /** The memo's name (`block-execution`, `transactions`). */
    readonly memo: string,
    /** The key whose remembered answer differs. */
    readonly key: string,
    /** What differs, in words. */
    readonly difference: string,
  ) {
    super(`sharing check: the ${memo} memo's answer for ${key} differs from the computation: ${difference}`);
    this.name = "SharingMismatchError";
  }
}

/**
 * Which reused answers `--check-sharing` recomputes: every `every`-th hit
 * across the run's memos, starting at hit `offset` (from the seed, so the
 * sample moves between seeds and is the same on a replay).
 */
export class SharingCheck {
  private hits = 0;
  /** Hits recomputed so far. */
  checked = 0;
  /** The first hit recomputed, in 0..every-1. */
  readonly offset: number;

  /**
   * @param every recompute one hit in `every` (1: all of them); a positive integer
   * @param offset the first hit recomputed (taken modulo `every`)
   * @throws RangeError when `every` is not a positive integer
   */
  constructor(
    readonly every: number,
    offset: number,
  ) {
    if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`sharing check: every must be a positive integer, got ${every}`);
    if (!Number.isSafeInteger(offset)) throw new RangeError(`sharing check: offset must be an integer, got ${offset}`);
    this.offset = ((offset % every) + every) % every;
  }

  /** Counts one hit; true when this one is to be recomputed. */
  sample(): boolean {
    const take = this.hits >= this.offset && (this.hits - this.offset) % this.every === 0;
    this.hits++;
    if (take) this.checked++;
    return take;
  }
}

/**
 * How a run shares work between its simulated nodes (`RunEnvironment.sharing`).
 * Default: shared, unchecked. The trace digest and the report are the same either way.
 */
export interface SharingOptions {
  /** Every node computes everything itself (for comparisons and tests). Default false. */
  readonly off?: boolean;
  /** Recompute one reused answer in `checkEvery` (`--check-sharing`), from a seeded first one. Default: none. */
  readonly checkEvery?: number;
  /** The sampler to use instead of one made from `checkEvery` (the caller reads its count afterwards). */
  readonly check?: SharingCheck;
  /**
   * Makes each memo (a test hook: a deliberately broken memo built in a test). Default `new RunMemo(...)`.
   * The memo must answer `V` of the named computation (`block-execution`, `transactions`).
   */
  readonly createMemo?: (name: string, capacity: number, check: SharingCheck | undefined) => RunMemo<unknown>;
}

/** The sampler a run's memos use under `options` (undefined: no check), the first hit taken from `seed`. */
export function sharingCheckOf(options: SharingOptions | undefined, seed: number): SharingCheck | undefined {
  if (options?.check !== undefined) return options.check;
  if (options?.checkEvery === undefined) return undefined;
  return new SharingCheck(options.checkEvery, seed % options.checkEvery);
}

/** Default `--check-sharing` sample: one reused answer in this many is recomputed. */
export const CHECK_SHARING_EVERY_DEFAULT = 10;

/** Hits and misses of a memo, for reports and tests. */
export interface MemoStats {
  readonly hits: number;
  readonly misses: number;
  /** Hits recomputed by the sharing check. */
  readonly checked: number;
  readonly size: number;
}

/** How {@link RunMemo.through} compares and checks answers. */
export interface ThroughOptions<V> {
  /** The difference between a remembered and a recomputed answer in words, or undefined when they are the same. */
  readonly differ: (remembered: V, computed: V) => string | undefined;
  /** Checks a remembered answer against inputs the key only hashes (the bytes themselves); a refused one is recomputed. */
  readonly accepts?: (remembered: V) => boolean;
  /** The computation the sharing check runs (default: `compute`), e.g. one that shares nothing itself. */
  readonly recompute?: () => V;
}

/**
 * Answers of one pure computation by key, for one run (see the module docstring).
 * `V` must never be mutated by its users: every node that hits holds the same object.
 */
export class RunMemo<V> {
  private readonly answers = new Map<string, V>();
  private hits = 0;
  private misses = 0;
  private checked = 0;

  /**
   * @param name what the memo remembers, for messages
   * @param capacity most answers kept; the oldest is evicted past it (a positive integer)
   * @param check recomputes a sample of the hits (`--check-sharing`); none by default
   * @throws RangeError when `capacity` is not a positive integer
   */
  constructor(
    readonly name: string,
    readonly capacity: number,
    private readonly check?: SharingCheck,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`${name} memo: capacity must be a positive integer, got ${capacity}`);
  }

  /** The remembered answer of `key` (a test may override it to build a broken memo). */
  protected lookup(key: string): V | undefined {
    return this.answers.get(key);
  }

  /** Remembers `value` as the answer of `key`, evicting the oldest answer when full. */
  remember(key: string, value: V): void {
    if (this.answers.has(key)) return;
    if (this.answers.size >= this.capacity) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(key, value);
  }

  /**
   * The answer of `key`: the remembered one when there is one (and `how.accepts` it),
   * else `compute()`, remembered. A hit the sharing check samples is recomputed
   * (`how.recompute`, default `compute`) and compared with `how.differ`.
   * @param compute the computation the memo stands for; pure in what `key` names
   * @throws SharingMismatchError when a recomputed hit differs
   */
  through(key: string, compute: () => V, how: ThroughOptions<V>): V {
    const known = this.lookup(key);
    if (known !== undefined && (how.accepts === undefined || how.accepts(known))) {
      this.hits++;
      if (this.check?.sample() === true) {
        this.checked++;
        const difference = how.differ(known, (how.recompute ?? compute)());
        if (difference !== undefined) throw new SharingMismatchError(this.name, key, difference);
      }
      return known;
    }
    this.misses++;
    const value = compute();
    if (known !== undefined) this.answers.delete(key);
    this.remember(key, value);
    return value;
  }

  /** Hits, misses and checks so far. */
  get stats(): MemoStats {
    return { hits: this.hits, misses: this.misses, checked: this.checked, size: this.answers.size };
  }
}
