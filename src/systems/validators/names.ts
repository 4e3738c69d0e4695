/** Node ids of one rollup's validators system: validators, twin instances, clients. */
import type { NodeId } from "../../sim/node.js";

/** The role of a validator (either instance of a twin). */
export const VALIDATOR_ROLE = "validator";
/** The role of a workload client. */
export const CLIENT_ROLE = "client";

/** Validator ids `<prefix>v0` .. `<prefix>v{n-1}`. */
export function validatorIds(prefix: string, count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `${prefix}v${i}`);
}

/** Client ids `<prefix>c0` .. `<prefix>c{m-1}`. */
export function clientIds(prefix: string, count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `${prefix}c${i}`);
}

/**
 * The node id of the second instance of validator `node` in a Twins
 * scenario (`v3` -> `v3t`): same validator identity and key, its own host,
 * disk and links, so partitions can name each instance.
 */
export function twinName(node: NodeId): NodeId {
  return `${node}t`;
}
