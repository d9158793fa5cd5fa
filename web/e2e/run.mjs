#!/usr/bin/env node
// End-to-end tests of the web UI: starts `netmeter serve` on a capture (127.0.0.1, ephemeral port,
// temporary state directory), drives Debian's Chromium headless with playwright-core, logs in, walks
// every page, checks figures against the API, sorts and filters a table, changes the time range,
// and fails on console errors. With --screenshots DIR it also writes a PNG of every page at
// 1280x800 and 3840x2160.
//
//   node web/e2e/run.mjs --netmeter build/src/app/netmeter --web web/dist --pcap CAPTURE [--screenshots DIR]
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { captureSteps, l7Steps, uploadSteps } from './feature_steps.mjs';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]?.startsWith('--') ? true : (all[i + 1] ?? true)]] : acc), []),
);
const netmeter = path.resolve(args.netmeter ?? 'build/src/app/netmeter');
const webDir = path.resolve(args.web ?? 'web/dist');
const pcap = path.resolve(args.pcap ?? '../shared/pcaps/ndpi/1kxun.pcap');
// The capture the upload test sends (a different one from --pcap).
const uploadPcap = path.resolve(args.upload ?? path.join(path.dirname(pcap), '1kxun.pcap'));
const screenshots = typeof args.screenshots === 'string' ? path.resolve(args.screenshots) : null;
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
// --url URL --password P: test a server that is already running (user admin) instead of starting one.
const externalUrl = typeof args.url === 'string' ? args.url.replace(/\/$/, '') : null;
const PASSWORD = typeof args.password === 'string' ? args.password : 'e2e-' + Math.random().toString(36).slice(2, 12);

const needed = externalUrl ? [['chromium', chromiumPath]] : [['netmeter', netmeter], ['web/dist', path.join(webDir, 'index.html')], ['capture', pcap], ['upload capture (--upload)', uploadPcap], ['chromium', chromiumPath]];
for (const [what, p] of needed) {
  if (!existsSync(p)) {
    console.error(`web e2e: ${what} not found at ${p}`);
    process.exit(2);
  }
}

// ---- the server

const stateDirs = [];
const servers = [];

// Starts `netmeter serve` on `capture` (127.0.0.1, any free port, its own state directory) with
// extra arguments; resolves to { url, stop }.
function startServer(capture = pcap, extra = []) {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'netmeter-web-e2e-'));
  stateDirs.push(stateDir);
  let log = '';
  return new Promise((resolve, reject) => {
    const proc = spawn(netmeter, ['serve', '--pcap', capture, '--listen', '127.0.0.1:0', '--state', stateDir, '--web', webDir, ...extra], {
      env: { ...process.env, NETMETER_ADMIN_PASSWORD: PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    servers.push(proc);
    const timer = setTimeout(() => reject(new Error(`netmeter serve printed no URL within 30 s:\n${log}`)), 30000);
    const onData = (chunk) => {
      log += chunk.toString();
      const m = log.match(/(https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], stop: () => proc.exitCode === null && proc.kill('SIGTERM') });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`netmeter serve exited with ${code}:\n${log}`));
    });
  });
}

function stopServers() {
  for (const proc of servers) if (proc.exitCode === null) proc.kill('SIGTERM');
}

let base = '';
const auth = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64');
async function api(p, params = {}) {
  const u = new URL(base + p);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
  const r = await fetch(u, { headers: { Authorization: auth } });
  if (!r.ok) throw new Error(`${u.pathname}${u.search}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function rawRequest(method, p) {
  const r = await fetch(base + p, { method, headers: { Authorization: auth } });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { ok: r.ok, status: r.status, json };
}

async function waitForAnalysis() {
  // The capture is analyzed in the background: wait until /API/stats/processing says it finished.
  for (let i = 0; i < 240; i++) {
    const p = await api('/API/stats/processing');
    if (p.state === 'finished') return api('/API/stats/time');
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the analysis did not finish within 120 s');
}

// ---- a tiny test runner

const results = [];
const consoleErrors = [];
async function step(name, fn) {
  const t0 = Date.now();
  const before = consoleErrors.length;
  try {
    await fn();
    if (consoleErrors.length > before) throw new Error('console errors:\n  ' + consoleErrors.slice(before).join('\n  '));
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${e.message}`);
  }
}
function expect(cond, message) {
  if (!cond) throw new Error(message);
}
const integer = (n) => Number(n).toLocaleString('en-US');

