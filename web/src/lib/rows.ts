// Turns a chat's messages and unacknowledged sends into display rows: day separators, the
// new-message divider, and messages grouped by sender (a row shows its sender's name and
// avatar only when the sender or the day changes, or five minutes have passed).

import type { Outgoing } from '../protocol/client'
import type { Message } from '../protocol/types'

export type Row =
  | { key: string; kind: 'top'; more: boolean }
  | { key: string; kind: 'day'; label: string }
  | { key: string; kind: 'new' }
  | { key: string; kind: 'msg'; msg: Message; head: boolean }
  | { key: string; kind: 'out'; out: Outgoing; head: boolean }

const groupGapMs = 5 * 60_000

export interface RowInput {
  messages: Message[]
  outbox: Outgoing[]
  me: number
  hasOlder: boolean
  dividerSeq: number // messages by others after this seq are new
  dayLabel: (iso: string) => string
}

export function buildRows(inp: RowInput): Row[] {
  const rows: Row[] = [{ key: 'top', kind: 'top', more: inp.hasOlder }]
  let prevSender = NaN
  let prevTime = 0
  let prevDay = ''
  let dividerDone = inp.dividerSeq <= 0 // never read: no divider above everything
  const push = (sender: number, iso: string, make: (head: boolean) => Row) => {
    const t = Date.parse(iso)
    const dayKey = new Date(t).toDateString()
    let head = sender !== prevSender || t - prevTime > groupGapMs
    if (dayKey !== prevDay) {
      rows.push({ key: 'day:' + dayKey, kind: 'day', label: inp.dayLabel(iso) })
      prevDay = dayKey
      head = true
    }
    rows.push(make(head))
    prevSender = sender
    prevTime = t
  }
  for (const m of inp.messages) {
    if (!dividerDone && m.seq > inp.dividerSeq && m.sender_id !== inp.me && !m.deleted) {
      rows.push({ key: 'new', kind: 'new' })
      dividerDone = true
      prevSender = NaN
    }
    push(m.sender_id, m.created_at, (head) => ({ key: 'm:' + m.id, kind: 'msg', msg: m, head }))
  }
  for (const o of inp.outbox) {
    push(inp.me, o.createdAt, (head) => ({ key: 'o:' + o.clientId, kind: 'out', out: o, head }))
  }
  return rows
}
