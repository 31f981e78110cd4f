// Fechatter REST scenario for k6: log in (optional), list chats, page history backwards,
// search. Tokens come from the seed file, because /auth/* allows 30 requests per client IP
// per minute; set LOGIN=1 to also exercise login (argon2id) on each VU's first iteration.
//
//   fechatter seed -users 200 -chats 20 -members 10 -out seed.json
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e SEED=./seed.json -e VUS=50 -e DURATION=60s loadtest/k6/rest.js
import http from 'k6/http';
import { check, sleep } from 'k6';
import { SharedArray } from 'k6/data';
import { Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const SEED = __ENV.SEED || './seed.json';
const VUS = parseInt(__ENV.VUS || '20', 10);
const DURATION = __ENV.DURATION || '30s';
const PAGES = parseInt(__ENV.PAGES || '3', 10);
const LOGIN = __ENV.LOGIN === '1';
const THINK = parseFloat(__ENV.THINK || '0.5');

const seed = JSON.parse(open(SEED));
const users = new SharedArray('users', () => seed.users);
const password = seed.password;

const historyLatency = new Trend('history_latency', true);
const searchLatency = new Trend('search_latency', true);

export const options = {
  scenarios: { rest: { executor: 'constant-vus', vus: VUS, duration: DURATION } },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<250'],
    history_latency: ['p(95)<100'],
    search_latency: ['p(95)<250'],
  },
};

let token = null;

function login(user) {
  const res = http.post(`${BASE_URL}/api/v1/auth/login`, JSON.stringify({ email: user.email, password }), {
    headers: { 'Content-Type': 'application/json' },
    tags: { name: 'login' },
  });
  check(res, { 'login 200': (r) => r.status === 200 });
  return res.status === 200 ? res.json('access_token') : user.token;
}

export default function () {
  const user = users[(__VU - 1) % users.length];
  if (token === null) token = LOGIN ? login(user) : user.token;
  const params = { headers: { Authorization: `Bearer ${token}` } };

  const chats = http.get(`${BASE_URL}/api/v1/chats`, Object.assign({ tags: { name: 'chats' } }, params));
  check(chats, { 'chats 200': (r) => r.status === 200 });
  const list = chats.status === 200 ? chats.json('chats') : [];
  if (list.length > 0) {
    const chat = list[Math.floor(Math.random() * list.length)];
    let url = `${BASE_URL}/api/v1/chats/${chat.id}/messages?limit=50`;
    for (let p = 0; p < PAGES; p++) {
      const res = http.get(url, Object.assign({ tags: { name: 'history' } }, params));
      historyLatency.add(res.timings.duration);
      check(res, { 'history 200': (r) => r.status === 200 });
      if (res.status !== 200) break;
      const body = res.json();
      if (!body.has_more || body.messages.length === 0) break;
      url = `${BASE_URL}/api/v1/chats/${chat.id}/messages?limit=50&before=${body.messages[0].seq}`;
    }
  }
  const q = ['hello', 'load', 'x', 'meeting'][Math.floor(Math.random() * 4)];
  const search = http.get(`${BASE_URL}/api/v1/search?q=${q}&limit=20`, Object.assign({ tags: { name: 'search' } }, params));
  searchLatency.add(search.timings.duration);
  // Search lands with its own issue; until then 404 is expected and not counted as a failure.
  check(search, { 'search answered': (r) => r.status === 200 || r.status === 404 });
  sleep(THINK);
}
