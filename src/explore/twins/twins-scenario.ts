/**
 * One Twins case as a scenario (raw file form, so a seed file holds it whole
 * and `replay` needs nothing else): the base scenario, plus
 *
 * - a `twin` entry for each of the first t validators (and
 *   `allowMoreThanF` when t > f);
 * - `validators.leaders`: the leader of each view 1 ... R (both instances of
 *   a twin lead their validator's views);
 * - per round r whose partition has two groups or more, a partition keyed by
 *   view r (`"views": [r, r]`, every message type) with Twins group
 *   semantics, named `round-r`; instances are grouped, other nodes (clients,
 *   the L1) are in no group and keep their links;
 * - a `heal` when the first honest validator enters view R + 1, so every cut
 *   is gone (messages of old views from a lagging node included), and another
 *   at `healAtUs` in case the views never get there (a round can leave no
 *   group able to finish its view: the nodes that could form its certificate
 *   moved on, the others wait forever for messages of that view); liveness is
 *   judged from the later of the two.
 */
import { InputError } from "../../config/errors.js";
import { groupsOf } from "./set-partitions.js";
import { describeCase, instanceNames, type TwinsCase, type TwinsSpace } from "./twins-cases.js";

/**
 * Checks that a base scenario (raw file form, already validated) can take Twins cases: one rollup, `space.validators`
 * validators, no byzantine entry of its own.
 * @throws InputError naming the field
 */
export function checkTwinsBase(raw: Readonly<Record<string, unknown>>): void {
  if ("rollups" in raw) throw new InputError("rollups", "explore --twins runs scenarios with one rollup (the top-level layout)");
  const byzantine = raw.byzantine as unknown[] | undefined;
  if (byzantine !== undefined && byzantine.length > 0) throw new InputError("byzantine", "explore --twins adds its own twin entries: the base scenario must have no byzantine validators");
  const leaders = (raw.validators as { leaders?: Record<string, unknown> } | undefined)?.leaders;
  if (leaders !== undefined && Object.keys(leaders).length > 0) throw new InputError("validators.leaders", "explore --twins writes the leader table of its rounds: the base scenario must have none");
}

/**
 * The scenario of one case.
 * @param base the base scenario in file form with the case's seed set (see `checkTwinsBase`)
 * @param note what the description says of the case (`case 3 of 200, sampled`)
 * @param healAtUs the time of the second heal, microseconds (see the file comment)
 */
export function twinsScenario(base: Readonly<Record<string, unknown>>, space: TwinsSpace, c: TwinsCase, note: string, healAtUs: number): Record<string, unknown> {
  const names = instanceNames(space);
  const f = Math.floor((space.validators - 1) / 3);
  const leaders: Record<string, string> = {};
  const partitions: Record<string, unknown>[] = [];
  c.forEach((round, r) => {
    const view = r + 1;
    leaders[String(view)] = `v${round.leader}`;
    const groups = groupsOf(round.blocks).map((g) => g.map((x) => names[x]!));
    if (groups.length >= 2) partitions.push({ action: "partition", id: `round-${view}`, views: [view, view], groups });
  });
  const twins = Array.from({ length: space.twins }, (_, j) => ({ node: `v${j}`, behavior: "twin" }));
  const description = `${typeof base.description === "string" ? `${base.description} ` : ""}[twins ${note}: n=${space.validators} t=${space.twins} R=${space.rounds} k=${space.partitionsMax}; ${describeCase(space, c)}]`;
  return {
    ...base,
    description,
    validators: { ...(base.validators as Record<string, unknown>), leaders },
    byzantine: twins,
    allowMoreThanF: base.allowMoreThanF === true || space.twins > f,
    faults: [...((base.faults as unknown[] | undefined) ?? []), ...partitions, { at: { view: space.rounds + 1 }, action: "heal" }, { at: healAtUs, action: "heal" }],
  };
}
