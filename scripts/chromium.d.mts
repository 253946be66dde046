// Types of scripts/chromium.mjs for the TypeScript suites (test/support/chromium.ts).
export declare const CHROMIUM_PATH: string;
export declare const CHROMIUM_ARGS: string[];
export declare function ensureChromium(): string;
