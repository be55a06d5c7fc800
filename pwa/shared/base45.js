// Base45 (RFC 9285), canonical: the same rules as backend/lib/base45.py, so both sides agree.

export const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUE = new Map(Array.from(ALPHABET, (c, i) => [c, i]));

export function encode(bytes) {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const v = (bytes[i] << 8) | bytes[i + 1];
    out += ALPHABET[v % 45] + ALPHABET[Math.floor(v / 45) % 45] + ALPHABET[Math.floor(v / 2025)];
  }
  if (bytes.length % 2) {
    const v = bytes[bytes.length - 1];
    out += ALPHABET[v % 45] + ALPHABET[Math.floor(v / 45)];
  }
  return out;
}

// Throws on any character, length or group value RFC 9285 forbids (never guesses).
export function decode(text) {
  if (typeof text !== 'string') throw new TypeError('base45 text must be a string');
  if (text.length % 3 === 1) throw new Error('invalid base45 length');
  const values = Array.from(text, (c) => {
    const v = VALUE.get(c);
    if (v === undefined) throw new Error('invalid base45 character');
    return v;
  });
  const out = [];
  const full = values.length - (values.length % 3);
  for (let i = 0; i < full; i += 3) {
    const v = values[i] + values[i + 1] * 45 + values[i + 2] * 2025;
    if (v > 0xffff) throw new Error('invalid base45 group');
    out.push(v >> 8, v & 0xff);
  }
  if (full < values.length) {
    const v = values[full] + values[full + 1] * 45;
    if (v > 0xff) throw new Error('invalid base45 final group');
    out.push(v);
  }
  return Uint8Array.from(out);
}
