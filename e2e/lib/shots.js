'use strict';
// Screenshots of a page at the two widths every journey is checked at: desktop (1280×800) and phone
// (390×844). The page is left at desktop width.
//
//   const { bothWidths } = require('./lib/shots');
//   const shootBoth = bothWidths('console');
//   await shootBoth(page, 'issue form');   // e2e/screenshots/console/NN-issue-form-desktop.png and …-phone.png

const { screenshot } = require('./browser');

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** A screenshot of the page as it is, at desktop width and at phone width, for `journey`. */
async function shootBoth(page, journey, step) {
  await page.setViewportSize(DESKTOP);
  await screenshot(page, journey, `${step} desktop`);
  await page.setViewportSize(PHONE);
  await screenshot(page, journey, `${step} phone`);
  await page.setViewportSize(DESKTOP);
}

/** `shootBoth` for one journey: (page, step) → both screenshots. */
function bothWidths(journey) {
  return (page, step) => shootBoth(page, journey, step);
}

module.exports = { DESKTOP, PHONE, shootBoth, bothWidths };
