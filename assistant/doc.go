// Package assistant is the workspace's AI member: a bot user that answers when mentioned,
// in a direct chat with it, or by a command (ask, summarize, translate), streaming its answer
// from an OpenAI-compatible model into one durable message.
//
// An answer is a message of the bot created streaming (StartAnswer, a "message" timeline
// event), the text so far relayed as ephemeral "stream" events at most every StreamInterval,
// and the final text and state stored once (FinishAnswer, a "message_edited" event). Both
// timeline events go through the hub's per-chat worker like any edit, so they take the chat's
// next seq, reach every node over NATS and are replayed exactly once. An answer that a dead
// node left streaming is marked failed by the sweeper of any node once it is older than
// AnswerTimeout (no answer outlives that).
//
// What the model sees: the chat's own messages (the bot and the asker are both members),
// and search hits found as the asker and kept only in chats the bot is a member of too. The
// asker's other chats, and chats the bot is not in, never reach the prompt.
//
// assistant must never import hub, rest, fanout or a concrete store: it declares the small
// interfaces it needs, and internal/node wires them.
package assistant
