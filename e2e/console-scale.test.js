'use strict';
// The console for a real directory: the users list with its total, filters and numbered pages whose links
// keep the filters, each row with its pass and method count; every time in the reader's own zone with the
// time left (a browser in Asia/Tokyo); the users, user and audit pages fit a 390 px screen without scrolling
// sideways; the navigation leads to the batch of passes. Every page changed is shot at 1280×800 and 390×844.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage, addVirtualAuthenticator } = require('./lib/browser');
const { bothWidths, DESKTOP, PHONE } = require('./lib/shots');
const { here, waitForPath, enrolPasskeyWithPass } = require('./lib/journey');

const JOURNEY = 'console-scale';
const shootBoth = bothWidths(JOURNEY);

/** The clock a browser in `zone` shows for an RFC 3339 time (as static/time.js writes it). */
function clockIn(zone, iso) {
  return new Date(iso).toLocaleTimeString('en-US', { timeZone: zone, hour: '2-digit', minute: '2-digit' });
}

/** What static/time.js writes before the time left: the clock in `zone`, after the date when that is not today. */
function localIn(zone, iso) {
  const dateIn = (d) => d.toLocaleDateString('en-US', { timeZone: zone });
  const at = new Date(iso);
  if (dateIn(at) === dateIn(new Date())) return clockIn(zone, iso);
  const yearIn = (d) => d.toLocaleDateString('en-US', { timeZone: zone, year: 'numeric' });
  const options = { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' };
  if (yearIn(at) !== yearIn(new Date())) options.year = 'numeric';
  const day = at.toLocaleDateString('en-US', options);
  return `${day} ${clockIn(zone, iso)}`;
}

/**
 * Every <time data-local> on the page reads in `zone`: its clock there and the time left or past, never
 * "UTC". Resolves to how many there were.
 */
async function expectLocalTimes(page, zone) {
  const times = await page.locator('time[data-local]').evaluateAll((els) =>
    els.map((el) => ({ iso: el.getAttribute('datetime'), text: el.textContent, title: el.title })),
  );
  for (const t of times) {
    assert.match(t.iso, /Z$/, 'the machine-readable time is UTC');
    assert.ok(t.text.includes(clockIn(zone, t.iso)), `"${t.text}" shows ${t.iso} in ${zone}`);
    assert.ok(!t.text.includes('UTC'), `"${t.text}" was rewritten`);
    assert.match(t.text, /(in \d|ago|just now)/, `"${t.text}" says how far away it is`);
    assert.ok(t.title.includes(zone), `the title names the zone: ${t.title}`);
  }
  return times.length;
}

/** The page does not scroll sideways at 390 px. */
async function expectNoSidewaysScroll(page, what) {
  await page.setViewportSize(PHONE);
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= PHONE.width, `${what} is ${width} px wide at ${PHONE.width} px`);
  await page.setViewportSize(DESKTOP);
}

