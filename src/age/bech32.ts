/**
 * Bech32 (BIP 173) as age uses it: no length limit on the data part, one case per string, the checksum computed
 * over the lower-case form. Pure.
 */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i]!;
  }
  return chk >>> 0;
}

function expandHrp(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

/** Regroups bits (8 → 5 with padding, or 5 → 8 refusing non-zero padding); undefined when the input is invalid. */
function convert(data: readonly number[], from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (const value of data) {
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & max);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & max);
  } else if (bits >= from || acc !== 0) return undefined;
  return out;
}

/** `hrp` and bytes → the lower-case Bech32 string. */
export function bech32Encode(hrp: string, bytes: Uint8Array): string {
  const lower = hrp.toLowerCase();
  const data = convert([...bytes], 8, 5, true)!;
  const mod = polymod([...expandHrp(lower), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `${lower}1${[...data, ...checksum].map((d) => CHARSET[d]).join('')}`;
}

/** The human-readable part (lower case) and bytes of a Bech32 string, or undefined for anything invalid. */
export function bech32Decode(text: string): { hrp: string; bytes: Uint8Array } | undefined {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) return undefined;
  const lower = text.toLowerCase();
  const at = lower.lastIndexOf('1');
  if (at < 1 || at + 7 > lower.length) return undefined;
  const hrp = lower.slice(0, at);
  for (let i = 0; i < hrp.length; i++) {
    const c = hrp.charCodeAt(i);
    if (c < 33 || c > 126) return undefined;
  }
  const data: number[] = [];
  for (const ch of lower.slice(at + 1)) {
    const d = CHARSET.indexOf(ch);
    if (d === -1) return undefined;
    data.push(d);
  }
  if (polymod([...expandHrp(hrp), ...data]) !== 1) return undefined;
  const bytes = convert(data.slice(0, -6), 5, 8, false);
  return bytes === undefined ? undefined : { hrp, bytes: Uint8Array.from(bytes) };
}
