import { chromium } from 'playwright-core';
const base = 'http://127.0.0.1:18777';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run'], headless: true });
async function snap(name, url, opts = {}, act) {
  const c = await b.newContext({ locale: 'en-US', ...opts });
  const p = await c.newPage();
  p.on('pageerror', e => console.log('pageerror', e.message));
  await p.goto(base + url); await p.waitForSelector('html[data-ready="true"]');
  await p.waitForTimeout(300);
  if (act) await act(p);
  await p.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: !!opts.full });
  await c.close();
}
await snap('empty', '/');
await snap('noresults', '/?q=passwrod&locale=en-US');
await snap('dark', '/?q=0x80070005&locale=all', { colorScheme: 'dark' });
await snap('th', '/?q=รหัสผ่าน&locale=th-TH');
await snap('mobile-article', '/?q=0x8004de40&locale=de-DE', { viewport: { width: 360, height: 740 }, full: true }, async (p) => { await p.click('.result'); await p.waitForTimeout(500); });
await snap('embed', '/?embed=1&q=密码&locale=zh-CN', { viewport: { width: 480, height: 600 } });
await snap('zh-partial', '/?q=多重&locale=all');
await b.close();
