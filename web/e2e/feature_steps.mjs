// End-to-end steps for the features that need more than the statistics API: application (L7) pages,
// packet capture from the dialog (download verified), and capture file upload. Each runs only when
// the server offers the feature (OPTIONS), and says so when it skips.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

// ---- pcap / pcapng files

// The packet count and format of a capture file, or an error.
export function countPackets(buf) {
  if (buf.length < 24) throw new Error(`${buf.length} bytes is no capture file`);
  const magicLe = buf.readUInt32LE(0);
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d || magicLe === 0xd4c3b2a1 || magicLe === 0x4d3cb2a1) {
    const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
    let off = 24;
    let n = 0;
    while (off + 16 <= buf.length) {
      const incl = le ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8);
      off += 16 + incl;
      if (off > buf.length) throw new Error(`pcap record ${n} runs past the end of the file`);
      n++;
    }
    if (off !== buf.length) throw new Error(`pcap: ${buf.length - off} trailing bytes`);
    return { format: 'pcap', packets: n };
  }
  if (magicLe === 0x0a0d0d0a) {
    let off = 0;
    let n = 0;
    let le = true;
    while (off + 12 <= buf.length) {
      let type = le ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
      if (type === 0x0a0d0d0a) {
        const bom = buf.readUInt32LE(off + 8);
        le = bom === 0x1a2b3c4d;
        if (!le && bom !== 0x4d3c2b1a) throw new Error('pcapng: bad byte-order magic');
        type = 0x0a0d0d0a;
      }
      const len = le ? buf.readUInt32LE(off + 4) : buf.readUInt32BE(off + 4);
      if (len < 12 || len % 4 !== 0 || off + len > buf.length) throw new Error(`pcapng: bad block length ${len} at ${off}`);
      if (type === 6 || type === 3) n++;
      off += len;
    }
    if (off !== buf.length) throw new Error(`pcapng: ${buf.length - off} trailing bytes`);
    return { format: 'pcapng', packets: n };
  }
  throw new Error(`unknown magic 0x${magicLe.toString(16)}`);
}

// Packets the MANIFEST of ../shared/pcaps says a capture has (capinfos).
export function manifestPackets(file) {
  const dir = path.dirname(path.dirname(file));
  const rel = path.relative(dir, file);
  for (const line of readFileSync(path.join(dir, 'MANIFEST.tsv'), 'utf8').split('\n')) {
    const f = line.split('\t');
    if (f[0] === rel) return Number(f[9]);
  }
  return NaN;
}

async function has(ctx, node, child) {
  const r = await ctx.request('OPTIONS', node);
  return r.ok && (r.json.subResources ?? []).includes(child);
}

// ---- L7 pages

