/**
 * In-scenario expectations: what a scenario's author says this run must (or
 * must not) do, written in the rollup's `invariants` section and judged like
 * any invariant. Each is registered only when its field is set, so a scenario
 * without them reports exactly what it did before.
 *
 * - `min-commits` (`invariants.minCommits`): by the end of the run the chain
 *   reached at least this committed height (the highest height any honest
 *   validator committed). Judged at the end; a liveness verdict (exit 3).
 * - `max-failed-views` (`invariants.maxFailedViews`): at most this many views
 *   ended by timeout. A view `v` failed when some validator logged `tc` for
 *   `v` (it formed a timeout certificate of `v`), or when timeouts of `v`
 *   (`timeout` events, the first expiry of the view timer in `v`) were logged
 *   by a quorum (n - f, 2f + 1 at n = 3f + 1) of distinct validator identities (a twin's instance counts
 *   as its identity). Each failed view counts once, however many validators
 *   saw it fail and in whichever way. Judged at the end; a liveness verdict
 *   (exit 3).
 * - `no-honest-commit` (`invariants.noHonestCommit: true`): the scenario
 *   expects that no honest validator commits anything (a quorum never forms);
 *   the first honest commit is a violation, reported when it happens (a
 *   safety verdict: the run stops, exit 1).
 */
import type { NodeId } from "../../sim/node.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** `invariants.minCommits`: the chain reaches at least `minCommits` committed heights by the end of the run. */
export class MinCommitsChecker implements Checker {
  readonly name = "min-commits";
  readonly kind = "liveness" as const;
  private highestHeight = 0;
  private reachedAtUs: number | null = null;

  /**
   * @param minCommits the committed height the chain must reach
   * @param honest the honest validator instances (only their commits count)
   */
  constructor(
    private readonly minCommits: number,
    private readonly honest: HonestValidators,
  ) {}

  observe(o: Observation): Violation | undefined {
    if (!VALIDATOR_EVENTS.is(o, "commit") || !this.honest.has(o.node)) return undefined;
    if (o.fields.height > this.highestHeight) {
      this.highestHeight = o.fields.height;
      if (this.reachedAtUs === null && this.highestHeight >= this.minCommits) this.reachedAtUs = o.timeUs;
    }
    return undefined;
  }

  finish(endUs: number): InvariantResult {
    const figures = { minCommits: this.minCommits, committedHeight: this.highestHeight, reachedAtUs: this.reachedAtUs };
    if (this.highestHeight >= this.minCommits) return { name: this.name, kind: this.kind, ok: true, figures };
    const violation: Violation = {
      invariant: this.name,
      atUs: endUs,
      message: `the chain reached committed height ${this.highestHeight} by the end of the run, below minCommits ${this.minCommits}`,
    };
    return { name: this.name, kind: this.kind, ok: false, figures, violation };
  }
}

/** Who may time out views: the validator identities, and the instances standing for them. */
export interface ViewTimeoutRoles {
  /** Every validator of the rollup (an identity each). */
  readonly validators: readonly NodeId[];
  /** Extra instance -> the identity it runs under (a twin `v2t` -> `v2`). */
  readonly identities: ReadonlyMap<NodeId, NodeId>;
  /** Timeouts of one view from this many distinct identities end it (the quorum, n - f). */
  readonly quorum: number;
}

/** `invariants.maxFailedViews`: at most `maxFailedViews` views end by timeout (see the file comment for "failed"). */
export class MaxFailedViewsChecker implements Checker {
  readonly name = "max-failed-views";
  readonly kind = "liveness" as const;
  /** Failed views, with the time each was first seen to fail. */
  private readonly failedAtUs = new Map<number, number>();
  /** View -> identities that logged a timeout of it (views not yet failed only). */
  private readonly timeoutsByView = new Map<number, Set<NodeId>>();
  private certificates = 0;
  private quorumsOfTimeouts = 0;
  private readonly validators: ReadonlySet<NodeId>;

  /**
   * @param maxFailedViews the most views allowed to end by timeout
   * @param roles the validators, their extra instances and the quorum size
   */
  constructor(
    private readonly maxFailedViews: number,
    private readonly roles: ViewTimeoutRoles,
  ) {
    this.validators = new Set(roles.validators);
  }

  observe(o: Observation): Violation | undefined {
    if (!VALIDATOR_EVENTS.is(o, "tc", "timeout")) return undefined;
    const identity = this.roles.identities.get(o.node) ?? o.node;
    if (!this.validators.has(identity)) return undefined;
    const view = o.fields.view;
    if (this.failedAtUs.has(view)) return undefined;
    if (o.event === "tc") {
      this.certificates++;
      this.failed(view, o.timeUs);
      return undefined;
    }
    let from = this.timeoutsByView.get(view);
    if (from === undefined) {
      from = new Set();
      this.timeoutsByView.set(view, from);
    }
    from.add(identity);
    if (from.size >= this.roles.quorum) {
      this.quorumsOfTimeouts++;
      this.failed(view, o.timeUs);
    }
    return undefined;
  }

  private failed(view: number, atUs: number): void {
    this.failedAtUs.set(view, atUs);
    this.timeoutsByView.delete(view);
  }

  finish(): InvariantResult {
    const failedViews = this.failedAtUs.size;
    const figures = {
      maxFailedViews: this.maxFailedViews,
      failedViews,
      failedByCertificate: this.certificates,
      failedByQuorumOfTimeouts: this.quorumsOfTimeouts,
    };
    if (failedViews <= this.maxFailedViews) return { name: this.name, kind: this.kind, ok: true, figures };
    // The violation is dated when the view one past the allowance failed.
    const times = [...this.failedAtUs.values()].sort((a, b) => a - b);
    const views = [...this.failedAtUs.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([v]) => v);
    const violation: Violation = {
      invariant: this.name,
      atUs: times[this.maxFailedViews]!,
      message: `${failedViews} views ended by timeout, more than maxFailedViews ${this.maxFailedViews} (views ${formatViews(views)})`,
    };
    return { name: this.name, kind: this.kind, ok: false, figures, violation };
  }
}

/** `invariants.noHonestCommit`: no honest validator commits anything; the first honest commit is a violation. */
export class NoHonestCommitChecker implements Checker {
  readonly name = "no-honest-commit";
  readonly kind = "safety" as const;
  private honestCommits = 0;
  private violation: Violation | undefined;

  /** @param honest the honest validator instances */
  constructor(private readonly honest: HonestValidators) {}

  observe(o: Observation): Violation | undefined {
    if (!VALIDATOR_EVENTS.is(o, "commit") || !this.honest.has(o.node)) return undefined;
    this.honestCommits++;
    if (this.violation !== undefined) return undefined;
    this.violation = {
      invariant: this.name,
      atUs: o.timeUs,
      message: `honest validator ${o.node} committed height ${o.fields.height}, but the scenario expects no honest commit (noHonestCommit)`,
    };
    return this.violation;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { honestCommits: this.honestCommits }, this.violation);
  }
}

/** At most the first 10 views of a list, then how many more. */
function formatViews(views: readonly number[]): string {
  const shown = views.slice(0, 10).join(", ");
  return views.length > 10 ? `${shown} and ${views.length - 10} more` : shown;
}
