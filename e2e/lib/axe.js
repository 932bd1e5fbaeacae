'use strict';
// axe-core (npm, pinned in e2e/package.json) over a page in Chromium: the WCAG 2 A/AA and best-practice rules,
// and the violations of impact "serious" or "critical", each with the elements it found.
//
//   const { seriousViolations, describeViolations } = require('./lib/axe');
//   const found = await seriousViolations(page);   // [] when the page has no serious or critical issue
//   assert.deepEqual(found, [], describeViolations(found));

const axe = require('axe-core');

/** Runs axe-core on the page as it is now; resolves to its serious and critical violations. */
async function seriousViolations(page) {
  // Through the DevTools protocol, so the page's Content-Security-Policy (script-src 'self') does not apply.
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.evaluate(axe.source);
  const results = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    }),
  );
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
}

/** The violations as readable lines, for an assertion's message. */
function describeViolations(violations, where = '') {
  return violations
    .map(
      (v) =>
        `${where}${v.impact} ${v.id}: ${v.help}\n` +
        v.nodes.map((n) => `    ${n.target}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`).join('\n'),
    )
    .join('\n');
}

module.exports = { seriousViolations, describeViolations };
