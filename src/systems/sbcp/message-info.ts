/**
 * What an SBCP message is, for filtered network cuts (`"types"` and `"views"`
 * of a partition; see `net/cuts.ts`): its class is its spec name
 * (`StartSlot`, `Vote`, `Decided`, ...), and the "view" a `views` range
 * matches is the slot it carries.
 *
 * | message | class | view |
 * | --- | --- | --- |
 * | StartSlot, RequestSeal, StartSC, CIRCMessage, Vote, Decided, L2Block | its type | its `Slot` |
 * | RollBackAndStartSlot | its type | its `CurrentSlot` |
 * | L2BlockRequest, xTRequest, LocalTransaction | its type | none (the sender's current view) |
 */
import type { MessageInfo } from "../../net/cuts.js";
import type { SbcpMessage } from "../../sbcp/messages.js";

/** The class and slot of an SBCP message (see the table in the file comment). */
export function describeSbcpMessage(msg: SbcpMessage): MessageInfo {
  switch (msg.type) {
    case "StartSlot":
    case "RequestSeal":
    case "StartSC":
    case "CIRCMessage":
    case "Vote":
    case "Decided":
    case "L2Block":
      return { type: msg.type, view: msg.Slot };
    case "RollBackAndStartSlot":
      return { type: msg.type, view: msg.CurrentSlot };
    case "L2BlockRequest":
    case "xTRequest":
    case "LocalTransaction":
      return { type: msg.type };
  }
}
