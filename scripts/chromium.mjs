// The browser the tests and the bench drive: Debian's chromium, headless, with the flags a
// container without a GPU or a sandbox needs and without the background traffic it would start.
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
