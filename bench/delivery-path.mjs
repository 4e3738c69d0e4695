// Microbenchmark of the message delivery path's own work (no node handler): for one broadcast of a
// proposal to `receivers` validators, the trace event and the decoding per receiver, as the world does it
// before (each receiver decodes; the trace node field built as `from>to`) and after (one shared frozen
// decoding; recordLink). Also one vote (unicast). Usage: node bench/delivery-path.mjs [payloadBytes] [rounds]
// Alternates the two variants in one process and prints CPU microseconds per broadcast (median of rounds).
import { decodeValidatorMessage, encodeValidatorMessage, validatorCodec } from "../dist/src/consensus/wire.js";
import { SharedDecoder } from "../dist/src/net/shared-decode.js";
import { TraceChain } from "../dist/src/sim/trace.js";
import { decodeStoredBlock, encodeBlock } from "../dist/src/consensus/wire.js";

const payloadBytes = Number(process.argv[2] ?? 4000);
const rounds = Number(process.argv[3] ?? 15);
const receivers = 6;
const b32 = (n) => new Uint8Array(32).fill(n);
const block = decodeStoredBlock(encodeBlock({ view: 9, height: 8, parentHash: b32(1), justify: { view: 8, height: 7, blockHash: b32(2), signatures: [0, 1, 2, 3, 4].map((signer) => ({ signer, signature: b32(signer) })) }, proposer: 2, timestampUs: 2_000_000, payload: new Uint8Array(payloadBytes).fill(7), hash: b32(0) }));
const proposalBytes = () => encodeValidatorMessage({ type: "proposal", block, signature: b32(5) });
const digest = b32(9);
const names = ["v0", "v1", "v2", "v3", "v4", "v5", "v6"];

function before(trace, bytes, t) {
  for (let r = 1; r <= receivers; r++) {
    trace.record(t, `${names[0]}>${names[r]}`, "msg", digest);
    const m = decodeValidatorMessage(bytes);
    if (m.type !== "proposal") throw new Error();
    // Each validator encodes the block twice for its store (pending, committed).
    encodeBlock(m.block); encodeBlock(m.block);
  }
}
function after(trace, decoder, bytes, t) {
  for (let r = 1; r <= receivers; r++) {
    trace.recordLink(t, names[0], names[r], "msg", digest);
    const m = decoder.decode(validatorCodec, bytes);
    if (m.type !== "proposal") throw new Error();
    encodeBlock(m.block); encodeBlock(m.block);
  }
}
const perRound = 2000;
const samples = { before: [], after: [] };
for (let round = 0; round < rounds; round++) {
  const inputs = Array.from({ length: perRound }, proposalBytes);
  for (const variant of round % 2 === 0 ? ["before", "after"] : ["after", "before"]) {
    const trace = new TraceChain();
    const decoder = new SharedDecoder();
    const t0 = process.cpuUsage();
    for (let i = 0; i < perRound; i++) variant === "before" ? before(trace, inputs[i], i) : after(trace, decoder, inputs[i], i);
    const u = process.cpuUsage(t0);
    samples[variant].push((u.user + u.system) / perRound);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`proposal of ${proposalBytes().length} bytes to ${receivers} receivers (trace event, decode, 2 stored-block encodings each)`);
console.log(`before ${median(samples.before).toFixed(1)} us/broadcast   after ${median(samples.after).toFixed(1)} us/broadcast   (median of ${rounds})`);
