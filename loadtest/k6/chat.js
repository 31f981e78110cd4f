// Fechatter WebSocket chat scenario for k6 (https://k6.io), on the k6/websockets module.
//
// Each VU is one seeded user: it connects to /ws, authenticates with the browser-style first
// frame, sends into its chat every SEND_EVERY seconds with a fresh client_id, and measures
// the delivery latency of every message of this run it receives (the send time travels in
// the text) as the custom Trend `delivery_latency`.
//
//   fechatter seed -users 500 -chats 10 -members 50 -out seed.json
//   k6 run -e BASE_URL=ws://127.0.0.1:8080 -e SEED=./seed.json -e VUS=500 -e DURATION=60s loadtest/k6/chat.js
import { WebSocket } from 'k6/websockets';
import { SharedArray } from 'k6/data';
import { Counter, Rate, Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'ws://127.0.0.1:8080';
const SEED = __ENV.SEED || './seed.json';
const VUS = parseInt(__ENV.VUS || '100', 10);
const DURATION = __ENV.DURATION || '30s';
const SESSION = parseFloat(__ENV.SESSION || '30'); // seconds one connection stays open
const SEND_EVERY = parseFloat(__ENV.SEND_EVERY || '5'); // seconds between sends of one VU
const TEXT_SIZE = parseInt(__ENV.TEXT_SIZE || '64', 10);

const seed = JSON.parse(open(SEED));
const users = new SharedArray('users', () => seed.users);
// chatOf[userIndex] is the first chat the user is a member of.
const chatOf = new SharedArray('chatOf', () => {
  const out = new Array(seed.users.length).fill(0);
  for (const c of seed.chats) for (const m of c.members) if (!out[m]) out[m] = c.id;
  return out;
});

const deliveryLatency = new Trend('delivery_latency', true);
const ackLatency = new Trend('ack_latency', true);
const deliveries = new Counter('deliveries');
const wsErrors = new Rate('ws_errors');

export const options = {
  scenarios: {
    chat: { executor: 'constant-vus', vus: VUS, duration: DURATION, gracefulStop: `${SESSION + 5}s` },
  },
  thresholds: {
    delivery_latency: ['p(95)<250', 'p(99)<1000'],
    ack_latency: ['p(95)<100'],
    ws_errors: ['rate<0.01'],
  },
};

const RUN = Math.random().toString(36).slice(2, 8);
const PREFIX = `k6${RUN}:`;

function uuidv4() {
  const h = [];
  for (let i = 0; i < 32; i++) h.push(Math.floor(Math.random() * 16).toString(16));
  h[12] = '4';
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function handle(line) {
  let ev;
  try {
    ev = JSON.parse(line);
  } catch (e) {
    wsErrors.add(1);
    return;
  }
  if (ev.type === 'message' && ev.message.text.startsWith(PREFIX)) {
    const sent = parseInt(ev.message.text.slice(PREFIX.length), 10);
    deliveryLatency.add(Date.now() - sent);
    deliveries.add(1);
  } else if (ev.type === 'ack') {
    ackLatency.add(Date.now() - Number(ev.ref));
    wsErrors.add(0);
  } else if (ev.type === 'error') {
    wsErrors.add(1);
  }
}

export default function () {
  const idx = (__VU - 1) % users.length;
  const user = users[idx];
  const chatID = chatOf[idx];
  const ws = new WebSocket(`${BASE_URL}/ws`);
  let timer = null;

  ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: user.token }));
  ws.onmessage = (e) => {
    // The server packs several events into one frame, separated by '\n'.
    for (const line of String(e.data).split('\n')) {
      if (line.startsWith('{"type":"ready"')) {
        if (chatID && !timer) {
          timer = setInterval(() => {
            const now = Date.now();
            const text = `${PREFIX}${now} `.padEnd(TEXT_SIZE, 'x');
            ws.send(JSON.stringify({ type: 'send', chat_id: chatID, client_id: uuidv4(), ref: now, text }));
          }, SEND_EVERY * 1000);
        }
        continue;
      }
      if (line) handle(line);
    }
  };
  ws.onerror = () => wsErrors.add(1);
  ws.onclose = () => {
    if (timer) clearInterval(timer);
  };
  setTimeout(() => {
    if (timer) clearInterval(timer);
    ws.close();
  }, SESSION * 1000);
}