export async function l7Steps(ctx) {
  const { page, step, expect, api, base, whole, settle, noErrorState, shot, integer } = ctx;
  if (!(await has(ctx, '/API/stats/modules', 'dpi'))) {
    console.log('skip L7 pages: the server has no /API/stats/modules/dpi');
    return;
  }
  await step('L7 protocols page: rows and order match the API; a protocol page lists its IPs', async () => {
    await page.click('nav a[href="/l7"]');
    await page.waitForSelector('[data-page=l7] [data-table=l7-protocols] tbody tr');
    await settle();
    const list = await api('/API/stats/modules/dpi/protocols', { ...whole, sort: 'bytes', reverse: true, count: 25 });
    const shown = await page.locator('[data-page=l7] [data-table=l7-protocols] tbody tr td:first-child').allInnerTexts();
    expect(JSON.stringify(shown) === JSON.stringify(list.displayedItems.map((r) => r.name)), `protocols ${shown.slice(0, 4)} vs ${list.displayedItems.slice(0, 4).map((r) => r.name)}`);
    const info = await page.locator('[data-page=l7] .table-info').innerText();
    expect(info.endsWith(`of ${integer(list.totalItems)}`), `"${info}" vs ${list.totalItems}`);
    await noErrorState('L7 page');
    await shot('l7');
    const top = list.displayedItems.find((r) => r.protocol !== 0) ?? list.displayedItems[0];
    await page.click(`[data-page=l7] [data-table=l7-protocols] tbody a:text-is("${top.name}")`);
    await page.waitForSelector('[data-page=l7-protocol] [data-table=l7-protocol-ips] tbody tr');
    await settle();
    const ips = await api(`/API/stats/modules/dpi/protocols/${encodeURIComponent(top.name)}/ips`, { ...whole, sort: 'bytes', reverse: true, count: 25 });
    const first = await page.locator('[data-page=l7-protocol] [data-table=l7-protocol-ips] tbody tr:first-child td:first-child').innerText();
    expect(first === ips.displayedItems[0].ip, `first IP of ${top.name}: ${first} vs ${ips.displayedItems[0].ip}`);
    await noErrorState('L7 protocol page');
    await shot('l7-protocol');
  });

  for (const [module, counter, label] of [
    ['dns', 'requests', 'DNS'],
    ['http', 'requests', 'HTTP'],
    ['ssl', 'handshakes', 'SSL'],
    ['quic', 'connections', 'QUIC'],
  ]) {
    if (!(await has(ctx, '/API/stats/modules', module))) {
      console.log(`skip ${label} page: the server has no /API/stats/modules/${module}`);
      continue;
    }
    await step(`${label} page: summary and first table match the API`, async () => {
      await page.click(`nav a[href="/${module}"]`);
      await page.waitForSelector(`[data-page=${module}] [data-field=${counter}]`);
      await settle();
      const s = await api(`/API/stats/modules/${module}`, whole);
      const shown = await page.locator(`[data-page=${module}] [data-field=${counter}]`).innerText();
      expect(shown === integer(s[counter]), `${counter}: shown ${shown}, API ${s[counter]}`);
      const servers = await api(`/API/stats/modules/${module}/servers`, { ...whole, count: 1 });
      const info = await page.locator(`[data-page=${module}] .table-info`).innerText();
      expect(servers.totalItems === 0 ? info === '' : info.endsWith(`of ${integer(servers.totalItems)}`), `servers "${info}" vs ${servers.totalItems}`);
      await noErrorState(`${label} page`);
      await shot(module);
      // Every other tab of the page loads.
      for (const tab of await page.locator(`[data-page=${module}] button[data-tab]`).evaluateAll((bs) => bs.map((b) => b.dataset.tab))) {
        await page.click(`[data-page=${module}] button[data-tab=${tab}]`);
        await settle();
        await noErrorState(`${label} tab ${tab}`);
      }
    });
  }

  await step('IP tabs: the SSL and HTTP response-time charts plot the API history’s sum / count', async () => {
    for (const [tab, module, count, sum] of [['ssl', 'ssl', 2, 3], ['http', 'http', 2, 3]]) {
      const top = (await api(`/API/stats/modules/${module}/servers`, { ...whole, sort: module === 'ssl' ? 'handshakes' : 'requests', reverse: true, count: 1 })).displayedItems[0];
      if (!top) {
        console.log(`skip the ${tab} response-time chart: no ${module} server`);
        continue;
      }
      await page.goto(`${base}/ips/${encodeURIComponent(top.ip)}/${tab}`);
      await page.waitForSelector('[data-page=ip-detail] [data-chart=response-time] .uplot');
      await settle();
      const tabDoc = await api(`/API/stats/modules/ip/ips/${encodeURIComponent(top.ip)}/${tab}`, whole);
      const histories = tab === 'ssl' ? tabDoc.asServer.map((r) => r.history) : [tabDoc.history];
      const plotted = await page.evaluate(() => document.querySelector('[data-page=ip-detail] [data-chart=response-time] .uplot').uplot.data[1]);
      const expected = histories[0].values.map((_, i) => {
        const c = histories.reduce((a, h) => a + (h.values[i]?.[count] ?? 0), 0);
        const t = histories.reduce((a, h) => a + (h.values[i]?.[sum] ?? 0), 0);
        return c > 0 ? t / c / 1e9 : null;
      });
      expect(expected.some((v) => v !== null), `${top.ip} ${tab}: the API history has a timed response`);
      expect(JSON.stringify(plotted) === JSON.stringify(expected), `${top.ip} ${tab} chart ${JSON.stringify(plotted).slice(0, 200)} vs API ${JSON.stringify(expected).slice(0, 200)}`);
      await noErrorState(`IP ${tab} tab`);
      await shot(`ip-${tab}-response-time`);
    }
  });

  if (await has(ctx, '/API/stats/modules/ip', 'connections')) {
    await step('connection detail by id: the API’s connection with its L7 protocol and TCP figures', async () => {
      const list = await api('/API/stats/modules/ip/globalConnections', { ...whole, sort: 'bytes', reverse: true, count: 1, filter: '(l4Protocol == TCP)' });
      const c = list.displayedItems[0];
      expect(c && c.id, 'the connection list gives ids');
      await page.goto(`${ctx.base}/connections/${encodeURIComponent(c.id)}`);
      await page.waitForSelector('[data-page=connection-detail] [data-field=l7]');
      await settle();
      const d = await api(`/API/stats/modules/ip/connections/${encodeURIComponent(c.id)}`, whole);
      const l7 = await page.locator('[data-page=connection-detail] [data-field=l7]').innerText();
      expect(l7 === d.l7Protocol, `L7 ${l7} vs ${d.l7Protocol}`);
      const all = await page.locator('[data-page=connection-detail] [data-field=all-time]').innerText();
      expect(all.includes(`server → client ${integer(d.allTime[0])} pkts`) && all.includes(`client → server ${integer(d.allTime[2])} pkts`), `all time "${all}" vs ${d.allTime}`);
      expect((await page.locator('[data-testid=directions] tr:has-text("TCP retransmitted")').count()) === 1, 'per-direction TCP figures shown');
      await noErrorState('connection detail by id');
      await shot('connection-detail-id');
    });
    await step('connection detail: the L7 response time with its scores', async () => {
      const list = await api('/API/stats/modules/ip/globalConnections', { ...whole, sort: 'l7ResponseScore', reverse: true, count: 1 });
      const c = list.displayedItems[0];
      expect(c && c.l7ResponseScore !== null, `a connection with an L7 response score: ${JSON.stringify(c?.l7ResponseScore)}`);
      await page.goto(`${ctx.base}/connections/${encodeURIComponent(c.id)}`);
      await page.waitForSelector('[data-page=connection-detail] [data-field=l7-response]');
      await settle();
      const shown = await page.locator('[data-page=connection-detail] [data-field=l7-response]').innerText();
      const server = c.l7ServerScore === null ? '' : ` / server ${c.l7ServerScore}`;
      expect(shown.endsWith(` · score ${c.l7ResponseScore}${server}`), `L7 response "${shown}" vs score ${c.l7ResponseScore}${server}`);
      await noErrorState('connection detail scores');
    });
  }
}

