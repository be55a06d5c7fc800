// Camera scanning: the native BarcodeDetector where present, jsQR on video frames otherwise.

import { loadJsQR } from '/shared/vendor.js';

const FRAME_MS = 120; // ~8 decodes a second is plenty for a code held in front of the lens

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

async function pickEngine() {
  if ('BarcodeDetector' in globalThis) {
    try {
      const formats = await globalThis.BarcodeDetector.getSupportedFormats();
      if (formats.includes('qr_code')) {
        const detector = new globalThis.BarcodeDetector({ formats: ['qr_code'] });
        return {
          name: 'native',
          async decode(video) {
            const found = await detector.detect(video);
            return found.length ? found[0].rawValue : null;
          },
        };
      }
    } catch { /* fall through to jsQR */ }
  }
  const jsQR = await loadJsQR();
  return {
    name: 'jsqr',
    async decode(video, canvas) {
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (!w || !h) return null;
      canvas.width = w;
      canvas.height = h;
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, w, h);
      const found = jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: 'dontInvert' });
      return found ? found.data : null;
    },
  };
}
