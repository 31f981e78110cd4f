// The one message being edited (in the chat or a thread panel): kept here, not in a row, so it
// survives rows scrolling out of the virtual list, and so the composer's ↑ can start it.

import { reactive } from 'vue'
import { isReply } from '../protocol/threads'
import type { Message } from '../protocol/types'
import { state, timeline } from './session'

export const editing = reactive<{ id: number | null; text: string }>({ id: null, text: '' })

export function startEdit(m: Message) {
  editing.id = m.id
  editing.text = m.text
}

export function stopEdit() {
  editing.id = null
}

/** Starts editing the user's newest message in a chat (or in one thread); false if none. */
export function editLast(chatId: number, threadId?: number): boolean {
  const me = state.user?.id
  const msgs = timeline(chatId).messages
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i]
    if (m.sender_id !== me || m.deleted) continue
    if (threadId ? m.thread_id !== threadId && m.id !== threadId : isReply(m)) continue
    startEdit(m)
    return true
  }
  return false
}