// ---- packet capture

export async function captureSteps(ctx) {
  const { page, step, expect, api, settle, noErrorState, shot, firstIp, netmeter, pcap } = ctx;
  if (!(await has(ctx, '/API/data/modules', 'capture'))) {
    console.log('skip captures: the server has no /API/data/modules/capture');
    return;
  }
  await step('capture from the analysed files: an IP’s PCAP button downloads the packets the API counted and netmeter capture finds', async () => {
    const expression = `ip == ${firstIp}`;
    await page.goto(`${ctx.base}/ips/${encodeURIComponent(firstIp)}`);
    await page.waitForSelector('[data-page=ip-detail] .page-header [data-testid=pcap]:not([disabled])');
    await settle();
    await page.click('[data-page=ip-detail] .page-header [data-testid=pcap]');
    await page.waitForSelector('[data-testid=capture-dialog]');
    expect((await page.inputValue('[data-testid=capture-expression]')) === expression, 'the dialog is pre-filled with the IP');
    expect((await page.inputValue('[data-testid=capture-start]')) !== '', 'the dialog starts at the selected range');
    await shot('capture-dialog');
    await page.selectOption('[data-testid=capture-type]', 'http');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), page.click('[data-testid=start-capture]')]);
    const file = await download.path();
    expect(file, `download failed: ${await download.failure()}`);
    const got = countPackets(readFileSync(file));
    expect(got.packets > 0, `the download has ${got.packets} packets`);
    const done = (await api('/API/stats/modules/capture/captures')).captures.filter((c) => c.expression === expression);
    const c = done[done.length - 1];
    expect(c && c.state === 'finished' && c.captured === got.packets, `API capture ${JSON.stringify(c)} vs ${got.packets} packets in the ${got.format} file`);
    const offline = spawnSync(netmeter, ['capture', pcap, '-e', expression, '--pcapng', '-w', '-'], { maxBuffer: 256 << 20 });
    expect(offline.status === 0, `netmeter capture exited ${offline.status}: ${offline.stderr}`);
    const want = countPackets(offline.stdout);
    expect(want.packets === got.packets, `offline netmeter capture: ${want.packets} packets, download ${got.packets}`);
    await page.goto(`${ctx.base}/captures`);
    const row = page.locator(`[data-testid=captures] tbody tr[data-capture-id="${c.id}"]`);
    await row.waitFor();
    const shown = Number((await row.locator('[data-field=captured]').innerText()).replace(/,/g, ''));
    expect(shown === c.captured, `captures page shows ${shown}, API ${c.captured}`);
    await noErrorState('captures page');
  });

  await step('live capture: running with growing counters on a paced analysis, stopped from the captures page, complete file', async () => {
    const paced = await ctx.startServer(ctx.uploadPcap, ['--pace', '150']);
    const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    try {
      const p2 = await context.newPage();
      await p2.goto(paced.url + '/');
      await p2.fill('input[name=user]', 'admin');
      await p2.fill('input[name=password]', ctx.password);
      await p2.click('button[type=submit]');
      await p2.waitForSelector('[data-page=dashboard]');
      await p2.click('nav a[href="/captures"]');
      await p2.fill('[data-testid=expert-filter]', 'l4Protocol == TCP,UDP');
      await p2.click('[data-testid=expert-capture]');
      await p2.waitForSelector('[data-testid=capture-dialog]');
      expect((await p2.inputValue('[data-testid=capture-start]')) === '', 'the expert filter captures live from now on');
      const [download] = await Promise.all([p2.waitForEvent('download', { timeout: 30000 }), p2.click('[data-testid=start-capture]')]);
      const row = p2.locator('[data-testid=captures] tbody tr').first();
      await row.locator('[data-field=state]:text-is("running")').waitFor({ timeout: 20000 });
      const count = async () => Number((await row.locator('[data-field=captured]').innerText()).replace(/,/g, ''));
      const first = await count();
      await p2.waitForFunction((n) => Number(document.querySelector('[data-testid=captures] tbody tr [data-field=captured]')?.textContent?.replace(/,/g, '')) > n, first, { timeout: 20000 });
      if (ctx.screenshots) await p2.screenshot({ path: `${ctx.screenshots}/captures-running.png` });
      await row.locator('[data-testid=stop-capture]').click();
      const file = await download.path();
      expect(file, `download failed: ${await download.failure()}`);
      const got = countPackets(readFileSync(file));
      const r = await fetch(paced.url + '/API/stats/modules/capture/captures', { headers: { Authorization: 'Basic ' + Buffer.from(`admin:${ctx.password}`).toString('base64') } });
      const c = (await r.json()).captures[0];
      expect(c.state === 'stopped' && c.captured === got.packets && got.packets > first, `stopped capture ${JSON.stringify(c)} vs ${got.packets} packets in the ${got.format} file (first seen ${first})`);
      await row.locator('[data-field=state]:text-is("stopped")').waitFor({ timeout: 10000 });
    } finally {
      await context.close();
      paced.stop();
    }
  });

  await step('captures page: the capture is in the recent list, becomes a favorite, a profile is saved', async () => {
    await page.goto(`${ctx.base}/captures`);
    await page.waitForSelector('[data-testid=recent] tbody tr');
    await settle();
    await page.locator('[data-testid=recent] tbody tr').first().locator('[data-testid=make-favorite]').click();
    await page.waitForSelector('[data-testid=favorites] tbody tr');
    const favs = await api('/API/stats/modules/capture/favorites');
    expect((favs.favorites ?? favs).length >= 1, `favorites ${JSON.stringify(favs).slice(0, 200)}`);
    await page.click('[data-testid=add-profile]');
    await page.fill('[data-testid=profile-name]', 'E2E headers');
    await page.fill('[data-testid=profile-dialog] input[data-rule=expression]', 'l4Protocol == TCP');
    await page.fill('[data-testid=profile-dialog] input[data-rule=snapLength]', '96');
    await page.click('[data-testid=profile-dialog] [data-testid=dialog-ok]');
    await page.waitForSelector('[data-testid=profiles] tbody tr:has-text("E2E headers")');
    const profiles = await api('/API/stats/modules/capture/profiles');
    const p = (profiles.profiles ?? profiles).find((x) => x.name === 'E2E headers');
    expect(p && p.rules?.[0]?.snapLength === 96, `profile ${JSON.stringify(p)}`);
    await noErrorState('captures page');
    await shot('captures-lists');
  });
}

