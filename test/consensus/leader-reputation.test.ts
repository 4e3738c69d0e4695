/**
 * Leader reputation (`consensus/leader-election/reputation.ts`) as a pure
 * function of the committed chain: two elections told the same blocks name
 * the same leaders; a validator that stops proposing and voting loses its
 * weight and is then rarely chosen, but never never (it regains its weight
 * once it votes again); the history and the work per block are bounded;
 * bad options are refused. A round-robin election in the same simulated
 * chain is the broken variant: it keeps choosing the dead validator.
 */
import { describe, expect, it } from "vitest";
import { leaderElectionFactory } from "../../src/consensus/leader-election/elections.js";
import type { LeaderElection } from "../../src/consensus/leader-election/leader-election.js";
import {
  FAILED_PROPOSERS_PER_BLOCK_MAX,
  HISTORY_SLACK_BLOCKS,
  LeaderReputation,
  REPUTATION_DEFAULTS,
  reputationDefaults,
  type ReputationOptions,
} from "../../src/consensus/leader-election/reputation.js";
import { roundRobin } from "../../src/consensus/leader-election/round-robin.js";
import type { Block } from "../../src/consensus/types.js";

const HASH = new Uint8Array(32);

/** A committed block as the election reads it: view, height, proposer, and the view of the QC it carries for its parent; `voters` sign that QC (the election ignores them: signatures are outside the block hash). */
function block(height: number, view: number, parentView: number, proposer: number, voters: readonly number[]): Block {
  return {
    view,
    height,
    parentHash: HASH,
    justify: { view: parentView, height: height - 1, blockHash: HASH, signatures: voters.map((signer) => ({ signer, signature: HASH })) },
    proposer,
    timestampUs: height,
    payload: new Uint8Array(0),
    hash: HASH,
  };
}

const all = (n: number): number[] => [...Array(n).keys()];

/**
 * Drives a chain the way the protocol does, one view at a time: view v
 * yields a committed block when its leader and the next view's leader (who
 * collects the votes) are both up; its QC is signed by every validator up.
 * @returns how often each validator led, views from `countFrom` on
 */
function drive(election: LeaderElection, n: number, views: number, isUp: (validator: number, view: number) => boolean, countFrom = 0, chain = { height: 0, view: 0, parentView: 0, parentVoters: [] as number[] }): number[] {
  const led = new Array<number>(n).fill(0);
  for (let view = chain.view + 1; view <= views; view++) {
    chain.view = view;
    const leader = election.leaderOf(view);
    if (view >= countFrom) led[leader]!++;
    if (!isUp(leader, view) || !isUp(election.leaderOf(view + 1), view)) continue;
    chain.height++;
    election.onCommit?.(block(chain.height, view, chain.parentView, leader, chain.parentVoters));
    chain.parentView = view;
    chain.parentVoters = all(n).filter((v) => isUp(v, view));
  }
  return led;
}

