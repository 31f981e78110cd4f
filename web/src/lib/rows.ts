// Turns a chat's messages, membership notices and unacknowledged sends into display rows: day
// separators, the new-message divider, system lines ("Ann added Ben"), and messages grouped by
// sender (a row shows its sender's name and avatar only when the sender or the day changes, or
// five minutes have passed, or a system line came between).

import type { Outgoing } from '../protocol/client'
import type { Notice } from '../protocol/timeline'
import type { Message } from '../protocol/types'

export type Row =
  | { key: string; kind: 'top'; more: boolean }
  | { key: string; kind: 'day'; label: string }
  | { key: string; kind: 'new' }
  | { key: string; kind: 'notice'; notice: Notice }
  | { key: string; kind: 'msg'; msg: Message; head: boolean }
  | { key: string; kind: 'out'; out: Outgoing; head: boolean }

const groupGapMs = 5 * 60_000

export interface RowInput {
  messages: Message[]
  notices?: Notice[]
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
  // notices older than the loaded messages wait until their page is loaded
  const oldest = inp.messages[0]?.seq
  const notices = (inp.notices ?? []).filter((n) => !inp.hasOlder || (oldest !== undefined && n.seq > oldest))
  let ni = 0
  const noticesBefore = (seq: number) => {
    for (; ni < notices.length && notices[ni].seq < seq; ni++) {
      rows.push({ key: 'n:' + notices[ni].seq, kind: 'notice', notice: notices[ni] })
      prevSender = NaN
    }
  }
  for (const m of inp.messages) {
    noticesBefore(m.seq)
    if (!dividerDone && m.seq > inp.dividerSeq && m.sender_id !== inp.me && !m.deleted) {
      rows.push({ key: 'new', kind: 'new' })
      dividerDone = true
      prevSender = NaN
    }
    push(m.sender_id, m.created_at, (head) => ({ key: 'm:' + m.id, kind: 'msg', msg: m, head }))
  }
  noticesBefore(Infinity)
  for (const o of inp.outbox) {
    push(inp.me, o.createdAt, (head) => ({ key: 'o:' + o.clientId, kind: 'out', out: o, head }))
  }
  return rows
}

/** The words of a membership notice: "Ben joined", "Ann added Ben", "Ben left", "Ann removed Ben". */
export function noticeText(n: Notice, name: (id: number) => string): string {
  const self = !n.actorId || n.actorId === n.userId
  if (n.kind === 'joined') return self ? `${name(n.userId)} joined` : `${name(n.actorId)} added ${name(n.userId)}`
  return self ? `${name(n.userId)} left` : `${name(n.actorId)} removed ${name(n.userId)}`
}