// ---- capture file upload

export async function uploadSteps(ctx) {
  const { page, step, expect, api, settle, shot, uploadPcap, waitForAnalysis, integer, chartAxesReadable } = ctx;
  if (!(await has(ctx, '/API/system', 'analyze-pcap'))) {
    console.log('skip upload: the server has no /API/system/analyze-pcap');
    return;
  }
  await step('pcap upload: progress, analysis of the uploaded file, its figures, resume normal operation', async () => {
    await page.goto(`${ctx.base}/pcap-analysis`);
    await page.waitForSelector('[data-testid=drop-zone]');
    await page.setInputFiles('[data-testid=pcap-file]', uploadPcap);
    await page.waitForSelector('[data-testid=chosen-name]');
    await page.click('[data-testid=upload-start]');
    await page.click('[data-testid=upload-confirm] [data-testid=dialog-ok]');
    await page.waitForSelector('[data-testid=upload-progress][aria-valuenow="100"]', { timeout: 60000 });
    await page.waitForSelector('[data-field=state][data-state=finished]', { timeout: 60000 });
    await settle();
    const status = await api('/API/data/pcap');
    const want = manifestPackets(uploadPcap);
    expect(status.packets === want, `the server analyzed ${status.packets} packets, the file has ${want}`);
    const shown = Number(await page.locator('[data-field=packets]').getAttribute('data-value'));
    expect(shown === want, `shown ${shown} packets, the file has ${want}`);
    expect((await page.locator('[data-field=last-packet]').innerText()) !== '–', 'the last packet time is shown');
    await shot('pcap-upload');
    // Every page now shows the uploaded file: the IP table's total is the API's.
    const time = await api('/API/stats/time');
    const window = { starttime: time.firstSecond, endtime: time.lastSecond + 1 };
    await page.click('nav a[href="/ips"]');
    await page.waitForSelector('[data-page=ips] tbody tr');
    await settle();
    const list = await api('/API/stats/modules/ip/ips_paged', { ...window, sort: 'bytes', reverse: true, count: 25 });
    const info = await page.locator('[data-page=ips] .table-info').innerText();
    expect(info.endsWith(`of ${integer(list.totalItems)}`), `IPs of the upload "${info}" vs ${list.totalItems}`);
    const ips = await page.locator('[data-page=ips] tbody tr td:first-child').allInnerTexts();
    expect(ips[0] === list.displayedItems[0].ip, `top IP ${ips[0]} vs ${list.displayedItems[0].ip}`);
    // An HTTP server without responses has no response time ('–', not 0): 1kxun.pcap has one.
    await page.click('nav a[href="/http"]');
    await page.waitForSelector('[data-page=http] [data-table] tbody tr');
    await settle();
    const rows = await page.locator('[data-page=http] [data-table] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ['responses', 'responseTime-avg', 'responseTime-max'].map((c) => tr.querySelector(`[data-col="${c}"]`)?.textContent)),
    );
    for (const [responses, avg, max] of rows)
      expect((responses === '0') === (avg === '–' && max === '–'), `${responses} responses, response time avg ${avg}, max ${max}`);
    if (path.basename(uploadPcap) === '1kxun.pcap') expect(rows.some(([responses]) => responses === '0'), 'a server without responses');
    // The default upload (1kxun.pcap) spans six years: its charts' time axes step by years, their
    // average rates are fractions of a packet per second.
    for (const [href, id] of [['/tcp', 'tcp'], ['/', 'dashboard']]) {
      await page.click(`nav a[href="${href}"]`);
      await page.waitForSelector(`[data-page=${id}] .uplot`);
      await settle();
      await chartAxesReadable(`${id} page of the upload`);
    }
    await page.click('nav a[href="/pcap-analysis"]');
    await page.click('[data-testid=resume]');
    await page.waitForSelector('[data-field=state][data-state=idle]', { timeout: 30000 });
    expect((await api('/API/data/pcap')).mode === 'normal', 'back to normal operation');
    await waitForAnalysis();
  });
}
