export { HotStuffReplica, type ReplicaConfig } from "./hotstuff/replica.js";
