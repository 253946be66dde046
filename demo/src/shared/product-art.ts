/**
 * Product pictures drawn as inline SVG from the product's id and name: no image files, no external requests.
 * The hue comes from a hash of the id (stable across pages), the object from a keyword in the name.
 */

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

const INK = 'rgb(20 24 33 / 0.18)';

/** Each drawing sits on a 400×300 canvas, centred around (200, 160), using `c` (the object colour) and `d` (its darker shade). */
const SHAPES: { words: RegExp; draw: (c: string, d: string) => string }[] = [
  {
    words: /bean/i,
    draw: (c, d) => `<path d="M140 90h120l10 160H130z" fill="${c}"/><path d="M140 90l10-22h100l10 22z" fill="${d}"/>
      <ellipse cx="200" cy="170" rx="22" ry="30" fill="${d}"/><path d="M200 142c-8 18 8 38 0 56" fill="none" stroke="${c}" stroke-width="4"/>`,
  },
  {
    words: /lamp|light/i,
    draw: (
      c,
      d,
    ) => `<path d="M150 250h90" stroke="${d}" stroke-width="14" stroke-linecap="round"/><path d="M195 248V150l50-50" fill="none" stroke="${d}" stroke-width="10" stroke-linecap="round"/>
      <path d="M225 70l60 24-24 42z" fill="${c}"/><circle cx="268" cy="128" r="10" fill="#ffd35c"/>`,
  },
  {
    words: /mug|cup|coffee|tea/i,
    draw: (c, d) => `<path d="M250 120h18a34 34 0 0 1 0 68h-18" fill="none" stroke="${d}" stroke-width="14"/>
      <rect x="130" y="95" width="130" height="140" rx="18" fill="${c}"/><rect x="130" y="95" width="130" height="22" rx="11" fill="${d}"/>`,
  },
  {
    words: /tee|shirt|hoodie|sweat/i,
    draw: (c, d) => `<path d="M160 80l-62 34 22 44 26-12v104h108V146l26 12 22-44-62-34c-6 18-22 28-40 28s-34-10-40-28z" fill="${c}"/>
      <path d="M160 80c6 18 22 28 40 28s34-10 40-28" fill="none" stroke="${d}" stroke-width="8"/>`,
  },
  {
    words: /tote|bag/i,
    draw: (c, d) => `<path d="M165 120v-22a35 35 0 0 1 70 0v22" fill="none" stroke="${d}" stroke-width="10"/>
      <path d="M128 120h144l-10 132H138z" fill="${c}"/><rect x="170" y="170" width="60" height="40" rx="6" fill="${d}" opacity=".5"/>`,
  },
  {
    words: /note|journal|book|sketch/i,
    draw: (c, d) => `<rect x="140" y="70" width="130" height="170" rx="10" fill="${c}"/><rect x="140" y="70" width="22" height="170" rx="6" fill="${d}"/>
      <rect x="185" y="110" width="64" height="10" rx="5" fill="#fff" opacity=".75"/><rect x="185" y="130" width="44" height="8" rx="4" fill="#fff" opacity=".55"/>`,
  },
  {
    words: /candle/i,
    draw: (c, d) => `<path d="M200 60c14 18 14 32 0 42-14-10-14-24 0-42z" fill="#ffb347"/><rect x="197" y="100" width="6" height="18" fill="${INK}"/>
      <rect x="145" y="115" width="110" height="130" rx="14" fill="${c}"/><rect x="145" y="150" width="110" height="40" fill="${d}" opacity=".6"/>`,
  },
  {
    words: /cap|hat|beanie/i,
    draw: (c, d) => `<path d="M120 190a80 80 0 0 1 160 0z" fill="${c}"/><path d="M120 190h190a14 14 0 0 1 0 22H120z" fill="${d}"/>
      <circle cx="200" cy="108" r="9" fill="${d}"/>`,
  },
  {
    words: /bottle|flask|water/i,
    draw: (
      c,
      d,
    ) => `<rect x="180" y="60" width="40" height="26" rx="6" fill="${d}"/><path d="M168 100q0-14 14-14h36q14 0 14 14v140q0 12-12 12h-40q-12 0-12-12z" fill="${c}"/>
      <rect x="168" y="140" width="64" height="50" fill="${d}" opacity=".45"/>`,
  },
  {
    words: /plant|succulent|pot|fern/i,
    draw: (c, d) => `<path d="M200 150c-10-40-40-60-70-56 6 34 34 56 70 56zM200 150c10-44 44-70 78-62-8 38-40 62-78 62z" fill="#3f9c5a"/>
      <path d="M150 150h100l-14 96h-72z" fill="${c}"/><rect x="144" y="144" width="112" height="18" rx="6" fill="${d}"/>`,
  },
  {
    words: /sock/i,
    draw: (c, d) => `<path d="M170 60h60v120l30 30a30 30 0 0 1-42 42l-48-48V60z" fill="${c}"/><rect x="170" y="60" width="60" height="22" fill="${d}"/>
      <rect x="170" y="96" width="60" height="10" fill="${d}" opacity=".6"/>`,
  },
  {
    words: /poster|print|card|art/i,
    draw: (c, d) => `<rect x="120" y="60" width="160" height="190" rx="6" fill="#fff"/><rect x="134" y="74" width="132" height="162" fill="${c}"/>
      <circle cx="230" cy="120" r="20" fill="#fff" opacity=".8"/><path d="M134 236l50-70 36 44 22-26 24 52z" fill="${d}"/>`,
  },
];

function fallback(c: string, d: string, h: number): string {
  const r1 = 40 + (h % 30);
  const r2 = 60 + ((h >> 5) % 30);
  return `<circle cx="165" cy="150" r="${r2}" fill="${c}"/><circle cx="245" cy="175" r="${r1}" fill="${d}" opacity=".85"/>
    <rect x="150" y="200" width="100" height="16" rx="8" fill="#fff" opacity=".6"/>`;
}

/** An `<svg>` string picturing the product; decorative (aria-hidden), the name is always shown as text beside it. */
export function productArt(productId: string, name: string): string {
  const h = hash(productId || name);
  const hue = h % 360;
  const bg1 = `hsl(${hue} 70% 92%)`;
  const bg2 = `hsl(${(hue + 40) % 360} 65% 84%)`;
  const c = `hsl(${(hue + 180) % 360} 42% 56%)`;
  const d = `hsl(${(hue + 180) % 360} 38% 38%)`;
  const shape = SHAPES.find((s) => s.words.test(name));
  const body = shape ? shape.draw(c, d) : fallback(c, d, h);
  const id = `g${h.toString(36)}`;
  return `<svg viewBox="0 0 400 300" xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false" preserveAspectRatio="xMidYMid slice">
    <defs><linearGradient id="${id}" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${bg1}"/><stop offset="1" stop-color="${bg2}"/></linearGradient></defs>
    <rect width="400" height="300" fill="url(#${id})"/><ellipse cx="200" cy="262" rx="110" ry="12" fill="${INK}"/>${body}</svg>`;
}

/** A product's `image` is used only when it is inline or same-origin (the demo loads nothing from elsewhere). */
export function safeImage(image: string | undefined): string | undefined {
  if (!image) return undefined;
  if (image.startsWith('data:image/') || (image.startsWith('/') && !image.startsWith('//'))) return image;
  return undefined;
}
