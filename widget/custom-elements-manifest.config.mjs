// `cem analyze --config widget/custom-elements-manifest.config.mjs` → dist/custom-elements.json
export default {
  globs: ['widget/src/**/*.ts'],
  exclude: ['widget/src/**/*.test.ts'],
  outdir: 'dist',
  litelement: true,
};
