// Chats as places: finding and joining public channels, a chat's members (adding, removing,
// leaving), and its name and topic. Membership changes come back as socket events
// (chat_joined, member_joined, member_left) that session.ts applies; these calls only ask.

import type { ChannelInfo, Chat, User } from '../protocol/types'
import { api, getClient, openChat, state, upsertChat } from './session'

/** Public channels of the workspace whose name contains q. */
export function browseChannels(q: string): Promise<ChannelInfo[]> {
  return api.channels(q.trim())
}

/** Joins a public channel. */
export async function joinChannel(c: Chat) {
  const me = state.user!.id
  const res = await api.addMembers(c.id, [me])
  upsertChat(res.chat)
  getClient()?.advance(res.chat.id, res.chat.last_seq)
}

/** Leaves a chat (the member_left event removes it from the list). */
export async function leaveChat(chatId: number) {
  await api.removeMember(chatId, state.user!.id)
  delete state.chats[chatId]
  if (state.activeChatId === chatId) openChat(null)
}

export async function addMembers(chatId: number, userIds: number[]) {
  const res = await api.addMembers(chatId, userIds)
  upsertChat(res.chat)
}

export async function removeMember(chatId: number, userId: number) {
  await api.removeMember(chatId, userId)
  const entry = state.chats[chatId]
  if (entry?.chat.member_ids) entry.chat.member_ids = entry.chat.member_ids.filter((id) => id !== userId)
}

/** Renames a chat and/or sets its topic (owner and admins). */
export async function updateChat(chatId: number, change: { name?: string; topic?: string }) {
  upsertChat(await api.updateChat(chatId, change))
}

/** Loads a chat's member list when it is not known yet (GET /chats does not carry it). */
export async function ensureMembers(chatId: number, force = false) {
  const entry = state.chats[chatId]
  if (!entry || (entry.chat.member_ids && !force)) return
  upsertChat(await api.chat(chatId))
}

/** Whether the user may change a chat's members, name and topic. */
export function canManage(chatId: number): boolean {
  const chat = state.chats[chatId]?.chat
  // a chat made here is listed before GET /chats says our role in it: its owner is us
  return !!chat && (chat.role === 'owner' || chat.role === 'admin' || chat.owner_id === state.user?.id)
}

/** The chat's members as users, by name. */
export function members(chatId: number): User[] {
  const ids = state.chats[chatId]?.chat.member_ids ?? []
  return ids
    .map((id) => (id === state.user?.id ? state.user : state.users[id]))
    .filter((u): u is User => !!u)
    .sort((a, b) => a.fullname.localeCompare(b.fullname))
}
