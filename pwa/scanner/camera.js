// The scanner's camera: the shared decoder (pwa/shared/camera.js), kept at this path for its importers.

export { CameraScanner, decoderEngine, ZXING_SRC, ZXING_WASM } from '/shared/camera.js';
