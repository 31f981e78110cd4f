// Opening a chat at one message (a search hit): history is loaded around it (GET
// /chats/{id}/messages?around=) and on to the newest message, so the timeline stays one
// unbroken range that live events extend, and the list centres and highlights the message.

import { reactive } from 'vue'
import type { Message } from '../protocol/types'
import { conv, showView } from './conversation'
import { api, openChat, state, timeline, touch } from './session'

/** The message to centre and highlight, per chat, until another jump or a chat switch. */
export const highlight = reactive<{ chatId: number | null; messageId: number | null; at: number }>({ chatId: null, messageId: null, at: 0 })

const pageLimit = 200
const maxNewer = 2000 // past this many newer messages, start from the hit and page newer lazily

export async function jumpTo(chatId: number, seq: number, messageId: number) {
  const t = timeline(chatId)
  if (!t.has(messageId)) {
    const around = await api.messagesAround(chatId, seq, 100)
    const page: Message[] = [...around.messages]
    let newer = around.has_newer
    while (newer && page.length < maxNewer) {
      const next = await api.messages(chatId, { after: page[page.length - 1]?.seq ?? seq, limit: pageLimit })
      page.push(...next.messages)
      newer = next.has_more
    }
    t.reset()
    t.merge(page, around.has_more, false)
    touch(chatId)
  }
  if (conv.view !== 'chat') showView('chat')
  Object.assign(highlight, { chatId, messageId, at: Date.now() })
  if (state.activeChatId !== chatId) openChat(chatId)
}