describe('console at scale: users list, local times, phones, navigation', { timeout: 240_000 }, () => {
  let server;
  let browser;
  let contexts = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await server.cli(['user', 'add', 'ann', '--role', 'admin', '--name', 'Ann Admin']);
    // Sixty people without a role, six of them disabled: three pages of people, two of audit events.
    for (let i = 1; i <= 60; i++) {
      const n = String(i).padStart(2, '0');
      await server.cli(['user', 'add', `person${n}`, '--name', `Person ${n}`, '--email', `person${n}@example.com`]);
      if (i % 10 === 0) await server.cli(['user', 'disable', `person${n}`]);
    }
    await server.cli(['tap', 'issue', 'person05']);
  });

  afterEach(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    contexts = [];
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** ann, signed in to the console with a passkey registered through a pass. */
  async function administrator(opts = {}) {
    const session = await newPage(browser, opts);
    contexts.push(session.context);
    await addVirtualAuthenticator(session.page);
    const pass = await server.cli(['tap', 'issue', 'ann']);
    await enrolPasskeyWithPass(session.page, { server, username: 'ann', passcode: pass.passcode });
    return session;
  }

  /** Opens a console page, stepping up with the passkey when asked. */
  async function openConsole(page, path) {
    await page.goto(`${server.url}${path}`);
    const back = (u) => u.pathname.startsWith('/admin');
    await page.waitForURL((u) => back(u) || u.pathname === '/login/methods', { timeout: 5000 }).catch(() => {});
    if (here(page).pathname === '/login') {
      await page.fill('#username', 'ann');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/login/methods' || back(u)),
        page.click('#username-form button[type=submit]'),
      ]);
    }
    if (here(page).pathname === '/login/methods') {
      await Promise.all([page.waitForURL(back), page.click('#passkey-button')]);
    }
    await page.waitForURL(back);
  }

  it('the users list has a total, filters and numbered pages whose links keep the filters', async () => {
    const { page, errors } = await administrator();
    await openConsole(page, '/admin/users');
    assert.match(await page.textContent('#users-total'), /^1–25 of 62 users$/);
    await shootBoth(page, 'users first page');

    await page.getByLabel('Role').selectOption('none');
    await page.getByLabel('Account').selectOption('enabled');
    await Promise.all([waitForPath(page, '/admin/users'), page.getByRole('button', { name: 'Search' }).click()]);
    assert.match(await page.textContent('#users-total'), /^1–25 of 54 users$/);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('page') === '2'),
      page.getByRole('navigation', { name: 'Pages of users' }).getByRole('link', { name: '2', exact: true }).click(),
    ]);
    const url = here(page);
    assert.equal(url.searchParams.get('role'), 'none', 'the page link kept the role');
    assert.equal(url.searchParams.get('account'), 'enabled', 'the page link kept the account filter');
    assert.match(await page.textContent('#users-total'), /^26–50 of 54 users$/);
    assert.equal(await page.getByLabel('Role').inputValue(), 'none');
    await shootBoth(page, 'users filtered second page');

    await page.getByLabel('Temporary Access Pass').selectOption('usable');
    await page.getByLabel('Role').selectOption('');
    await page.getByLabel('Account').selectOption('');
    await Promise.all([waitForPath(page, '/admin/users'), page.getByRole('button', { name: 'Search' }).click()]);
    const rows = page.locator('#users tbody tr');
    // The bootstrap administrator's first pass and ann's own (she enrolled with it) are usable too.
    assert.deepEqual(await rows.locator('td:first-child').allTextContents(), ['admin', 'ann', 'person05']);
    assert.match(await rows.nth(2).locator('td.pass').textContent(), /^Usable, until /);
    await shootBoth(page, 'users with a usable pass');

    const bad = await page.goto(`${server.url}/admin/users?page=abc&role=root`);
    assert.equal(bad.status(), 400);
    assert.match(await page.locator('.alert.error').first().textContent(), /Role must be admin, helpdesk, none/);
    await shootBoth(page, 'users bad filter');
    assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
  });

  it('every time reads in the browser\'s zone with the time left; the server writes UTC, labelled', async () => {
    const zone = 'Asia/Tokyo';
    const { page, errors } = await administrator({ timezoneId: zone });
    await openConsole(page, '/admin/users?q=person05');
    const cell = page.locator('#users td.pass').first();
    const iso = await cell.locator('time').getAttribute('datetime');
    assert.match(await cell.textContent(), new RegExp(`^Usable, until ${localIn(zone, iso)}, in (59 min|1 h)$`));
    // Without the script the same element says the time in UTC, and says so.
    const html = await (await page.request.get(`${server.url}/admin/users?q=person05`)).text();
    const utc = iso.slice(0, 10) + ' ' + iso.slice(11, 16) + ' UTC, in ';
    assert.ok(html.includes(`<time datetime="${iso}" data-local>${utc}`), 'the server writes UTC, labelled');
    assert.ok((await expectLocalTimes(page, zone)) >= 1);
    await shootBoth(page, 'users in tokyo time');

    const person = (await server.cli(['user', 'show', 'person05'])).id;
    await openConsole(page, `/admin/users/${person}`);
    assert.ok((await expectLocalTimes(page, zone)) >= 3, 'the pass: valid from, until, issued');
    await shootBoth(page, 'user in tokyo time');

    // A pass issued here: its validity in Tokyo time.
    const other = (await server.cli(['user', 'show', 'person06'])).id;
    await openConsole(page, `/admin/users/${other}/pass`);
    await Promise.all([page.waitForSelector('#passcode'), page.click('#issue-submit')]);
    assert.ok((await expectLocalTimes(page, zone)) >= 2);
    await shootBoth(page, 'pass issued in tokyo time');

    await openConsole(page, '/admin/audit');
    assert.ok((await expectLocalTimes(page, zone)) >= 5);
    await shootBoth(page, 'audit in tokyo time');

    // The audit range is typed in Tokyo time too: the page's script sends that instant in UTC.
    assert.match(await page.locator('#range-zone').textContent(), /In your time zone, Asia\/Tokyo \(now UTC\+09:00\)\./);
    const typed = new Date(Date.now() - 3600_000).toLocaleString('sv-SE', { timeZone: zone }).slice(0, 16).replace(' ', 'T');
    await page.getByLabel('From', { exact: true }).fill(typed);
    await Promise.all([waitForPath(page, '/admin/audit'), page.click('#audit-apply')]);
    assert.equal(here(page).searchParams.get('since_utc'), new Date(`${typed}:00+09:00`).toISOString());
    assert.equal(await page.getByLabel('From', { exact: true }).inputValue(), typed, 'the field keeps what was typed');
    assert.ok((await page.locator('#events tbody tr').count()) >= 1, 'the last hour has events');
    await shootBoth(page, 'audit range typed in tokyo time');

    await openConsole(page, '/admin/passes/bulk');
    await page.getByLabel(/CSV of people/).fill('username,lifetime\nperson07,2h\nperson08,8h\n');
    await Promise.all([page.waitForSelector('#bulk-rows'), page.getByRole('button', { name: 'Preview' }).click()]);
    assert.equal(await expectLocalTimes(page, zone), 4, 'from and until of two rows');
    await shootBoth(page, 'bulk preview in tokyo time');
    assert.deepEqual(errors, []);
  });

  it('the users, user and audit pages fit a 390 px screen; the navigation leads to the batch of passes', async () => {
    const { page, errors } = await administrator();
    await openConsole(page, '/admin/users');
    await expectNoSidewaysScroll(page, 'the users list');
    const ann = (await server.cli(['user', 'show', 'ann'])).id;
    await openConsole(page, `/admin/users/${ann}`);
    assert.ok(await page.locator('#methods tbody tr').count() >= 1, 'ann has a passkey');
    await expectNoSidewaysScroll(page, 'the user page');
    await shootBoth(page, 'user page with methods');
    await openConsole(page, '/admin/audit');
    await expectNoSidewaysScroll(page, 'the audit trail');

    // The audit trail pages, and its filters survive the paging.
    await page.getByLabel('Action').fill('user.');
    await Promise.all([waitForPath(page, '/admin/audit'), page.click('#audit-apply')]);
    await Promise.all([waitForPath(page, '/admin/audit'), page.click('#older')]);
    assert.equal(here(page).searchParams.get('action'), 'user.', 'the older page kept the filter');
    assert.equal(await page.getByLabel('Action').inputValue(), 'user.');
    await expectNoSidewaysScroll(page, 'an older page of the audit trail');
    await shootBoth(page, 'audit older page filtered');

    const nav = page.getByRole('navigation', { name: 'Console' });
    await Promise.all([waitForPath(page, '/admin/passes/bulk'), nav.getByRole('link', { name: 'Passes for a batch' }).click()]);
    assert.equal(await nav.getByRole('link', { name: 'Passes for a batch' }).getAttribute('aria-current'), 'page');
    await expectNoSidewaysScroll(page, 'the batch of passes');
    await shootBoth(page, 'bulk from the navigation');
    assert.deepEqual(errors, []);
  });

  it('a pass issued for 09:00 from a browser in Europe/Berlin starts at 08:00Z in winter; /security-info reads local', async () => {
    const zone = 'Europe/Berlin';
    const { page, errors } = await administrator({ timezoneId: zone });
    // Tomorrow in Berlin, and what 09:00 there is in UTC that day (08:00Z in winter, 07:00Z in summer).
    const day = new Date(Date.now() + 86_400_000).toLocaleDateString('en-CA', { timeZone: zone });
    const offset = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' })
      .formatToParts(new Date(`${day}T12:00:00Z`))
      .find((p) => p.type === 'timeZoneName').value; // "GMT+1"
    const hours = Number(offset.replace('GMT', '') || 0);
    const expected = new Date(Date.UTC(...day.split('-').map((v, i) => (i === 1 ? Number(v) - 1 : Number(v))), 9 - hours)).toISOString();
    const month = Number(day.slice(5, 7));
    if (month >= 11 || month <= 2) assert.equal(expected.slice(11, 16), '08:00', 'winter in Berlin is UTC+1');

    const person = (await server.cli(['user', 'show', 'person07'])).id;
    await openConsole(page, `/admin/users/${person}/pass`);
    assert.match(await page.locator('#start-zone').textContent(), /In your time zone, Europe\/Berlin \(now UTC\+0[12]:00\)\./);
    await page.locator('#start-later').check();
    await page.locator('#start').fill(`${day}T09:00`);
    await shootBoth(page, 'issue a pass in the browsers zone');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Issue the pass' }).click()]);
    const shown = await server.cli(['tap', 'show', 'person07']);
    assert.equal(new Date(shown.start).toISOString(), expected, `09:00 in ${zone} on ${day}`);
    assert.match(shown.start, /Z$/, 'the CLI keeps RFC 3339 UTC');
    await shootBoth(page, 'pass issued for 09:00 Berlin');

    // The person's own page: method and pass times in the browser's zone, with the time left.
    await page.goto(`${server.url}/security-info`);
    await page.getByRole('heading', { name: 'Security info' }).waitFor();
    assert.ok((await expectLocalTimes(page, zone)) >= 3, 'added, last used and sign-ins read local');
    await shootBoth(page, 'security info in the browsers zone');
    assert.deepEqual(errors, []);
  });
});
