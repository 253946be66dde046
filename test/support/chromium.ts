/** Where Debian's Chromium is, and the flags every test launches it with: scripts/chromium.mjs, the one place for both. */
export { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';