describe("leader reputation", () => {
  it("two elections told the same committed chain name the same leader for every view (determinism and agreement)", () => {
    const n = 7;
    const a = new LeaderReputation(reputationDefaults(n));
    const b = new LeaderReputation(reputationDefaults(n));
    const isUp = (v: number, view: number) => !(v === 3 && view > 100);
    drive(a, n, 600, isUp);
    // b is told the chain a committed, block by block, by replaying a's choices.
    const replay = new LeaderReputation(reputationDefaults(n));
    const chain: Block[] = [];
    const recorder: LeaderElection = { leaderOf: (view) => replay.leaderOf(view), onCommit: (blk) => (chain.push(blk), replay.onCommit(blk)) };
    drive(recorder, n, 600, isUp);
    for (const blk of chain) b.onCommit(blk);
    for (let view = 0; view < 700; view++) expect(b.leaderOf(view)).toBe(a.leaderOf(view));
    expect(b.weights(650)).toEqual(a.weights(650));
  });

  it("the QC signers a block carries do not count: replicas holding one block with two signer sets agree (its hash leaves the signatures out)", () => {
    // Found by the safety property: a twin pair proposed one block (same hash) with two different QCs; an election that
    // counted the signers as votes gave the replicas different weights, and commits stopped.
    const n = 5;
    const a = new LeaderReputation(reputationDefaults(n));
    const b = new LeaderReputation(reputationDefaults(n));
    for (let h = 1; h <= 200; h++) {
      const proposer = a.leaderOf(h);
      a.onCommit(block(h, h, h - 1, proposer, [0, 1, 2, 4]));
      b.onCommit(block(h, h, h - 1, proposer, h % 10 === 0 ? [1, 2, 3, 4] : [0, 1, 2, 4]));
    }
    for (let view = 150; view < 210; view++) expect(b.leaderOf(view)).toBe(a.leaderOf(view));
    expect(b.weights(205)).toEqual(a.weights(205));
  });

  it("a replica that committed less agrees on the views whose history it has (up to its newest block + exclude)", () => {
    const n = 4;
    const options = reputationDefaults(n);
    const full = new LeaderReputation(options);
    const chain: Block[] = [];
    drive({ leaderOf: (v) => full.leaderOf(v), onCommit: (blk) => (chain.push(blk), full.onCommit(blk)) }, n, 300, (v, view) => !(v === 1 && view > 50));
    const lagging = new LeaderReputation(options);
    const behind = chain.slice(0, chain.length - 5);
    for (const blk of behind) lagging.onCommit(blk);
    const newest = behind[behind.length - 1]!.view;
    // From some way below its newest block (both keep the blocks the windows need there) up to newest + exclude.
    for (let view = newest - 30; view <= newest + options.exclude; view++) expect(lagging.leaderOf(view), `view ${view}`).toBe(full.leaderOf(view));
    // Past that, it may name another leader until it catches up (liveness only).
    expect(lagging.leaderOf(newest + options.exclude + 1)).toBeGreaterThanOrEqual(0);
  });

  it("a validator down for good loses its weight after the window and is then rarely chosen; round-robin keeps choosing it", () => {
    const n = 7;
    const down = new Set([2, 5]);
    const isUp = (v: number, view: number) => !(down.has(v) && view > 40);
    const election = new LeaderReputation(reputationDefaults(n));
    const led = drive(election, n, 3000, isUp, 400);
    const weights = election.weights(3000);
    for (const v of down) expect(weights[v]).toBe(REPUTATION_DEFAULTS.failedWeight);
    for (const v of all(n).filter((v) => !down.has(v))) expect(weights[v]).toBe(REPUTATION_DEFAULTS.activeWeight);
    const deadShare = (led[2]! + led[5]!) / 2600;
    expect(deadShare).toBeLessThan(0.02);
    for (const v of all(n).filter((v) => !down.has(v))) expect(led[v]! / 2600).toBeGreaterThan(0.15);

    // The broken variant: the same chain under round-robin leaves 2 views in 7 to the dead validators.
    const rr = drive(roundRobin(n), n, 3000, isUp, 400);
    expect((rr[2]! + rr[5]!) / 2600).toBeGreaterThan(0.25);
  });

  it("every validator is still chosen sometimes, and one that recovers regains its full weight", () => {
    const n = 4;
    const options = reputationDefaults(n);
    const election = new LeaderReputation(options);
    const upAgainAt = 4000;
    const isUp = (v: number, view: number) => !(v === 1 && view > 30 && view < upAgainAt);
    const chain = { height: 0, view: 0, parentView: 0, parentVoters: [] as number[] };
    const ledWhileDown = drive(election, n, upAgainAt - 1, isUp, 500, chain);
    expect(ledWhileDown[1]).toBeGreaterThan(0); // never excluded for good: the draw still lands on it now and then
    expect(election.weights(upAgainAt - 1)[1]).toBeLessThan(options.activeWeight);
    // Back up: its votes are in the QCs again, and its failures slide out of the proposer window.
    const led = drive(election, n, upAgainAt + 3000, () => true, upAgainAt + 1000, chain);
    expect(election.weights(upAgainAt + 3000)).toEqual([options.activeWeight, options.activeWeight, options.activeWeight, options.activeWeight]);
    expect(led[1]! / 2000).toBeGreaterThan(0.15);
  });

  it("validators in good standing take their turns in round-robin order: with everyone active, the leader of v is v mod n", () => {
    const n = 7;
    const election = new LeaderReputation(reputationDefaults(n));
    drive(election, n, 400, () => true);
    for (let view = 300; view < 400; view++) expect(election.leaderOf(view)).toBe(view % n);
    // With two validators down for good, the five others share the views in index order, none twice in a row.
    const down = new LeaderReputation(reputationDefaults(n));
    drive(down, n, 2000, (v, view) => !((v === 2 || v === 5) && view > 40));
    // (Views near the newest block: the election keeps the history they need, not that of views far below it.)
    const leaders = [...Array(100).keys()].map((i) => down.leaderOf(1900 + i));
    for (let i = 1; i < leaders.length; i++) expect(leaders[i]).not.toBe(leaders[i - 1]);
    expect(leaders.filter((v) => v === 2 || v === 5).length).toBeLessThan(3);
  });

  it("charges the views after the one whose leader formed the QC the block carries, never that leader", () => {
    const n = 4;
    const options = { ...reputationDefaults(n), exclude: 2, staleViews: 100 };
    const election = new LeaderReputation(options);
    // Blocks at views 1..10, all validators voting; then a block at view 12 on the QC of view 10 (view 11 skipped).
    let height = 0;
    for (let view = 1; view <= 10; view++) election.onCommit(block(++height, view, view - 1, election.leaderOf(view), all(n)));
    const skippedOne = election.leaderOf(11);
    election.onCommit(block(++height, 12, 10, election.leaderOf(12), all(n)));
    // The leader of 11 formed the QC of view 10: not charged, so nobody's weight fell.
    expect(election.weights(12 + options.exclude)).toEqual(new Array(n).fill(options.activeWeight));
    // A block at view 16 on the QC of view 12 skips 13..15: the leaders of 14 and 15 are charged, not that of 13.
    const charged = new Set([election.leaderOf(14), election.leaderOf(15)]);
    const spared = election.leaderOf(13);
    election.onCommit(block(++height, 16, 12, election.leaderOf(16), all(n)));
    const weights = election.weights(16 + options.exclude);
    for (const v of charged) expect(weights[v]).toBe(options.failedWeight);
    if (!charged.has(spared)) expect(weights[spared]).toBe(options.activeWeight);
    expect(skippedOne).toBeGreaterThanOrEqual(0);
  });

  it("keeps a bounded history and charges at most 10 failed proposers per block, whatever the chain", () => {
    const n = 7;
    const options = reputationDefaults(n);
    const election = new LeaderReputation(options);
    let view = 0;
    for (let height = 1; height <= 5000; height++) {
      const parentView = view;
      view += height % 100 === 0 ? 1_000_000 : 1; // now and then a jump of a million views
      election.onCommit(block(height, view, parentView, height % n, all(n)));
      expect(election.historyLength).toBeLessThanOrEqual(options.proposerWindow + options.exclude + HISTORY_SLACK_BLOCKS);
    }
    // A jump charges FAILED_PROPOSERS_PER_BLOCK_MAX failures at most: with about 10 proposals each in the window, no validator ends up failed.
    expect(FAILED_PROPOSERS_PER_BLOCK_MAX).toBe(10);
    expect(election.leaderOf(view + 1)).toBeGreaterThanOrEqual(0);
    // Signers out of range or repeated, and a proposer out of range, are ignored rather than counted or thrown on.
    const odd = block(5001, view + 1, view, 99, [0, 0, 0, 1000, -1, 1.5]);
    expect(() => election.onCommit(odd)).not.toThrow();
    expect(election.leaderOf(view + 1 + options.exclude)).toBeLessThan(n);
  });

  it("falls back to round-robin when the history is stale, and restarts it after a gap in heights (a snapshot)", () => {
    const n = 4;
    const options = reputationDefaults(n);
    const election = new LeaderReputation(options);
    for (let h = 1; h <= 20; h++) election.onCommit(block(h, h, h - 1, h % n, all(n)));
    // No block committed above view 20: a view whose history ends staleViews views past it goes round-robin.
    const stale = 20 + options.exclude + options.staleViews;
    expect(election.isStale(stale)).toBe(true);
    expect(election.isStale(stale - 1)).toBe(false);
    for (let view = stale; view < stale + 50; view++) expect(election.leaderOf(view)).toBe(view % n);
    // A snapshot's block at height 500: the history restarts there; below it, views are unknown, hence round-robin.
    election.onCommit(block(500, 900, 899, 1, all(n)));
    expect(election.historyLength).toBe(1);
    expect(election.leaderOf(850)).toBe(850 % n);
    expect(election.isStale(900 + options.exclude)).toBe(false);
  });

  it("refuses out-of-range options and views with a RangeError, and a block told twice with an assertion", () => {
    const good = reputationDefaults(4);
    const bad: Partial<ReputationOptions>[] = [
      { validatorCount: 0 },
      { validatorCount: 1025 },
      { proposerWindow: 0 },
      { proposerWindow: 100_001 },
      { exclude: -1 },
      { activeWeight: 0 },
      { activeWeight: 1.5 },
      { failedWeight: 0 },
      { failureThresholdPercent: 101 },
      { staleViews: 0 },
    ];
    for (const patch of bad) expect(() => new LeaderReputation({ ...good, ...patch })).toThrow(RangeError);
    expect(() => leaderElectionFactory("reputation", 4, { exclude: -3 })).toThrow(RangeError);
    const election = new LeaderReputation(good);
    expect(() => election.leaderOf(-1)).toThrow(RangeError);
    expect(() => election.leaderOf(2.5)).toThrow(RangeError);
    election.onCommit(block(1, 1, 0, 1, []));
    expect(() => election.onCommit(block(1, 2, 1, 1, []))).toThrow(/height order/);
  });

  it("the factory builds round-robin or reputation, a fresh election per call", () => {
    const rr = leaderElectionFactory("round-robin", 5)();
    expect([0, 1, 2, 3, 4, 5, 6].map((v) => rr.leaderOf(v))).toEqual([0, 1, 2, 3, 4, 0, 1]);
    const factory = leaderElectionFactory("reputation", 5, { exclude: 4, proposerWindow: undefined });
    const first = factory();
    const second = factory();
    expect(first).not.toBe(second);
    expect([...Array(50).keys()].map((v) => first.leaderOf(v))).toEqual([...Array(50).keys()].map((v) => second.leaderOf(v)));
  });
});