// ---- the tests

async function main() {
  base = externalUrl ?? (await startServer()).url;
  console.log(externalUrl ? `testing ${base}` : `netmeter serve at ${base}, capture ${path.relative(process.cwd(), pcap)}`);
  const time = await waitForAnalysis();

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`${msg.text()} ${msg.location()?.url ?? ''}`.trim());
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  page.setDefaultTimeout(30000);

  const settle = async () => {
    await page.waitForLoadState('networkidle');
    await page.waitForFunction(() => !document.querySelector('.state.loading, .data-table.busy'), null, { timeout: 30000 });
  };
  const noErrorState = async (where) => {
    const errors = await page.locator('.state.error').allInnerTexts();
    expect(errors.length === 0, `${where} shows errors: ${errors.join(' | ')}`);
  };
  const shot = async (name) => {
    if (!screenshots) return;
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: false });
  };

  // Every chart on the page can be read: its time axis labels (drawn on a canvas) at least 4 px
  // apart and each different from the next, its value axis labels all different (not "0.0 pkt/s"
  // at every tick).
  const chartAxesReadable = async (where) => {
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll('.uplot')].map((root) => {
        const u = root.uplot;
        const [x, y] = u.axes;
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = x.font[0];
        const time = (x._splits ?? []).map((v, i) => {
          const text = String(x._values?.[i] ?? '');
          const width = Math.max(...text.split('\n').map((line) => ctx.measureText(line).width));
          return { text, x: u.valToPos(v, 'x'), width };
        });
        return { time, values: (y._values ?? []).map(String) };
      }),
    );
    expect(charts.length > 0, `${where} has charts`);
    for (const { time, values } of charts) {
      expect(time.length >= 2, `${where}: a time axis with ${time.length} labels`);
      for (let i = 1; i < time.length; i++) {
        const [a, b] = [time[i - 1], time[i]];
        const gap = b.x - a.x - (a.width + b.width) / 2;
        expect(gap >= 4, `${where}: labels "${a.text}" and "${b.text}" ${gap.toFixed(1)} px apart`);
        expect(a.text !== b.text, `${where}: two ticks labelled "${a.text}"`);
      }
      expect(values.length >= 2 && new Set(values).size === values.length, `${where}: value axis labels ${values.join(', ')}`);
    }
  };

  // The whole trace, as the UI asks for it in its default mode (live, whole trace).
  const first = time.firstSecond ?? time.starttime ?? time.first;
  const lastSecond = time.lastSecond ?? time.endtime ?? time.last;
  const whole = { starttime: first, endtime: lastSecond + 1 };

  await step('login page: wrong password is refused, the right one opens the dashboard', async () => {
    await page.goto(base + '/');
    await page.waitForSelector('form.login-card');
    await shot('login');
    await page.fill('input[name=user]', 'admin');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.querySelector('.login-message')?.textContent?.includes('Wrong'));
    // The refused login logs a 401 in the console by design; forget it.
    consoleErrors.length = 0;
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-page=dashboard]');
    await settle();
  });

  await step('dashboard: top talkers are the API’s top IPs by bytes', async () => {
    const top = await api('/API/stats/modules/ip/ips_paged', { ...whole, sort: 'bytes', reverse: true, page: 0, count: 10 });
    const shown = await page.locator('[data-testid=top-talkers] tr td:first-child').allInnerTexts();
    // Each cell is the IP followed by its first alternative name, when it has one.
    const expected = top.displayedItems.map((r) => r.ip + (r.alternativeNames?.[0] ?? ''));
    expect(JSON.stringify(shown) === JSON.stringify(expected), `shown ${shown.join(',')} expected ${expected.join(',')}`);
    // At 1280x800 the byte counts stay inside the widget (long names give way, not the figures).
    const clipped = await page.evaluate(() => {
      const table = document.querySelector('[data-testid=top-talkers]');
      const box = table.parentElement.getBoundingClientRect();
      return [...table.querySelectorAll('td.num')].filter((td) => td.getBoundingClientRect().right > box.right + 0.5).length;
    });
    expect(clipped === 0, `${clipped} top-talker byte counts reach past the widget`);
    await noErrorState('dashboard');
    await shot('dashboard');
  });

  let firstIp = '';
  await step('IP table: total, default order and paging match the API', async () => {
    await page.click('nav a[href="/ips"]');
    await page.waitForSelector('[data-page=ips] tbody tr');
    await settle();
    const list = await api('/API/stats/modules/ip/ips_paged', { ...whole, sort: 'bytes', reverse: true, page: 0, count: 25 });
    const info = await page.locator('.table-info').innerText();
    expect(info.endsWith(`of ${integer(list.totalItems)}`), `info "${info}" vs total ${list.totalItems}`);
    const ips = await page.locator('[data-page=ips] tbody tr td:first-child').allInnerTexts();
    expect(JSON.stringify(ips) === JSON.stringify(list.displayedItems.map((r) => r.ip)), `order ${ips.slice(0, 3)}…`);
    firstIp = ips[0];
    await shot('ips');
    if (list.totalItems > 25) {
      await page.click('[data-page=ips] button[data-page=next]');
      await settle();
      const page2 = await api('/API/stats/modules/ip/ips_paged', { ...whole, sort: 'bytes', reverse: true, page: 1, count: 25 });
      const ips2 = await page.locator('[data-page=ips] tbody tr td:first-child').allInnerTexts();
      expect(ips2[0] === page2.displayedItems[0].ip, `page 2 starts with ${ips2[0]}, API ${page2.displayedItems[0].ip}`);
    }
  });

  await step('IP table: sorting by packets, ascending and descending', async () => {
    await page.click('[data-page=ips] th[data-sort=packets]');
    await settle();
    let api1 = await api('/API/stats/modules/ip/ips_paged', { ...whole, sort: 'packets', reverse: true, page: 0, count: 25 });
    let ips = await page.locator('[data-page=ips] tbody tr td:first-child').allInnerTexts();
    expect(ips[0] === api1.displayedItems[0].ip, `descending first ${ips[0]} vs ${api1.displayedItems[0].ip}`);
    await page.click('[data-page=ips] th[data-sort=packets]');
    await settle();
    api1 = await api('/API/stats/modules/ip/ips_paged', { ...whole, sort: 'packets', reverse: false, page: 0, count: 25 });
    ips = await page.locator('[data-page=ips] tbody tr td:first-child').allInnerTexts();
    expect(ips[0] === api1.displayedItems[0].ip, `ascending first ${ips[0]} vs ${api1.displayedItems[0].ip}`);
  });

  await step('IP table: the TCP retransmissions column sorts as the API and shows its figures', async () => {
    // Hidden by default (the table would not fit a 1280 px window): shown from the Columns menu.
    await page.click('[data-page=ips] .columns-menu summary');
    for (const col of ['handshake', 'retransmissions']) await page.check(`[data-page=ips] .columns-menu input[data-column=${col}]`);
    await page.click('[data-page=ips] .columns-menu summary');
    await settle();
    await page.click('[data-page=ips] th[data-sort=retransmissions]');
    await settle();
    const list = await api('/API/stats/modules/ip/ips_paged', { ...whole, sort: 'retransmissions', reverse: true, page: 0, count: 25 });
    const top = list.displayedItems[0];
    expect(top.tcp && top.tcp.retransmittedBytes > 0, `the capture has retransmissions: ${JSON.stringify(top.tcp)}`);
    const first = page.locator('[data-page=ips] tbody tr:first-child');
    expect((await first.locator('td:first-child').innerText()) === top.ip, `most retransmissions ${await first.locator('td:first-child').innerText()} vs ${top.ip}`);
    const shown = await first.locator('td[data-col=retransmissions]').innerText();
    const share = (100 * top.tcp.retransmittedBytes) / top.tcp.payloadBytes;
    const pct = share > 0 && share < 0.1 ? '<0.1 %' : `${share.toFixed(1)} %`;
    expect(shown.endsWith(`(${pct})`), `retransmitted "${shown}" vs ${top.tcp.retransmittedBytes} of ${top.tcp.payloadBytes} bytes`);
    const handshake = await first.locator('td[data-col=handshake]').innerText();
    expect(/^(–|[0-9.]+ (µs|ms|s)) \/ (–|[0-9.]+ (µs|ms|s))$/.test(handshake), `handshake column "${handshake}"`);
    await shot('ips-tcp');
    await page.click('[data-page=ips] .columns-menu summary');
    for (const col of ['handshake', 'retransmissions']) await page.uncheck(`[data-page=ips] .columns-menu input[data-column=${col}]`);
    await page.click('[data-page=ips] .columns-menu summary');
    await page.click('[data-page=ips] th[data-sort=bytes]');
    await settle();
  });

  await step('IP table: substring and expression filters', async () => {
    const needle = firstIp.includes(':') ? firstIp.split(':').slice(0, 2).join(':') : firstIp.split('.').slice(0, 3).join('.');
    await page.fill('[data-page=ips] input.filter', needle);
    await page.waitForTimeout(500);
    await settle();
    const ips = await page.locator('[data-page=ips] tbody tr td:first-child').allInnerTexts();
    expect(ips.length > 0 && ips.every((ip) => ip.includes(needle)), `substring ${needle}: ${ips.join(',')}`);
    const expr = `(ip == ${firstIp})`;
    await page.fill('[data-page=ips] input.filter', expr);
    await page.waitForTimeout(500);
    await settle();
    const one = await page.locator('[data-page=ips] tbody tr td:first-child').allInnerTexts();
    expect(one.length === 1 && one[0] === firstIp, `expression ${expr}: ${one.join(',')}`);
    await page.fill('[data-page=ips] input.filter', '(ip ==');
    await page.waitForTimeout(500);
    await settle();
    const err = await page.locator('[data-page=ips] .table-status.error').innerText();
    expect(err.includes('filter'), `a bad expression explains itself: "${err}"`);
    // Its 400 shows in the console as a failed request, by design.
    for (let i = consoleErrors.length - 1; i >= 0; i--) if (consoleErrors[i].includes('filter=%28ip+%3D%3D')) consoleErrors.splice(i, 1);
    await page.fill('[data-page=ips] input.filter', '');
    await page.waitForTimeout(500);
    await settle();
  });

  await step('IP table: CSV download has a header and every row', async () => {
    const href = await page.locator('[data-page=ips] a.button[download]').getAttribute('href');
    const r = await page.request.get(base + href);
    expect(r.ok(), `CSV ${r.status()}`);
    const lines = (await r.text()).trim().split('\n');
    const total = (await api('/API/stats/modules/ip/ips_paged', { ...whole, count: 1 })).totalItems;
    expect(lines.length === total + 1, `CSV has ${lines.length} lines for ${total} IPs`);
  });

  await step('list pages: every CSV button downloads CSV with a line per row', async () => {
    // MACs, EtherTypes, VLANs, QoS classes and server ports have no CSV columns of their own: the
    // server flattens their JSON rows (src/query/json_rows_csv.h). An empty list is an empty file.
    for (const route of ['/macs', '/mac-protocols', '/vlans', '/qos', '/ports']) {
      await page.goto(base + route);
      await page.waitForSelector('.page a.button[download]');
      await settle();
      for (const link of await page.locator('.page a.button[download]').all()) {
        const href = await link.getAttribute('href');
        expect(href && href !== '#', `${route}: CSV link ${href}`);
        const r = await page.request.get(base + href);
        expect(r.ok() && (r.headers()['content-type'] || '').startsWith('text/csv'), `${route} ${href}: ${r.status()} ${r.headers()['content-type']}`);
        const text = await r.text();
        const u = new URL(base + href);
        u.searchParams.delete('csv');
        u.searchParams.set('count', '1');
        const list = await (await page.request.get(u.toString())).json();
        const lines = text.trim() === '' ? [] : text.trim().split('\n');
        expect(lines.length === (list.totalItems === 0 ? 0 : list.totalItems + 1), `${route} ${href}: ${lines.length} lines for ${list.totalItems} rows`);
      }
    }
  });

  await step('IP detail: figures match the API, every tab loads', async () => {
    await page.goto(base + '/ips/' + encodeURIComponent(firstIp));
    await page.waitForSelector('[data-page=ip-detail] .facts');
    await settle();
    const d = await api('/API/stats/modules/ip/ips/' + encodeURIComponent(firstIp), whole);
    const text = await page.locator('[data-page=ip-detail] .facts').first().innerText();
    expect(text.includes(`rx ${integer(d.allTime[0])} pkts`) && text.includes(`tx ${integer(d.allTime[2])} pkts`), `all-time packets ${d.allTime} not in:\n${text}`);
    await noErrorState('IP overview');
    await shot('ip-detail');
    const tabs = await page.locator('[data-page=ip-detail] button[data-tab]').evaluateAll((bs) => bs.map((b) => b.dataset.tab));
    expect(tabs.includes('peers') && tabs.includes('connections'), `tabs ${tabs}`);
    for (const tab of tabs.filter((t) => t !== 'overview')) {
      await page.click(`[data-page=ip-detail] button[data-tab=${tab}]`);
      await settle();
      await noErrorState(`IP tab ${tab}`);
      await shot(`ip-detail-${tab}`);
    }
    await page.click('[data-page=ip-detail] button[data-tab=peers]');
    await settle();
    const peers = await api(`/API/stats/modules/ip/ips/${encodeURIComponent(firstIp)}/peers`, { ...whole, sort: 'bytes', reverse: true, count: 25 });
    const shown = await page.locator('[data-page=ip-detail] tbody tr td:first-child').allInnerTexts();
    expect(shown[0] === peers.displayedItems[0]?.ip, `first peer ${shown[0]} vs ${peers.displayedItems[0]?.ip}`);
  });

  await step('TCP page: figures of the selected range and the open server ports match the API', async () => {
    await page.click('nav a[href="/tcp"]');
    await page.waitForSelector('[data-page=tcp] [data-counter=payloadBytes]');
    await settle();
    const s = await api('/API/stats/modules/tcp', whole);
    for (const name of ['payloadBytes', 'retransmittedBytes', 'dupAcks', 'outOfOrder', 'handshakesAsClient', 'dataResponses']) {
      const shown = Number(await page.locator(`[data-page=tcp] [data-counter=${name}]`).getAttribute('data-value'));
      expect(shown === s.interval[s.counters.indexOf(name)], `${name}: shown ${shown}, API ${s.interval[s.counters.indexOf(name)]}`);
    }
    expect(s.interval[s.counters.indexOf('payloadBytes')] > 0, 'the capture has TCP payload');
    const info = await page.locator('[data-page=tcp] .table-info').innerText();
    expect(info.endsWith(`of ${integer(s.serverPorts.length)}`), `server ports "${info}" vs ${s.serverPorts.length}`);
    const top = [...s.serverPorts].sort((a, b) => b.connections - a.connections || 0)[0];
    const row = page.locator('[data-page=tcp] [data-table=tcp-server-ports] tbody tr:first-child');
    const connections = await row.locator('td[data-col=connections]').innerText();
    expect(Number(connections.replace(/,/g, '')) === top.connections, `most connections ${connections} vs ${top.connections}`);
    const service = await row.locator('td[data-col=service]').innerText();
    expect(service === (top.service || '–'), `usual service of port ${top.port}: shown ${service}, API ${top.service}`);
    await noErrorState('TCP page');
    await shot('tcp');
  });

  await step('charts: the axis labels of the TCP page do not overlap or repeat', async () => {
    await chartAxesReadable('TCP page');
  });

  await step('IP detail: the TCP statistics tab shows the IP’s tcpStats', async () => {
    await page.goto(base + '/ips/' + encodeURIComponent(firstIp) + '/tcp');
    await page.waitForSelector('[data-page=ip-detail] [data-counter=payloadBytes]');
    await settle();
    const s = await api(`/API/stats/modules/ip/ips/${encodeURIComponent(firstIp)}/tcpStats`, whole);
    const shown = Number(await page.locator('[data-page=ip-detail] [data-counter=retransmittedBytes]').getAttribute('data-value'));
    expect(shown === s.interval[s.counters.indexOf('retransmittedBytes')], `retransmitted ${shown} vs ${s.interval[s.counters.indexOf('retransmittedBytes')]}`);
    const roles = await page.locator('[data-testid=tcp-roles] tbody tr:first-child td').allInnerTexts();
    expect(roles[0] === integer(s.asClient.connections) && roles[1] === integer(s.asServer.connections), `connections ${roles} vs ${s.asClient.connections}/${s.asServer.connections}`);
    await noErrorState('IP TCP tab');
  });

  await step('connection detail opens from the connections tab', async () => {
    await page.click('[data-page=ip-detail] button[data-tab=connections]');
    await settle();
    const details = page.locator('[data-page=ip-detail] tbody tr a:text("details")').first();
    if ((await details.count()) === 0) throw new Error('no connection has a details link');
    await details.click();
    await page.waitForSelector('[data-page=connection-detail] .facts');
    await settle();
    await noErrorState('connection detail');
    // Its chart spans the connection's life, not the selected range (the whole trace).
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    const c = await api(`/API/stats/modules/ip/connections/${encodeURIComponent(id)}`, whole);
    const [from, to] = [c.start, c.lastActivity].map((us) => Math.floor(us / 1e6));
    const xs = await page.evaluate(() => document.querySelector('[data-page=connection-detail] .uplot').uplot.data[0]);
    expect(xs.length > 0 && xs[0] >= from - 1 && xs[xs.length - 1] <= to, `chart ${xs[0]}..${xs[xs.length - 1]}, connection ${from}..${to}`);
    // (On the default capture; others may hold one connection as long as the trace.)
    if (path.basename(pcap) === 'alexa-app.pcapng') expect(whole.endtime - whole.starttime > to + 1 - from, 'the connection is shorter than the trace');
    await chartAxesReadable('connection detail');
    await shot('connection-detail');
  });

  await step('TCP flow chart: one arrow per segment, marks as the connection counted them', async () => {
    // The connection with the most retransmitted bytes, so that marks are drawn.
    const top = await api('/API/stats/modules/ip/globalConnections', { ...whole, sort: 'retransmissions', reverse: true, count: 1 });
    const c = top.displayedItems[0];
    if (!c || c.l4Protocol !== 6) throw new Error('no TCP connection in the capture');
    await page.goto(base + '/connections/' + encodeURIComponent(c.id));
    await page.waitForSelector('[data-testid=tcp-flow-calculate]');
    await page.click('[data-testid=tcp-flow-calculate]');
    await page.waitForSelector('[data-testid=tcp-flow] svg');
    const chart = await api(`/API/stats/modules/ip/connections/${encodeURIComponent(c.id)}/tcpFlowChart`, { maxPackets: 2000 });
    const arrows = await page.locator('[data-testid=tcp-flow] g.segment').count();
    expect(arrows === chart.segments.length, `${arrows} arrows, ${chart.segments.length} segments`);
    const retransmitted = await page.locator('[data-testid=tcp-flow] g.segment[data-marks~=retransmission]').count();
    const counted = c.tcp.client.retransmittedSegments + c.tcp.server.retransmittedSegments;
    expect(!chart.complete || retransmitted === counted, `${retransmitted} retransmissions drawn, ${counted} counted`);
    expect(retransmitted > 0, 'the connection with the most retransmitted bytes shows a retransmission');
    // The sequence graph plots every segment's time; its retransmitted points are the marked data segments.
    await page.waitForSelector('[data-testid=flow-seq] .uplot');
    const seq = await page.evaluate(() => document.querySelector('[data-testid=flow-seq] .uplot').uplot.data);
    const retransmittedData = chart.segments.filter((s) => s.len > 0 && s.marks.includes('retransmission')).length;
    expect(seq[0].length === chart.segments.length && seq[3].filter((v) => v !== null).length === retransmittedData, `sequence graph ${seq[0].length} points, ${seq[3].filter((v) => v !== null).length} retransmitted`);
    const first = await page.locator('[data-testid=tcp-flow] g.segment').first().getAttribute('data-from');
    expect(first === chart.segments[0].from, `first arrow from ${first}`);
    await noErrorState('TCP flow chart');
    await page.locator('[data-testid=tcp-flow]').scrollIntoViewIfNeeded();
    await shot('tcp-flow-chart');
    // The zoom button selects the connection's life: the selected range then holds all of it.
    await page.click('[data-testid=zoom-connection]');
    await page.waitForFunction(() => {
      const sel = document.querySelector('[data-field=selected-range]')?.textContent;
      return sel && sel === document.querySelector('[data-field=all-time]')?.textContent;
    }, null, { timeout: 15000 });
    const selection = await page.evaluate(() => JSON.parse(sessionStorage.getItem('netmeter.time')));
    expect(selection?.mode === 'range' && selection.start === Math.floor(c.start / 1e6) && selection.end >= Math.floor(c.lastActivity / 1e6) + 1, `selection ${JSON.stringify(selection)}`);
    await page.click('[data-testid=back-to-live]');
    await settle();
    const back = await page.evaluate(() => JSON.parse(sessionStorage.getItem('netmeter.time')));
    expect(back.mode === 'live', 'back to live');
  });

  const navPages = await page.locator('nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of navPages) {
    await step(`page ${href} loads without errors`, async () => {
      await page.click(`nav a[href="${href}"]`);
      await page.waitForSelector('.page');
      // The page may still be between its first request and its table's: wait for content.
      const shown = await page
        .waitForFunction(() => document.querySelector('.page tbody tr, .page .state.empty, .page .state.error, .page .chart .u-over'), null, { timeout: 30000 })
        .then(() => true, () => false);
      expect(shown, `${href} shows neither rows nor an empty state`);
      await settle();
      await noErrorState(href);
      await shot(href === '/' ? 'dashboard' : href.slice(1).replace(/\//g, '-'));
    });
  }

  const ctx = { page, step, expect, api, request: rawRequest, base, whole, settle, noErrorState, shot, chartAxesReadable, integer, firstIp, netmeter, pcap, uploadPcap, waitForAnalysis, startServer, browser, password: PASSWORD, screenshots };
  await l7Steps(ctx);
  await captureSteps(ctx);

  // A capture of one second: its charts have one point each.
  const shortPcap = path.join(path.dirname(uploadPcap), 'quic_frags_ch_in_multiple_packets.pcapng');
  if (existsSync(shortPcap)) {
    await step('charts of a one-second capture: the time axis spans seconds, not years', async () => {
      const short = await startServer(shortPcap);
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        const p2 = await context.newPage();
        await p2.goto(short.url + '/');
        await p2.fill('input[name=user]', 'admin');
        await p2.fill('input[name=password]', PASSWORD);
        await p2.click('button[type=submit]');
        await p2.waitForSelector('[data-page=dashboard] .uplot');
        await p2.waitForLoadState('networkidle');
        const charts = await p2.evaluate(() =>
          [...document.querySelectorAll('.uplot')].map((root) => ({ xs: root.uplot.data[0], min: root.uplot.scales.x.min, max: root.uplot.scales.x.max })),
        );
        expect(charts.length > 0, 'the dashboard has charts');
        for (const { xs, min, max } of charts) {
          expect(xs.length >= 1 && xs.every((x) => x >= min && x <= max), `points ${xs} inside ${min}..${max}`);
          expect(max - min <= 3, `time axis ${min}..${max} for points ${xs}`);
        }
      } finally {
        await context.close();
        short.stop();
      }
    });
  }

  await step('MAC detail opens from the MAC table', async () => {
    await page.click('nav a[href="/macs"]');
    await page.waitForSelector('[data-page=macs] tbody tr');
    await page.locator('[data-page=macs] tbody tr td:first-child a').first().click();
    await page.waitForSelector('[data-page=mac-detail] .facts');
    await settle();
    await noErrorState('MAC detail');
    await shot('mac-detail');
  });

  await step('time range: a fixed range changes the counters as the API says', async () => {
    await page.click('nav a[href="/ips"]');
    await page.waitForSelector('[data-page=ips] tbody tr');
    await settle();
    // Drag across the middle of a chart on the dashboard, then check the IP table for that range.
    await page.click('nav a[href="/"]');
    await page.waitForSelector('[data-page=dashboard] .u-over');
    await settle();
    const over = page.locator('[data-page=dashboard] .u-over').first();
    const box = await over.boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.waitForSelector('.range-box input');
    await settle();
    const sel = await page.evaluate(() => JSON.parse(sessionStorage.getItem('netmeter.time')));
    expect(sel.mode === 'range' && sel.end > sel.start, `selection ${JSON.stringify(sel)}`);
    expect(sel.start >= whole.starttime - 1 && sel.end <= whole.endtime + 1, `range ${sel.start}-${sel.end} outside the trace ${whole.starttime}-${whole.endtime}`);
    await shot('dashboard-range');
    await page.click('nav a[href="/ips"]');
    await page.waitForSelector('[data-page=ips] tbody tr');
    await settle();
    const list = await api('/API/stats/modules/ip/ips_paged', { starttime: sel.start, endtime: sel.end, sort: 'bytes', reverse: true, count: 25 });
    const ips = await page.locator('[data-page=ips] tbody tr td:first-child').allInnerTexts();
    expect(ips[0] === list.displayedItems[0]?.ip, `first IP in range ${ips[0]} vs ${list.displayedItems[0]?.ip}`);
    const headers = await page.locator('[data-page=ips] thead th').allInnerTexts();
    const packetsColumn = headers.findIndex((t) => t.trim().startsWith('Packets') && !t.includes('/s'));
    const cell = await page.locator('[data-page=ips] tbody tr:first-child td').nth(packetsColumn).innerText();
    const packets = list.displayedItems[0].interval[0] + list.displayedItems[0].interval[2];
    expect(cell === integer(packets), `packets in range shown ${cell}, API ${packets}`);
    await page.click('[data-testid=back-to-live]');
    await settle();
    const back = await page.evaluate(() => JSON.parse(sessionStorage.getItem('netmeter.time')));
    expect(back.mode === 'live', 'back to live');
  });

  await step('custom dashboard: create, add widgets, reorder by drag and drop, reload, export', async () => {
    await page.click('nav a[href="/dashboards"]');
    await page.waitForSelector('[data-page=dashboards]');
    await settle();
    await page.click('[data-testid=new-dashboard]');
    await page.fill('dialog input[aria-label=Name]', 'E2E board');
    await page.click('dialog [data-testid=dialog-ok]');
    await page.waitForSelector('[data-page=custom-dashboard]');
    for (const [type, extra] of [['traffic', null], ['top-ips', null], ['ip', firstIp]]) {
      await page.click('[data-testid=add-widget]');
      await page.selectOption('dialog [data-testid=widget-type]', type);
      if (extra) await page.fill('dialog input[data-setting=ip]', extra);
      await page.click('dialog [data-testid=dialog-ok]');
      await page.waitForSelector(`[data-widget="${type}"]`);
    }
    await settle();
    let order = await page.locator('[data-widget]').evaluateAll((els) => els.map((e) => e.dataset.widget));
    expect(order.join() === 'traffic,top-ips,ip', `order ${order}`);
    // Drag the IP widget onto the first one.
    await page.locator('[data-widget=ip] .drag-handle').dragTo(page.locator('[data-widget=traffic]'));
    await page.waitForFunction(() => document.querySelector('[data-widget]')?.dataset.widget === 'ip');
    await settle();
    await noErrorState('custom dashboard');
    await shot('custom-dashboard');
    const saved = await api('/API/system/dashboards');
    const board = saved.dashboards.find((d) => d.name === 'E2E board');
    expect(board && board.widgets.map((w) => w.type).join() === 'ip,traffic,top-ips', `stored ${JSON.stringify(board?.widgets?.map((w) => w.type))}`);
    await page.reload();
    await page.waitForSelector('[data-widget]');
    order = await page.locator('[data-widget]').evaluateAll((els) => els.map((e) => e.dataset.widget));
    expect(order.join() === 'ip,traffic,top-ips', `after reload ${order}`);
    await page.click('nav a[href="/dashboards"]');
    await page.waitForSelector('[data-testid=dashboard-list]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=dashboard-list] button:text("Export")')]);
    const exported = JSON.parse(await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString()));
    expect(exported.name === 'E2E board' && exported.widgets.length === 3, `export ${JSON.stringify(exported).slice(0, 200)}`);
  });

  await uploadSteps(ctx);

  if (screenshots) {
    await step('screenshots at 3840x2160', async () => {
      await page.setViewportSize({ width: 3840, height: 2160 });
      const more = ['/connections', '/tcp', '/l7', '/ssl', '/captures', '/pcap-analysis'].filter((h) => navPages.includes(h)).map((h) => [h, h.slice(1)]);
      for (const [href, name] of [['/', 'dashboard'], ['/ips', 'ips'], ['/ips/' + encodeURIComponent(firstIp), 'ip-detail'], ...more]) {
        await page.goto(base + href);
        await page.waitForSelector('.page');
        await settle();
        await shot(`4k-${name}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
    });
  }

  await step('logout returns to the login page', async () => {
    await page.click('[data-testid=logout]');
    await page.waitForSelector('form.login-card');
    const me = await page.request.get(base + '/API/auth/me');
    expect(me.status() === 401, `after logout /API/auth/me is ${me.status()}`);
    consoleErrors.length = 0; // the 401 of the check above
  });

  await browser.close();
}

let exitCode = 0;
try {
  await main();
} catch (e) {
  console.error(`web e2e: ${e.stack ?? e}`);
  exitCode = 1;
} finally {
  stopServers();
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`e2e: ${passed} passed, ${failed} failed`);
if (screenshots) console.log(`screenshots in ${screenshots}`);
process.exit(exitCode || (failed > 0 ? 1 : 0));
