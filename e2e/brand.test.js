'use strict';
// A branded deployment in both colour schemes: its primary colours (brand.primary_color, brand.primary_color_dark)
// colour the buttons, its stylesheet (brand.stylesheet) applies after tapid's own, the dark scheme follows the
// browser's prefers-color-scheme, and axe-core finds no serious or critical issue (contrast included) on the
// sign-in pages, the setup page and an error page in either scheme. Screenshots at 1280×800 and 390×844.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startServer } = require('./lib/server');
const { launchBrowser, newPage } = require('./lib/browser');
const { shootBoth } = require('./lib/shots');
const { waitForPath, signInWithPass, expectSetup } = require('./lib/journey');
const { seriousViolations, describeViolations } = require('./lib/axe');

const SCHEMES = {
  light: { accent: 'rgb(123, 31, 162)', background: 'rgb(246, 248, 250)', text: 'rgb(27, 31, 36)' },
  dark: { accent: 'rgb(206, 147, 216)', background: 'rgb(13, 17, 23)', text: 'rgb(230, 237, 243)' },
};

describe('brand and dark mode: a branded deployment in the light and the dark scheme', { timeout: 180_000 }, () => {
  let server;
  let browser;
  let dir;

  before(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tapid-brand-'));
    const sheet = path.join(dir, 'acme.css');
    await fs.promises.writeFile(sheet, 'header.site { border-bottom: 4px solid var(--accent); }\n');
    server = await startServer({
      env: {
        TAPID_BRAND__PRIMARY_COLOR: '#7b1fa2',
        TAPID_BRAND__PRIMARY_COLOR_DARK: '#ce93d8',
        TAPID_BRAND__STYLESHEET: sheet,
      },
    });
    browser = await launchBrowser();
    await server.cli(['user', 'add', 'lena', '--name', 'Lena Light']);
    await server.cli(['user', 'add', 'dora', '--name', 'Dora Dark']);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await fs.promises.rm(dir, { recursive: true, force: true });
  });

  for (const [scheme, username] of [['light', 'lena'], ['dark', 'dora']]) {
    it(`in the ${scheme} scheme the pages take the brand's ${scheme} colour and its stylesheet, with AA contrast`, async () => {
      const expected = SCHEMES[scheme];
      const { page, context, errors } = await newPage(browser, { colorScheme: scheme });
      const journey = `brand ${scheme}`;
      const found = [];
      async function look(name, button) {
        await page.waitForLoadState('load');
        const colours = await page.evaluate((selector) => {
          const style = (el) => getComputedStyle(el);
          const b = document.querySelector(selector);
          return {
            background: style(document.documentElement).backgroundColor,
            text: style(document.body).color,
            button: b ? style(b).backgroundColor : null,
            header: style(document.querySelector('header.site')).borderBottomWidth,
          };
        }, button);
        assert.equal(colours.background, expected.background, `${name}: the ${scheme} page background`);
        assert.equal(colours.text, expected.text, `${name}: the ${scheme} text colour`);
        if (button) assert.equal(colours.button, expected.accent, `${name}: the main button is the brand's colour`);
        assert.equal(colours.header, '4px', `${name}: the deployment's stylesheet applies`);
        const violations = await seriousViolations(page);
        if (violations.length) found.push(describeViolations(violations, `[${name}] `));
        await shootBoth(page, journey, name);
      }

      await page.goto(`${server.url}/login`);
      await look('sign in', 'form button[type=submit]');
      const pass = await server.cli(['tap', 'issue', username]);
      await signInWithPass(page, { username, passcode: 'WRNG-WRNG' });
      await page.locator('.alert.error').waitFor();
      await look('a wrong pass', 'form button[type=submit]');
      await page.getByLabel('Temporary Access Pass', { exact: true }).fill(pass.passcode);
      await Promise.all([waitForPath(page, '/security-info/setup'), page.getByRole('button', { name: 'Sign in' }).click()]);
      await expectSetup(page, { restricted: true });
      await look('setup', null);
      const missing = await page.goto(`${server.url}/no-such-page`);
      assert.equal(missing.status(), 404);
      await look('not found', null);
      assert.deepEqual(found, [], found.join('\n'));
      assert.deepEqual(errors.filter((e) => !/status of (4\d\d)/.test(e)), []);
      await context.close();
    });
  }
});
