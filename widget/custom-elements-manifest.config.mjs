// `cem analyze --config widget/custom-elements-manifest.config.mjs` → dist/custom-elements.json
// The JSDoc block of PaymentCheckout is the reference; this plugin drops what the analyzer infers on top of it:
// an unnamed event (from `dispatchEvent(new …Event())` in the dispatcher) and internal `_` state.
function tidy() {
  return {
    name: 'payment-checkout-tidy',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules ?? []) {
        for (const decl of mod.declarations ?? []) {
          if (decl.events) decl.events = decl.events.filter((e) => e.name);
          if (decl.members) decl.members = decl.members.filter((m) => !m.name.startsWith('_'));
          if (decl.attributes) decl.attributes = decl.attributes.filter((a) => !a.name.startsWith('_') && !a.fieldName?.startsWith('_'));
        }
      }
    },
  };
}

export default {
  globs: ['widget/src/**/*.ts'],
  exclude: ['widget/src/**/*.test.ts'],
  outdir: 'dist',
  litelement: true,
  plugins: [tidy()],
};
