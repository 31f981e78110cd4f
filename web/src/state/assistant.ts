// The assistant (docs/assistant.md): whether it is on, its bot user, the live text of the
// answers streaming now, and its commands.
import { reactive } from 'vue'
import type { Command } from '../lib/commands'
import type { Message, User } from '../protocol/types'
import { api, extend, state } from './session'

export const assistant = reactive({
  enabled: false,
  bot: null as User | null,
  /** message id → the whole text so far of a streaming answer (ephemeral stream events) */
  streams: {} as Record<number, string>,
})

extend(
  (c) => {
    load().catch(() => {})
    return [
      c.on('stream', (_chatId, messageId, text) => {
        assistant.streams[messageId] = text
      }),
      c.on('timeline', (e) => {
        // the answer's end carries the final text: the live one is no longer needed
        if (e.type === 'message_edited' && e.message.state !== 'streaming') delete assistant.streams[e.message.id]
      }),
    ]
  },
  () => {
    assistant.enabled = false
    assistant.bot = null
    assistant.streams = {}
  },
)

async function load() {
  const info = await api.authed<{ enabled: boolean; bot?: User }>('GET', '/assistant')
  assistant.enabled = info.enabled
  assistant.bot = info.bot ?? null
  if (info.bot) state.users[info.bot.id] = info.bot
}

/** Runs a composer command in a chat (thread); the answer arrives as the bot's message. */
export async function runCommand(chatId: number, threadId: number | undefined, cmd: Command, target?: Message): Promise<void> {
  switch (cmd.kind) {
    case 'invalid':
      throw new Error(cmd.error)
    case 'summarize':
      await api.authed('POST', `/chats/${chatId}/summary`, threadId ? { thread_id: threadId } : {})
      return
    case 'ask':
      await api.authed('POST', `/chats/${chatId}/ask`, { text: cmd.text, thread_id: threadId })
      return
    case 'translate':
      if (!target) throw new Error('Nothing to translate here yet')
      await api.authed('POST', `/messages/${target.id}/translate`, { lang: cmd.lang })
  }
}

/** Stops a streaming answer (its asker, or a chat admin). */
export async function cancelAnswer(msg: Message): Promise<void> {
  await api.authed('POST', `/messages/${msg.id}/cancel`)
}
