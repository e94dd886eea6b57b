// How many threads the demo's workers ask init() for: one a core, up to 4, where the page is
// cross-origin isolated (npm start's server sends the headers); elsewhere one, and the pages say
// why (capabilities().threads). A demo has the machine to itself: the library's own default
// (min(4, ceil(cores / 2)), ONNX Runtime Web's) leaves half the cores to the page.
export const DEMO_THREADS = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
