/**
 * Root agreement: honest validators compute the same state root at every
 * height (DESIGN.md, "Invariants"). Each validator logs `state-root` with the
 * root it computed itself when it commits a height; a validator that cannot
 * reproduce a committed block logs the root `unexecutable`, which fails too.
 * Only the honest validators it is given are judged.
 */
import type { NodeId } from "../../sim/node.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** Checks root agreement (see the file comment). */
export class RootAgreementChecker implements Checker {
  readonly name = "root-agreement";
  readonly kind = "safety" as const;
  private readonly roots = new Map<number, { readonly root: string; readonly node: NodeId }>();
  private reports = 0;
  private violation: Violation | undefined;

  /** @param honest the honest validator instances (the nodes judged) */
  constructor(private readonly honest: HonestValidators) {}

  observe(o: Observation): Violation | undefined {
    if (!VALIDATOR_EVENTS.is(o, "state-root") || !this.honest.has(o.node)) return undefined;
    this.reports++;
    const { height, root } = o.fields;
    if (root === "unexecutable") return this.fail(o, `${o.node} committed height ${height} but cannot reproduce its state root`);
    const first = this.roots.get(height);
    if (first === undefined) {
      this.roots.set(height, { root, node: o.node });
      return undefined;
    }
    if (first.root !== root) return this.fail(o, `height ${height}: ${first.node} computed root ${first.root.slice(0, 16)}, ${o.node} computed ${root.slice(0, 16)}`);
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { heightsChecked: this.roots.size, rootReports: this.reports }, this.violation);
  }

  private fail(o: Observation, message: string): Violation {
    this.violation ??= { invariant: this.name, atUs: o.timeUs, message };
    return this.violation;
  }
}
