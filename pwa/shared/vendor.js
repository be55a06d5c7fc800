// Loads the npm libraries that are not ES modules (served from /vendor/) as classic scripts, once.

const loading = new Map();

// Resolves to the global the script defines; the service worker precaches the file for offline use.
export function loadClassic(src, globalName) {
  if (globalThis[globalName]) return Promise.resolve(globalThis[globalName]);
  if (!loading.has(src)) {
    loading.set(src, new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.async = true;
      script.onload = () => (globalThis[globalName] ? resolve(globalThis[globalName]) : reject(new Error(`${src} did not define ${globalName}`)));
      script.onerror = () => { loading.delete(src); reject(new Error(`cannot load ${src}`)); };
      document.head.append(script);
    }));
  }
  return loading.get(src);
}

export const QRCODE_SRC = '/vendor/qrcode-generator@2.0.4/qrcode.js';
export const JSQR_SRC = '/vendor/jsqr@1.4.0/dist/jsQR.js';
export const loadQrcode = () => loadClassic(QRCODE_SRC, 'qrcode');
export const loadJsQR = () => loadClassic(JSQR_SRC, 'jsQR');
