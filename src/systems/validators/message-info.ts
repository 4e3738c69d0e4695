/**
 * What a validator message is, for filtered network cuts (`"types"` and
 * `"views"` of a partition; see `net/cuts.ts`): its class and the view it
 * carries.
 *
 * | message | class | view |
 * | --- | --- | --- |
 * | proposal | `proposal` | its block's view |
 * | vote | `vote` | the view voted in |
 * | timeout | `timeout` | the view timed out |
 * | status (recovery answer) | `sync` | the responder's current view, which it carries |
 * | block request and response, status request, snapshot request and snapshot | `sync` | none: the sender's current view |
 * | app (transactions, gossip) | `app` | none: the sender's current view |
 *
 * A block response is filtered by the view its sender is in, not by its
 * blocks' views: Twins applies a round's partition to what a node sends in
 * that round, and a block fetched later is fetched in a later round.
 */
import type { MessageInfo } from "../../net/cuts.js";
import type { ValidatorMessage } from "../../consensus/types.js";

/** The class and view of a validator message (see the table in the file comment). */
export function describeValidatorMessage(msg: ValidatorMessage): MessageInfo {
  switch (msg.type) {
    case "proposal":
      return { type: "proposal", view: msg.block.view };
    case "vote":
      return { type: "vote", view: msg.view };
    case "timeout":
      return { type: "timeout", view: msg.view };
    case "status":
      return { type: "sync", view: msg.view };
    case "block-request":
    case "block-response":
    case "status-request":
    case "snapshot-request":
    case "snapshot":
      return { type: "sync" };
    case "app":
      return { type: "app" };
  }
}
