// Draws the extension icon (media/icon.png, 128x128) in code: bars of different heights (per-layer
// curvature) under a clip line (the per-layer floor), on a dark rounded square. Pure Node (zlib PNG).
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

const S = 128;
const px = new Uint8Array(S * S * 4);
const set = (x, y, [r, g, b, a]) => {
  if (x < 0 || y < 0 || x >= S || y >= S) return;
  const i = (y * S + x) * 4;
  px.set([r, g, b, a], i);
};
const inRounded = (x, y, r) => {
  const cx = Math.min(Math.max(x, r), S - 1 - r);
  const cy = Math.min(Math.max(y, r), S - 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) if (inRounded(x, y, 22)) set(x, y, [24, 32, 48, 255]);
const bars = [70, 40, 88, 28, 58, 34];
const floor = 46;
bars.forEach((h, i) => {
  const x0 = 18 + i * 16;
  for (let y = 108 - h; y < 108; y++) {
    for (let x = x0; x < x0 + 11; x++) {
      const clipped = 108 - y <= floor;
      set(x, y, clipped ? [86, 156, 214, 255] : [78, 201, 176, 255]);
    }
  }
});
for (let x = 12; x < 116; x++) for (let t = 0; t < 3; t++) set(x, 108 - floor - 1 + t, [244, 191, 117, 255]);

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
const raw = Buffer.alloc(S * (S * 4 + 1));
for (let y = 0; y < S; y++) Buffer.from(px.buffer, y * S * 4, S * 4).copy(raw, y * (S * 4 + 1) + 1);
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(S, 0);
ihdr.writeUInt32BE(S, 4);
ihdr.set([8, 6, 0, 0, 0], 8);
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
fs.mkdirSync('media', { recursive: true });
fs.writeFileSync('media/icon.png', png);
console.log('wrote media/icon.png', png.length, 'bytes');
