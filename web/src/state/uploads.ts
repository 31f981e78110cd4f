// Attachments in the web client: uploads in progress per composer (XHR, for its upload
// progress events), and short-lived signed links of files to show (GET /files/links), fetched
// in batches and renewed before they expire.

import { reactive } from 'vue'
import type { FileInfo } from '../protocol/types'
import { api } from './session'

export type UploadStatus = 'uploading' | 'done' | 'failed'

export interface Upload {
  key: number
  file: File
  name: string
  size: number
  /** 0..1 */
  progress: number
  status: UploadStatus
  error?: string
  result?: FileInfo
  /** A blob: URL of a local image, shown while it uploads. */
  preview?: string
}

const trays = reactive<Record<string, Upload[]>>({})
let nextKey = 1

/** The uploads of one composer (chat, and thread when replying in one). */
export function tray(id: string): Upload[] {
  if (!trays[id]) trays[id] = []
  return trays[id]
}

const previewable = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** Starts uploading files to chatId for the composer id. */
export function addFiles(id: string, chatId: number, files: Iterable<File>) {
  for (const file of files) {
    const u: Upload = { key: nextKey++, file, name: file.name || 'pasted file', size: file.size, progress: 0, status: 'uploading' }
    if (previewable.has(file.type)) u.preview = URL.createObjectURL(file)
    tray(id).push(u)
    start(chatId, tray(id)[tray(id).length - 1])
  }
}

/** Uploads a failed file again. */
export function retryUpload(chatId: number, u: Upload) {
  if (u.status !== 'failed') return
  start(chatId, u)
}

export function removeUpload(id: string, u: Upload) {
  const list = tray(id)
  const i = list.indexOf(u)
  if (i >= 0) list.splice(i, 1)
  if (u.preview) URL.revokeObjectURL(u.preview)
}

/** The ids of the finished uploads, for a send; it empties the tray of them. */
export function takeUploads(id: string): number[] {
  const list = tray(id)
  const done = list.filter((u) => u.status === 'done' && u.result)
  for (const u of done) removeUpload(id, u)
  return done.map((u) => u.result!.id)
}

export function busy(id: string): boolean {
  return tray(id).some((u) => u.status === 'uploading')
}

async function start(chatId: number, u: Upload) {
  u.status = 'uploading'
  u.progress = 0
  u.error = undefined
  const token = await api.token().catch(() => null)
  if (!token) {
    u.status = 'failed'
    u.error = 'signed out'
    return
  }
  const xhr = new XMLHttpRequest()
  xhr.open('POST', `/api/v1/chats/${chatId}/files`)
  xhr.setRequestHeader('Authorization', 'Bearer ' + token)
  xhr.responseType = 'json'
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) u.progress = e.loaded / e.total
  }
  xhr.onload = () => {
    if (xhr.status === 201) {
      u.status = 'done'
      u.progress = 1
      u.result = xhr.response as FileInfo
      if (u.result?.url) remember(u.result)
    } else {
      u.status = 'failed'
      u.error = (xhr.response as { error?: { message?: string } } | null)?.error?.message ?? `upload failed (${xhr.status})`
    }
  }
  xhr.onerror = () => {
    u.status = 'failed'
    u.error = 'the connection broke off'
  }
  const form = new FormData()
  form.append('file', u.file, u.name)
  xhr.send(form)
}

// ---- signed links ----

interface Link {
  url: string
  thumb?: string
  expires: number // ms
}
const links = reactive<Record<number, Link>>({})
const wanted = new Set<number>()
let timer: ReturnType<typeof setTimeout> | null = null

function remember(f: FileInfo, expires = Date.now() + 5 * 60_000) {
  links[f.id] = { url: f.url!, thumb: f.thumbnail_url, expires }
}

/** The signed link of a file (thumbnail when thumb), or '' while it is being fetched. */
export function fileLink(id: number, thumb = false): string {
  const l = links[id]
  if (!l || l.expires - Date.now() < 60_000) want(id)
  if (!l) return ''
  return (thumb ? l.thumb : l.url) ?? ''
}

function want(id: number) {
  wanted.add(id)
  if (!timer) timer = setTimeout(fetchLinks, 20)
}

async function fetchLinks() {
  timer = null
  const ids = [...wanted].slice(0, 100)
  ids.forEach((id) => wanted.delete(id))
  if (!ids.length) return
  try {
    const res = await api.authed<{ links: { id: number; url: string; thumbnail_url?: string }[]; expires_at: string }>('GET', `/files/links?ids=${ids.join(',')}`)
    const exp = Date.parse(res.expires_at)
    for (const l of res.links) links[l.id] = { url: l.url, thumb: l.thumbnail_url, expires: exp }
  } catch {
    // shown again on the next render that asks
  }
  if (wanted.size && !timer) timer = setTimeout(fetchLinks, 20)
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}
