/**
 * Registries whose validators run the real replica over a validator set built
 * by the test (a deliberately weakened one: a smaller quorum, no signer
 * deduplication...), never in `src/`. Keys and chain settings are derived as
 * `systems/validators/node-factories.ts` derives them, so only the set differs.
 */
import { TwinReplica } from "../../src/consensus/byzantine/twin.js";
import { HotStuffReplica } from "../../src/consensus/replica.js";
import type { ValidatorMessage } from "../../src/consensus/types.js";
import type { ValidatorInfo, ValidatorSet } from "../../src/consensus/validator-set.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import type { SignatureScheme } from "../../src/crypto/signature.js";
import { NETWORK_BACKGROUND_KINDS } from "../../src/harness/faults/background.js";
import type { NodeSpec } from "../../src/harness/node-spec.js";
import { SystemRegistry } from "../../src/harness/registry.js";
import type { System } from "../../src/harness/system.js";
import type { Node } from "../../src/sim/node.js";
import { BUILTIN_SYSTEMS, WORLD_FAULT_KINDS } from "../../src/systems/index.js";
import type { Scenario } from "../../src/systems/scenario-shape.js";
import { replicaConfig, validatorKeySeed } from "../../src/systems/validators/node-factories.js";

/** Which validator nodes get the weakened set. */
export interface WeakenedScope {
  /** Only honest validators (byzantine ones are built as usual); default false: every validator instance, twins included. */
  readonly honestOnly?: boolean;
}

/**
 * The built-in systems with the chosen validator instances running the real
 * replica (a {@link TwinReplica} for a twin instance) over the set `makeSet`
 * returns, one set per run shared by those instances.
 *
 * @param makeSet builds the weakened set from the validators (ids `v0..`, keys from the scenario seed) and the scheme
 * @param scope which instances to weaken
 * @throws Error at build time when a chosen instance is neither a plain replica nor a twin
 */
export function registryWithValidatorSet(makeSet: (validators: readonly ValidatorInfo[], scheme: SignatureScheme) => ValidatorSet, scope: WeakenedScope = {}): SystemRegistry<Scenario> {
  const [validators, ...others] = BUILTIN_SYSTEMS.systems;
  const weakened: System<Scenario> = {
    ...validators!,
    build(ctx) {
      const s = ctx.scenario;
      const scheme = createSignatureScheme(s.validators.signatureScheme);
      const ids = Array.from({ length: s.validators.count }, (_, i) => `v${i}`);
      const keys = ids.map((id) => scheme.keyPairFromSeed(validatorKeySeed(s.seed, id)));
      const set = makeSet(
        ids.map((id, i) => ({ id, publicKey: keys[i]!.publicKey })),
        scheme,
      );
      const world = ctx.world;
      const addNode = world.addNode.bind(world);
      world.addNode = <M>(spec: NodeSpec<M>): void => {
        const index = ids.indexOf(spec.instanceOf ?? spec.id);
        if (spec.role !== "validator" || index < 0 || (scope.honestOnly === true && !spec.honest)) return addNode(spec);
        const create = (): Node<M> => {
          // The node as built, for its fresh application; the replica over the weakened set instead.
          const built = (spec.create as () => Node<ValidatorMessage>)();
          if (!(built instanceof HotStuffReplica || built instanceof TwinReplica)) throw new Error(`${spec.id} is not a plain replica or twin`);
          const config = replicaConfig({ validators: set, index, keyPair: keys[index]!, chain: s.validators, checkpoints: s.checkpoints });
          return (spec.instanceOf !== undefined ? new TwinReplica(config, built.application) : new HotStuffReplica(config, built.application)) as unknown as Node<M>;
        };
        addNode({ ...spec, create });
      };
      try {
        return validators!.build(ctx);
      } finally {
        world.addNode = addNode;
      }
    },
  };
  return new SystemRegistry<Scenario>(WORLD_FAULT_KINDS, NETWORK_BACKGROUND_KINDS, [weakened, ...others]);
}
