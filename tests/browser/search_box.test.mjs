// End-to-end test of the search box page (searchd/web/index.html) in a real
// headless Chromium, driven by playwright-core.
//
//   node tests/browser/search_box.test.mjs http://127.0.0.1:PORT BUILD_DIR
//
// Prints one line per check and ends with "N passed, M failed"; exits 1 when a
// check failed. Screenshots go to BUILD_DIR/screenshots/.
import { chromium } from 'playwright-core';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const adminToken = process.env.ADMIN_TOKEN || '';

const [base, buildDir] = process.argv.slice(2);
if (!base || !buildDir) {
  console.error('usage: node search_box.test.mjs BASE_URL BUILD_DIR');
  process.exit(2);
}
const shotDir = path.join(buildDir, 'screenshots');
mkdirSync(shotDir, { recursive: true });
for (const f of readdirSync(shotDir)) {
  if (f.startsWith('failure-') && f.endsWith('.png')) rmSync(path.join(shotDir, f));
}
const shot = (name) => path.join(shotDir, name);

const RUN_LIMIT_MS = 100_000;
const STEP_TIMEOUT_MS = 8_000;
const watchdog = setTimeout(() => {
  console.log(`FAIL: the browser test did not finish within ${RUN_LIMIT_MS / 1000} s`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}, RUN_LIMIT_MS);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
  headless: true,
  timeout: 20_000,
});

