/** The page's elements and its state, shared by the modules that draw and wire it. */
import type { ExplainReport, MethodName, ModelReport } from './protocol.js';
import type { Prediction } from '../../src/browser/predict.js';
import type { Rgb8Image } from '../../src/image/index.js';
import { FIXED_METHODS } from './methods.js';

/** The element with this id; throws when the page lacks it. */
export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

/** The page's URL parameters (`backend`, `mirror`, `model`, `threads`). */
export const params = new URLSearchParams(location.search);
/** The page's controls, found once (a missing id fails at start, not at first use). */
export const ui = {
  backendBadge: $('backend'),
  backendNotes: $('backend-notes'),
  backendSelect: $<HTMLSelectElement>('backend-select'),
  drop: $('drop'),
  imageInput: $<HTMLInputElement>('image-input'),
  cameraBtn: $<HTMLButtonElement>('camera-btn'),
  sceneBtn: $<HTMLButtonElement>('scene-btn'),
  camera: $('camera'),
  video: $<HTMLVideoElement>('video'),
  snap: $<HTMLButtonElement>('snap'),
  cameraStop: $<HTMLButtonElement>('camera-stop'),
  modelSelect: $<HTMLSelectElement>('model-select'),
  scenesOption: $<HTMLOptionElement>('scenes-option'),
  filesRow: $('files-row'),
  modelFiles: $<HTMLInputElement>('model-files'),
  modelStatus: $('model-status'),
  mirror: $<HTMLInputElement>('mirror'),
  allowPublic: $<HTMLInputElement>('allow-public'),
  top5: $('top5'),
  methodList: $('method-list'),
  panels: $('panels'),
  preset: $<HTMLSelectElement>('schedule-preset'),
  sizes: $<HTMLInputElement>('sizes'),
  layer: $<HTMLSelectElement>('layer'),
  run: $<HTMLButtonElement>('run'),
  progress: $('progress'),
  notices: $('notices'),
  opacity: $<HTMLInputElement>('opacity'),
  opacityOut: $<HTMLOutputElement>('opacity-out'),
  colormap: $<HTMLSelectElement>('colormap'),
  imageCanvas: $<HTMLCanvasElement>('canvas-image'),
  imagePanel: $('panel-image'),
};

/** What the page holds between events. */
export interface PageState {
  image?: Rgb8Image;
  imageName: string;
  model?: ModelReport;
  modelGeneration: number;
  predictions: Prediction[];
  target?: number;
  /** Every method the page offers, in running order (see `FIXED_METHODS`). */
  methods: MethodName[];
  results: Partial<Record<MethodName, ExplainReport>>;
  busy: boolean;
  stream?: MediaStream;
}

export const state: PageState = { imageName: 'image', methods: [...FIXED_METHODS], modelGeneration: 0, predictions: [], results: {}, busy: false };
