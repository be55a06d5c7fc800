// Camera scanning for the scanner and the wallet's 扫一扫: ZXing-C++ (zxing-wasm) on video frames,
// else jsQR (a browser without WebAssembly). Why ZXing: docs/decoders.md (measured). The native BarcodeDetector stays
// selectable by name for the benchmark but is not preferred: it could not be measured here.

import { loadJsQR } from '/shared/vendor.js';

const FRAME_MS = 120; // ~8 decodes a second is plenty for a code held in front of the lens

// zxing-wasm's reader build (ES module, its shared chunk ../share.js, its .wasm), served from
// /vendor/ at the version package-lock.json pins and precached by sw.js. By default the module
// fetches its .wasm from a CDN: locateFile below points it here instead.
export const ZXING_SRC = '/vendor/zxing-wasm@3.1.6/dist/es/reader/index.js';
export const ZXING_WASM = '/vendor/zxing-wasm@3.1.6/dist/reader/zxing_reader.wasm';

// Our codes are dark on light and QR only; no inverted pass (jsQR gets 'dontInvert' too).
const ZXING_OPTIONS = {
  formats: ['QRCode'],
  tryHarder: true,
  tryInvert: false,
  maxNumberOfSymbols: 1,
};

export class CameraScanner {
  constructor(video, onText) {
    this.video = video;
    this.onText = onText;
    this.stream = null;
    this.timer = null;
    this.canvas = document.createElement('canvas');
    this.engine = null;
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    this.video.srcObject = this.stream;
    this.video.muted = true;
    this.video.setAttribute('playsinline', '');
    await this.video.play();
    this.engine = await pickEngine();
    this.loop();
    return this.engine.name;
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  get running() {
    return Boolean(this.stream);
  }

  async loop() {
    if (!this.stream) return;
    try {
      if (this.video.readyState >= 2) {
        const text = await this.engine.decode(this.video, this.canvas);
        if (text) this.onText(text);
      }
    } catch { /* a bad frame is skipped; the next one will do */ }
    if (this.stream) this.timer = setTimeout(() => this.loop(), FRAME_MS);
  }
}

// The first engine this browser can run, in order of preference.
async function pickEngine() {
  try {
    return await decoderEngine('zxing');
  } catch {
    return decoderEngine('jsqr'); // no WebAssembly here
  }
}

// One decoding engine by name ('native', 'zxing' or 'jsqr'): { name, decode(video, canvas) -> text | null }.
// Throws when this browser cannot run it. The decoder benchmark (bench/decoders.py) drives these.
export async function decoderEngine(name) {
  if (name === 'native') return nativeEngine();
  if (name === 'zxing') return zxingEngine();
  if (name === 'jsqr') return jsqrEngine();
  throw new Error(`unknown decoder ${name}`);
}

async function nativeEngine() {
  if (!('BarcodeDetector' in globalThis)) throw new Error('no BarcodeDetector');
  const formats = await globalThis.BarcodeDetector.getSupportedFormats();
  if (!formats.includes('qr_code')) throw new Error('BarcodeDetector without QR');
  const detector = new globalThis.BarcodeDetector({ formats: ['qr_code'] });
  return {
    name: 'native',
    async decode(video) {
      const found = await detector.detect(video);
      return found.length ? found[0].rawValue : null;
    },
  };
}

let zxingModule = null;

async function zxingEngine() {
  if (typeof WebAssembly !== 'object') throw new Error('no WebAssembly');
  if (!zxingModule) {
    zxingModule = (async () => {
      const zxing = await import(ZXING_SRC);
      await zxing.prepareZXingModule({
        overrides: { locateFile: (path, prefix) => (path.endsWith('.wasm') ? ZXING_WASM : prefix + path) },
        fireImmediately: true,
      });
      return zxing;
    })();
    zxingModule.catch(() => { zxingModule = null; });
  }
  const zxing = await zxingModule;
  return {
    name: 'zxing',
    async decode(video, canvas) {
      const frame = grab(video, canvas);
      if (!frame) return null;
      const [found] = await zxing.readBarcodes(frame, ZXING_OPTIONS);
      return found && found.isValid ? found.text : null;
    },
  };
}

async function jsqrEngine() {
  const jsQR = await loadJsQR();
  return {
    name: 'jsqr',
    async decode(video, canvas) {
      const frame = grab(video, canvas);
      if (!frame) return null;
      const found = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' });
      return found ? found.data : null;
    },
  };
}

// The current video frame as ImageData (null before the first frame).
function grab(video, canvas) {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!w || !h) return null;
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}