let passed = 0;
let failed = 0;

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Runs one check in a fresh browser context; never throws. */
async function check(name, options, body) {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  // Nothing but the server under test may be reached.
  await context.route('**/*', (route) =>
    route.request().url().startsWith(base) ? route.continue() : route.abort());
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  const started = Date.now();
  try {
    const detail = await body(page, context);
    assert(pageErrors.length === 0, `uncaught error in the page: ${pageErrors.join('; ')}`);
    passed++;
    console.log(`PASS ${name}${detail ? ` (${detail})` : ''} [${Date.now() - started} ms]`);
  } catch (err) {
    failed++;
    const message = String(err && err.message || err).split('\n')[0];
    console.log(`FAIL ${name}: ${message}`);
    const file = shot(`failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
    await page.screenshot({ path: file }).then(() => console.log(`     screenshot: ${file}`), () => {});
  } finally {
    await context.close().catch(() => {});
  }
}

async function open(page, query) {
  await page.goto(`${base}/${query}`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('html[data-ready="true"]');
}

/** Runs axe-core over the page; fails on serious or critical violations. */
async function axeCheck(page, label) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert(bad.length === 0, `axe (${label}): ${bad.map((v) => `${v.id} [${v.impact}] at `
    + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')).join('; ')}`);
  return result.violations.length ? result.violations.map((v) => `${v.id}/${v.impact}`).join(' ') : 'no';
}

/** Waits until #results shows the answer for exactly this query and locale. */
async function waitForResults(page, q, locale) {
  await page.waitForFunction(([q, locale]) => {
    const list = document.querySelector('#results');
    return list.dataset.query === q && (locale == null || list.dataset.locale === locale)
      && !document.querySelector('#field').classList.contains('busy');
  }, [q, locale]);
  return page.$$eval('#results .result', (items) => items.map((li) => ({
    key: li.dataset.key,
    lang: li.getAttribute('lang'),
    role: li.getAttribute('role'),
    selected: li.getAttribute('aria-selected'),
    title: li.querySelector('.title')?.textContent ?? '',
    badges: [...li.querySelectorAll('.badge')].map((b) => b.textContent),
    snippet: li.querySelector('.snippet')?.textContent ?? '',
    marks: [...li.querySelectorAll('.snippet mark')].map((m) => m.textContent),
  })));
}

async function typeQuery(page, text) {
  await page.focus('#q');
  await page.keyboard.type(text, { delay: 40 });
}

const urlParams = (page) => new URL(page.url()).searchParams;

// (1) Japanese, typed character by character, Enter opens the article.
await check('ja-JP as-you-type search and Enter opens the article', {}, async (page) => {
  await open(page, '?locale=ja-JP');
  assert(await page.inputValue('#locale') === 'ja-JP', 'the locale picker is not ja-JP');
  assert(await page.isVisible('#empty'), 'the empty state is not shown before typing');
  assert(await page.$eval('label[for="q"]', (l) => l.textContent.trim().length > 0), 'the input has no label');
  const q = 'アプリ パスワード';
  await typeQuery(page, q);
  const hits = await waitForResults(page, q, 'ja-JP');
  assert(hits.length > 0, 'no results');
  const first = hits[0];
  assert(first.key === 'ja-JP/app-passwords', `first result is ${first.key}`);
  assert(first.lang === 'ja-JP', `first result has lang=${first.lang}`);
  assert(first.role === 'option' && first.selected === 'true', 'first result is not the selected option');
  assert(first.title === 'アプリ パスワード', `first title is ${JSON.stringify(first.title)}`);
  assert(first.badges.includes('500') && first.badges.includes('1300011'), `badges are ${first.badges}`);
  assert(first.marks.length > 0, 'the snippet has no <mark> highlights');
  assert(!first.snippet.includes('<mark>') && !first.snippet.includes('&lt;'), 'the snippet shows raw markup');
  assert(await page.getAttribute('#results', 'role') === 'listbox', '#results is not a listbox');
  assert(await page.getAttribute('#q', 'role') === 'combobox', '#q is not a combobox');
  assert(await page.getAttribute('#q', 'aria-controls') === 'results', '#q does not control #results');
  assert(await page.getAttribute('#q', 'aria-expanded') === 'true', 'aria-expanded is not true with results');
  assert(await page.getAttribute('#q', 'aria-activedescendant') === 'result-0',
    'aria-activedescendant does not name the first result');
  const axeResults = await axeCheck(page, 'results');
  assert(hits.every((h) => h.key.startsWith('ja-JP/')), 'a result outside ja-JP');
  assert(/result/.test(await page.textContent('#status')), 'the status does not give a count');
  assert(await page.getAttribute('#status', 'aria-live') === 'polite', '#status is not an aria-live region');
  assert(urlParams(page).get('q') === q && urlParams(page).get('locale') === 'ja-JP',
    `the URL is not in step: ${page.url()}`);
  await page.screenshot({ path: shot('search-ja.png') });

  // Arrow keys move the selection; Enter opens the selected result.
  if (hits.length > 1) {
    await page.keyboard.press('ArrowDown');
    assert(await page.getAttribute('#results .result:nth-child(2)', 'aria-selected') === 'true',
      'ArrowDown did not select the second result');
    assert(await page.getAttribute('#q', 'aria-activedescendant') === 'result-1',
      'aria-activedescendant does not follow the selection');
    await page.keyboard.press('ArrowUp');
    assert(await page.getAttribute('#results .result:nth-child(1)', 'aria-selected') === 'true',
      'ArrowUp did not go back to the first result');
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('#article', { state: 'visible' });
  await page.waitForFunction(() => !document.querySelector('#article').hasAttribute('aria-busy'));
  const title = await page.textContent('#article-title');
  assert(title === 'アプリ パスワード', `article title is ${JSON.stringify(title)}`);
  assert(await page.getAttribute('#article', 'lang') === 'ja-JP', 'the reading pane has no lang=ja-JP');
  const body = await page.textContent('#article-body');
  assert(body.includes('アプリ パスワード'), 'the article body is empty or wrong');
  assert(await page.isVisible('#back'), 'no "Back to results" link');
  assert((await page.textContent('#back')).includes('Back to results'), '#back has the wrong text');
  assert(!(await page.isVisible('#results')), 'the result list is still visible behind the article');
  await axeCheck(page, 'article');
  await page.screenshot({ path: shot('article-ja.png'), fullPage: true });

  // Esc in the reading pane goes back; Esc in the box clears.
  await page.keyboard.press('Escape');
  await page.waitForSelector('#article', { state: 'hidden' });
  await page.waitForSelector('#results .result[data-key="ja-JP/app-passwords"]', { state: 'visible' });
  assert(await page.inputValue('#q') === q, 'the query was lost after going back');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('#q').value === ''
    && document.querySelectorAll('#results .result').length === 0);
  assert(await page.isVisible('#empty'), 'Esc did not bring back the empty state');
  assert(await page.getAttribute('#q', 'aria-expanded') === 'false', 'aria-expanded is still true after Esc');
  assert(!urlParams(page).has('q'), 'the URL still has q after Esc');
  return `${hits.length} hits, ${axeResults} minor axe findings`;
});

// (2) The locale picker: navigator.language default, then zh-TW only.
await check('locale picker restricts results to zh-TW', { locale: 'de-DE' }, async (page) => {
  await open(page, '');
  const options = await page.$$eval('#locale option', (os) => os.map((o) => o.value));
  assert(options[0] === '' && options.length >= 8, `the picker options are ${JSON.stringify(options)}`);
  for (const l of ['en-US', 'zh-TW', 'zh-CN', 'ja-JP', 'ko-KR', 'th-TH', 'de-DE']) {
    assert(options.includes(l), `the picker has no ${l}`);
  }
  const def = await page.inputValue('#locale');
  assert(def === 'de-DE', `navigator.language de-DE did not preselect de-DE (got ${JSON.stringify(def)})`);
  await page.selectOption('#locale', 'zh-TW');
  // The answer to the first keystroke is held back until after the answer to
  // the full query: the page must keep showing the results for the full query.
  let slowDone;
  const slow = new Promise((resolve) => { slowDone = resolve; });
  await page.route('**/v1/search?*', async (route) => {
    const q = new URL(route.request().url()).searchParams.get('q');
    if (q === '密') {
      await new Promise((r) => setTimeout(r, 1200));
      await route.continue().catch(() => {});   // the page may have aborted it
      slowDone();
    } else {
      await route.continue();
    }
  });
  const q = '密碼';
  await page.focus('#q');
  await page.keyboard.type('密');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === '密');
  await page.keyboard.type('碼');
  const hits = await waitForResults(page, q, 'zh-TW');
  await slow;
  await page.waitForTimeout(100);
  assert(await page.getAttribute('#results', 'data-query') === q,
    'a late answer for an older query replaced the results');
  assert(hits.length > 0, 'no zh-TW results');
  const wrong = hits.filter((h) => !h.key.startsWith('zh-TW/') || h.lang !== 'zh-TW');
  assert(wrong.length === 0, `results outside zh-TW: ${wrong.map((h) => h.key)}`);
  assert(urlParams(page).get('locale') === 'zh-TW', 'the URL does not carry locale=zh-TW');
  return `${hits.length} hits: ${hits.map((h) => h.key).join(', ')}`;
});

// (3) Error codes find the article that contains them.
await check('error codes find the article containing them', {}, async (page) => {
  const found = [];
  for (const [code, locale] of [['0x8004de40', 'en-US'], ['AADSTS50076', '']]) {
    await open(page, `?locale=${locale || 'all'}`);
    await typeQuery(page, code);
    const hits = await waitForResults(page, code, locale);
    assert(hits.length > 0, `no results for ${code}`);
    const first = hits[0];
    if (locale) assert(first.key.startsWith(`${locale}/`), `first hit for ${code} is ${first.key}`);
    const [loc, slug] = first.key.split('/');
    const article = await page.evaluate(async ([loc, slug]) =>
      (await fetch(`/v1/articles/${loc}/${slug}`)).json(), [loc, slug]);
    const text = `${article.title}\n${article.text}`.normalize('NFKC').toLowerCase();
    assert(text.includes(code.toLowerCase()), `the first hit ${first.key} does not contain ${code}`);
    assert((first.title + first.snippet).toLowerCase().includes(code.toLowerCase()),
      `the first hit for ${code} shows the code neither in its title nor in its snippet`);
    found.push(`${code} -> ${first.key}`);
  }
  return found.join(', ');
});

// (4) Titles are text: <script> in a title is shown, never run or parsed.
await check('HTML in titles is shown as text', {}, async (page) => {
  await open(page, '?locale=en-US');
  const q = 'script';
  await typeQuery(page, q);
  const hits = await waitForResults(page, q, 'en-US');
  const hit = hits.find((h) => h.key === 'en-US/script-tag-title');
  assert(hit, `en-US/script-tag-title is not among the results (${hits.map((h) => h.key)})`);
  assert(await page.$$eval('#results script, #results iframe, #results img', (n) => n.length) === 0,
    'an element was created from result data inside #results');
  assert(await page.$$eval('script', (n) => n.length) === 1, 'a <script> element was added to the page');
  const marks = await page.$$eval('#results mark', (ms) => ms.map((m) => m.children.length));
  assert(marks.every((n) => n === 0), 'a <mark> in a snippet has child elements');
  assert(hit.title.includes('<script>'),
    `the title is shown as ${JSON.stringify(hit.title)}, without the literal <script>`);
  await page.click('#results .result[data-key="en-US/script-tag-title"]');
  await page.waitForSelector('#article', { state: 'visible' });
  await page.waitForFunction(() => !document.querySelector('#article').hasAttribute('aria-busy'));
  const title = await page.textContent('#article-title');
  assert(title.includes('<script>'), `the reading pane title is ${JSON.stringify(title)}`);
  assert(await page.$$eval('#article script', (n) => n.length) === 0, 'a <script> element is in the reading pane');
  assert((await page.textContent('#article-body')).includes('<script>'), 'the body lost its literal <script>');
  return JSON.stringify(hit.title);
});

// (5) Deep links, URL kept in step, and "Did you mean".
await check('deep link ?q=password&locale=de-DE shows results on load', {}, async (page) => {
  await open(page, '?q=password&locale=de-DE');
  const hits = await waitForResults(page, 'password', 'de-DE');
  assert(hits.length > 0, 'no results on load');
  assert(hits.every((h) => h.key.startsWith('de-DE/')), 'a result outside de-DE');
  assert(await page.inputValue('#q') === 'password', 'the box does not show the query');
  assert(await page.inputValue('#locale') === 'de-DE', 'the picker does not show de-DE');
  assert(!(await page.isVisible('#empty')), 'the empty state is shown with results');
  // Typing keeps the URL in step (history.replaceState, no new entries).
  const length = await page.evaluate(() => history.length);
  await page.focus('#q');
  await page.keyboard.press('End');
  await page.keyboard.type(' reset', { delay: 30 });
  await waitForResults(page, 'password reset', 'de-DE');
  assert(urlParams(page).get('q') === 'password reset', `the URL q is ${urlParams(page).get('q')}`);
  assert(urlParams(page).get('locale') === 'de-DE', 'the URL lost locale=de-DE');
  assert(await page.evaluate(() => history.length) === length, 'typing added history entries');
  // A word in no article is searched as its correction, and the page says so.
  await open(page, '?q=passwrod&locale=en-US');
  const fixed = await waitForResults(page, 'passwrod', 'en-US');
  assert(fixed.length > 0 && (await page.isHidden('#noresults')), 'the misspelt query found nothing');
  const status = await page.textContent('#status');
  assert(status.includes('Showing results for \u201cpassword\u201d'), `the status reads ${JSON.stringify(status)}`);
  await page.screenshot({ path: path.join(shotDir, "corrected-typo.png") });
  return `${hits.length} de-DE hits`;
});

// (6) A phone-sized viewport, and the embed mode.
await check('360 px wide layout and ?embed=1', { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2,
  isMobile: true, hasTouch: true }, async (page) => {
  await open(page, '?q=password&locale=all');
  const hits = await waitForResults(page, 'password', '');
  assert(hits.length > 1, 'too few results for the layout check');
  const layout = await page.evaluate(() => {
    const box = (s) => document.querySelector(s).getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      input: box('#q'), select: box('#locale'), first: box('#results .result'),
      header: getComputedStyle(document.querySelector('#header')).display,
    };
  });
  assert(layout.scrollWidth <= 360, `the page is ${layout.scrollWidth} px wide (scrolls sideways)`);
  assert(layout.input.width >= 280 && layout.input.right <= 360, `the input is ${layout.input.width} px wide`);
  assert(layout.select.right <= 360, 'the locale picker sticks out');
  assert(layout.first.left >= 0 && layout.first.right <= 360, 'the first result sticks out');
  assert(layout.header !== 'none', 'the header is hidden without embed');
  await page.screenshot({ path: shot('mobile-360.png') });
  // Open and go back with the link on a phone.
  await page.tap('#results .result');
  await page.waitForSelector('#article', { state: 'visible' });
  const articleWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(articleWidth <= 360, `the reading pane is ${articleWidth} px wide`);
  await page.tap('#back');
  await page.waitForSelector('#results .result', { state: 'visible' });

  await open(page, '?embed=1&q=password&locale=en-US');
  await waitForResults(page, 'password', 'en-US');
  assert(await page.isHidden('#header') && await page.isHidden('#footer'), 'embed=1 still shows the chrome');
  assert(urlParams(page).get('embed') === '1', 'the URL lost embed=1');
  return `${hits.length} hits, scrollWidth ${layout.scrollWidth}`;
});

// (7) The landing view: popular searches from the analytics, the languages; desktop and phone.
for (const [name, options, file] of [
  ['landing view at desktop width', { viewport: { width: 1280, height: 800 } }, 'landing-desktop.png'],
  ['landing view at 360 px', { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true,
    hasTouch: true }, 'landing-360.png'],
]) {
  await check(name, options, async (page) => {
    await open(page, '?locale=en-US');
    await page.waitForFunction(() => document.querySelector('#examples-label').textContent === 'Popular searches');
    const chips = await page.$$eval('#examples .chip', (cs) => cs.map((c) => c.textContent));
    assert(chips.includes('reset password') && chips.includes('outlook'), `popular searches are ${chips}`);
    assert(!chips.includes('vpnclientx'), 'a query that found nothing is shown as popular');
    const langs = await page.$$eval('#langs .chip', (cs) => cs.map((c) => c.textContent));
    const locales = await page.$$eval('#locale option', (os) => os.filter((o) => o.value).length);
    assert(langs.length === locales && locales >= 7, `the languages are ${langs}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const vw = options.viewport.width;
    assert(width <= vw, `the page is ${width} px wide at ${vw} px`);
    const select = await page.evaluate(() => {
      const s = document.querySelector('#locale');
      return { scroll: s.scrollWidth, client: s.clientWidth, right: s.getBoundingClientRect().right };
    });
    assert(select.right <= vw, 'the locale picker sticks out');
    const violations = await axeCheck(page, name);
    await page.screenshot({ path: shot(file), fullPage: true });
    // A popular search runs when picked.
    await page.click('#examples .chip:has-text("outlook")');
    const hits = await waitForResults(page, 'outlook', 'en-US');
    assert(hits.length > 0, 'the popular search found nothing');
    if (vw === 360) await page.screenshot({ path: shot('results-360.png') });
    return `popular: ${chips.join(', ')}; ${langs.length} languages; ${violations} minor axe findings`;
  });
}

// (8) Article images in the reader pane: from /media, lazily, with their alt text.
await check('article images in the reading pane', { viewport: { width: 1280, height: 800 } }, async (page) => {
  await open(page, '?locale=en-US&a=en-US/reset-password');
  await page.waitForSelector('#article', { state: 'visible' });
  await page.waitForFunction(() => !document.querySelector('#article').hasAttribute('aria-busy'));
  const img = page.locator('#article-body img').first();
  await img.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => {
    const i = document.querySelector('#article-body img');
    return i && i.complete && i.naturalWidth > 0;
  });
  const info = await img.evaluate((i) => ({ alt: i.alt, src: i.src, loading: i.loading, w: i.naturalWidth,
    shown: i.getBoundingClientRect().width }));
  assert(info.alt === 'The Reset password pane in the admin center', `alt is ${JSON.stringify(info.alt)}`);
  assert(new URL(info.src).pathname === '/media/en-US/reset-password-pane.png', `src is ${info.src}`);
  assert(info.loading === 'lazy', 'the image is not loaded lazily');
  assert(info.shown > 0 && info.shown <= 1280, `the image is shown ${info.shown} px wide`);
  await axeCheck(page, 'article with image');
  await page.screenshot({ path: shot('article-image.png'), fullPage: true });
  return `${info.w} px image, shown ${Math.round(info.shown)} px`;
});

// (9) The admin view: the report behind the bearer token.
await check('admin view shows the query analytics', { viewport: { width: 1280, height: 900 } }, async (page) => {
  assert(adminToken, 'ADMIN_TOKEN is not set (run through run.sh)');
  await open(page, '#admin');
  assert(await page.isVisible('#admin') && await page.isHidden('#search-form'), 'the admin view is not shown');
  await page.fill('#admin-token', 'not-the-admin-token-at-all');
  await page.click('#admin-form button');
  await page.waitForSelector('#admin-status.error');
  assert((await page.textContent('#admin-status')).includes('not the admin token'), 'no refusal for a wrong token');
  await page.fill('#admin-token', adminToken);
  await page.click('#admin-form button');
  await page.waitForSelector('.admin-locale');
  const sections = await page.$$eval('.admin-locale', (ss) => ss.map((sec) => ({
    title: sec.querySelector('h2').textContent,
    lists: [...sec.querySelectorAll('table')].map((t) => ({
      caption: t.querySelector('caption').textContent,
      rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent).join('|')),
    })),
  })));
  const en = sections.find((x) => x.title.endsWith('en-US'));
  assert(en, `no en-US section in ${sections.map((x) => x.title)}`);
  const list = (sec, caption) => sec.lists.find((l) => l.caption === caption).rows;
  assert(list(en, 'Top queries').some((r) => r.startsWith('reset password|')), `en-US top: ${list(en, 'Top queries')}`);
  assert(list(en, 'Found nothing').some((r) => r.startsWith('vpnclientx|')), `en-US nothing: ${list(en, 'Found nothing')}`);
  // The search typed and opened by Enter in the first check counts as one search, clicked.
  const ja = sections.find((x) => x.title.endsWith('ja-JP'));
  assert(ja, 'no ja-JP section');
  const typed = list(ja, 'Top queries').find((r) => r.startsWith('アプリ パスワード|'));
  assert(typed === 'アプリ パスワード|1|1', `ja-JP top: ${list(ja, 'Top queries')}`);
  const violations = await axeCheck(page, 'admin');
  await page.screenshot({ path: shot('admin-desktop.png'), fullPage: true });
  return `${sections.length} locales; ja-JP: ${typed}; ${violations} minor axe findings`;
});

await browser.close();
clearTimeout(watchdog);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
