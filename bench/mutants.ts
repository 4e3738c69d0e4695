/**
 * Mutants for the bug-finding benchmark (`bench/find-bugs.ts`): classic BFT
 * and ledger bugs, each a textual patch of the BUILT code (`dist/`), applied
 * to a copy of the package in a temporary folder, never to `src/`. A patch is
 * (file, exact search text, replacement); it must match exactly once, or the
 * benchmark stops with an error naming the mutant (the compiled text moved:
 * update the patch).
 *
 * Mutation testing of a simulator's fault search (DESIGN.md, "Faults":
 * "inject a rule's bug, count whether exploration finds it"). The rules and
 * their sources: the voting rule and the two-chain commit of Jolteon/DiemBFT
 * v4 (Gelashvili et al., "Jolteon and Ditto", FC 2022; HotStuff-2, Malkhi and
 * Nayak 2023), quorum intersection (2f + 1 of 3f + 1), certificate
 * verification with distinct signers, persist-before-send of the safety state
 * (the durability rule every BFT replica has), and the ledger's supply
 * accounting.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One textual patch of a built file. */
export interface TextPatch {
  /** Path from the package root, e.g. `dist/src/consensus/validator-set.js`. */
  readonly file: string;
  /** Exact text to find: it must occur exactly once in the file. */
  readonly search: string;
  readonly replace: string;
}

/** A mutant: a named bug, its patches, and the scenario that should expose it. */
export interface Mutant {
  readonly name: string;
  /** The bug in one line. */
  readonly bug: string;
  readonly patches: readonly TextPatch[];
  /** The base scenario, from the package root (`bench/scenarios/bft-4.json`). */
  readonly scenario: string;
  /** Which explore mode should find it, and how (a checker, a fault kind). */
  readonly expect: string;
}

const PROPOSALS = "dist/src/consensus/hotstuff/proposals.js";
const VALIDATOR_SET = "dist/src/consensus/validator-set.js";
const COMMIT = "dist/src/consensus/hotstuff/commit.js";
const EXECUTE = "dist/src/vm/execute.js";
const BFT_4 = "bench/scenarios/bft-4.json";

/** The mutants, in table order. */
export const MUTANTS: readonly Mutant[] = [
  {
    name: "double-vote",
    bug: "a replica votes without checking its last voted view (again after a timeout in the view, again for a duplicate proposal)",
    patches: [
      { file: PROPOSALS, search: "if (block.view !== r.currentView || block.view <= r.safety.lastVotedView)", replace: "if (block.view !== r.currentView)" },
      { file: PROPOSALS, search: 'assert(block.view > r.safety.lastVotedView, "vote only for a view above the last voted view");', replace: "" },
    ],
    scenario: BFT_4,
    expect: "swarm or guided: a duplicate rate (swarm-only `duplicate`) or a late proposal after a timeout; the equivocation checker",
  },
  {
    name: "quorum-2f",
    bug: "quorum of n - f - 1 (2f at n = 3f + 1) instead of n - f: two quorums need not intersect in an honest validator",
    patches: [{ file: VALIDATOR_SET, search: "this.quorum = validators.length - this.f;", replace: "this.quorum = validators.length - this.f - 1;" }],
    scenario: BFT_4,
    expect: "swarm or guided: a 2|2 partition (or a twin split) lets both sides certify and commit; agreement",
  },
  {
    name: "qc-repeated-signer",
    bug: "QC/TC verification counts signatures without rejecting a repeated signer",
    patches: [{ file: VALIDATOR_SET, search: "if (seen.has(s.signer))\n                return false;\n", replace: "" }],
    scenario: BFT_4,
    expect: "swarm or guided: the swarm-only `byzantine` kind with the `forged-qc` rule adversary (a repeated-signer QC); reorg-bound or agreement",
  },
  {
    name: "commit-no-consecutive",
    bug: "two-chain commit without the consecutive-view check (a QC for B' commits its parent B whatever B'.view - B.view)",
    patches: [{ file: COMMIT, search: "parent.view + 1 !== certified.view || ", replace: "" }],
    scenario: BFT_4,
    expect: "swarm or guided: view changes that leave a certified fork behind (partitions, isolation of the leader, twins); agreement",
  },
  {
    name: "tc-ignores-high-qc",
    bug: "safe-to-vote after a TC ignores the TC's highest QC (votes for a block extending any QC once a TC exists)",
    patches: [{ file: PROPOSALS, search: " && block.justify.view >= maxHighQCView(tc);", replace: ";" }],
    scenario: BFT_4,
    expect: "swarm or guided: a byzantine leader on a stale QC after a TC (`stale-qc`, `fork-older`, `conflicting-justify`); reorg-bound or agreement",
  },
  {
    name: "persist-after-send",
    bug: "the vote is sent before the raised last voted view is persisted (a crash in between forgets the vote)",
    patches: [
      { file: PROPOSALS, search: "r.safety.lastVotedView = block.view;\n    persistSafetyState(r.ctx.storage, r.safety);", replace: "r.safety.lastVotedView = block.view;" },
      { file: PROPOSALS, search: "r.sendTo(r.leaderOf(block.view + 1), vote);", replace: "r.sendTo(r.leaderOf(block.view + 1), vote);\n    persistSafetyState(r.ctx.storage, r.safety);" },
    ],
    scenario: BFT_4,
    expect: "hard: a crash point after the vote's send, a restart, and the same proposal again (redeliver); the equivocation checker",
  },
  {
    name: "fee-burn-supply",
    bug: "the VM burns the fee from the sender's balance but leaves the native asset's supply unchanged",
    patches: [{ file: EXECUTE, search: "state.setAsset({ ...native, supply: native.supply - tx.fee });", replace: "" }],
    scenario: BFT_4,
    expect: "any mode, first seed: the conservation checker at the first block with a fee",
  },
];

/**
 * Applies a patch to the file under `root`.
 * @throws Error naming the mutant and the file when the search text does not occur exactly once
 */
export function applyPatch(root: string, mutant: string, patch: TextPatch): void {
  const path = join(root, patch.file);
  const text = readFileSync(path, "utf8");
  const matches = text.split(patch.search).length - 1;
  if (matches !== 1) throw new Error(`mutant ${mutant}: the patch of ${patch.file} matches ${matches} times (it must match exactly once): ${JSON.stringify(patch.search)}`);
  writeFileSync(path, text.replace(patch.search, () => patch.replace));
}

/**
 * Applies every patch of `mutant` under `root`, in order.
 * @throws Error on the first patch that does not match exactly once
 */
export function applyMutant(root: string, mutant: Mutant): void {
  for (const patch of mutant.patches) applyPatch(root, mutant.name, patch);
}
