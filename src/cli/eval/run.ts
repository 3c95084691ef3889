/**
 * A data-set evaluation run (`cameras eval pointing-game|density|insertion-deletion`): lists the
 * images, keeps this shard's, computes every (image, method) item not yet stored, appends each to
 * a JSONL run store as it finishes (resume after a kill loses and repeats nothing), and
 * summarises what the store holds. A bad image is reported and skipped, never fatal.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ModelAdapter, RgbImage } from '../../core/types.js';
import { resizePixels } from '../../core/resize.js';
import { argmax } from '../../core/target.js';
import { getMethod } from '../../methods/index.js';
import { acceptPolicyOf } from '../../methods/cameras.js';
import type { AcceptPolicy } from '../../core/accept.js';
import type { SessionOptions } from '../../core/session.js';
import type { ClassMap } from '../../metrics/class-targets.js';
import { bestCandidate } from '../../metrics/class-targets.js';
import { mapDensity } from '../../metrics/density.js';
import type { ClassTruth } from '../../metrics/pointing-game.js';
import { centerPoint, pointingSplits, scoreMap, scorePoint } from '../../metrics/pointing-game.js';
import { resizeMapBilinear } from '../../metrics/resize-map.js';
import type { AnnotatedImage, AnnotationSet } from '../../node/annotations.js';
import { availableImages, loadAnnotations } from '../../node/annotations.js';
import { readImage } from '../../node/image-io.js';
import type { ProgressStream } from '../../node/progress.js';
import { Progress } from '../../node/progress.js';
import type { Shard } from '../../node/run-store.js';
import { RunStore, shardItems } from '../../node/run-store.js';
import { insertionDeletionOfMaps, type BatchedCurveOptions } from '../../metrics/insertion-deletion.js';
import { ModelScorer } from './probability.js';
import type { EvalEntry, EvalMetric, EvalRecord, EvalSummary } from './records.js';
import { checkRecords, recordKey, summarizeRecords } from './records.js';
import { classCandidates } from './targets.js';
import { READABLE_FORMATS } from '../../image/formats.js';
import { modelSlug } from '../outputs.js';

/**
 * The trivial baseline of Table 1. In the pointing game it is TorchRay's exact point
 * `(W/2, H/2)` with no model pass; for the other metrics its map comes from `METHODS.center`.
 */
export const CENTER_METHOD = 'center';

/** Image files `cameras eval` picks up from a folder. */
export const IMAGE_EXTENSIONS: readonly string[] = READABLE_FORMATS.flatMap((f) => f.extensions);

/** Options the saliency methods get (besides the target), as the CLI sets them. */
export interface EvalMethodOptions extends SessionOptions {
  /** CAMERAS sizes (other methods ignore it). */
  sizes?: readonly number[];
  checkPrediction?: boolean;
  /** CAMERAS acceptance policy (default `prediction`). */
  accept?: AcceptPolicy;
}

/** Everything a run needs. */
export interface EvalRunOptions {
  readonly metric: EvalMetric;
  /** Folder of images. */
  readonly imagesDir: string;
  /** Annotations file (VOC07 JSON or COCO); required for the pointing game. */
  readonly annotations?: string;
  readonly model: ModelAdapter;
  /** Method names (`center` or keys of `METHODS`), in table-row order. */
  readonly methods: readonly string[];
  /** Output folder. */
  readonly out: string;
  readonly shard?: Shard;
  /**
   * Density and insertion/deletion with `annotations`: also score the folder's images that have no
   * annotation, by the model's top-1 class (default false: exactly the annotated images).
   */
  readonly includeUnannotated?: boolean;
  /** Keep only the first N images (sorted by id), before sharding. */
  readonly limit?: number;
  readonly classMap?: ClassMap;
  readonly methodOptions?: EvalMethodOptions;
  /** Per-method extra options, e.g. `{"rise": {"n": 500}}`, applied over `methodOptions`. */
  readonly perMethod?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Insertion/deletion steps and batch size. */
  readonly curve?: BatchedCurveOptions;
  /** Passed to `readImage`. */
  readonly maxPixels?: number;
  /** Progress display stream (default stderr); `null` for none. */
  readonly progress?: ProgressStream | null;
  /** Notes and per-image errors (default: stderr). */
  readonly onNote?: (message: string) => void;
  /** Told what this run owes before any item is computed (a shard worker writes its manifest). */
  readonly onPlan?: (plan: EvalPlan) => Promise<void> | void;
}

/** What a run owes, known once the images are listed and the results file is checked. */
export interface EvalPlan {
  /** The JSONL results file. */
  readonly file: string;
  /** Ids of the images this run (shard) evaluates. */
  readonly images: readonly string[];
  /** Images of the whole run, after `limit` and before sharding. */
  readonly totalImages: number;
  /** The settings stored with every record. */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** What a run did. */
export interface EvalRunReport extends EvalSummary {
  /** The JSONL results file. */
  readonly file: string;
  /** Images selected for this run (after --limit and --shard). */
  readonly selected: number;
  /** Items computed now and found stored. */
  readonly computed: number;
  readonly skipped: number;
  /** Images that failed, with the reason. */
  readonly failed: readonly { image: string; error: string }[];
}

/** One image to evaluate. */
interface EvalImage {
  readonly id: string;
  readonly file: string;
  readonly annotation?: AnnotatedImage;
}

export { modelSlug } from '../outputs.js';

/** `OUT/<metric>-<model>[-shard-k-of-n].jsonl`. */
export function resultsFile(out: string, metric: EvalMetric, model: string, shard?: Shard): string {
  return path.join(out, `${metric}-${modelSlug(model)}${shard ? `-shard-${shard.index}-of-${shard.count}` : ''}.jsonl`);
}

async function listImages(o: EvalRunOptions, set: AnnotationSet | undefined): Promise<EvalImage[]> {
  if (o.metric === 'pointing-game') {
    if (!set) throw new Error('the pointing game needs --annotations');
    return (await availableImages(set, o.imagesDir)).map((a) => ({ id: a.id, file: a.file, annotation: a }));
  }
  // With annotations, exactly the annotated images are scored unless unannotated ones are asked for.
  if (set && !o.includeUnannotated) return (await availableImages(set, o.imagesDir)).map((a) => ({ id: a.id, file: a.file, annotation: a }));
  const byFile = new Map(set?.images.map((a) => [a.file, a]));
  const files = (await readdir(o.imagesDir, { withFileTypes: true }))
    // Symbolic links count (a folder of links into a data set); a dangling one fails when read.
    .filter((d) => (d.isFile() || d.isSymbolicLink()) && IMAGE_EXTENSIONS.includes(path.extname(d.name).toLowerCase()))
    .map((d) => d.name);
  const seen = new Map<string, string>();
  return files.map((file) => {
    const id = path.basename(file, path.extname(file));
    const other = seen.get(id);
    if (other) throw new Error(`${file} and ${other} share the id "${id}": rename one`);
    seen.set(id, file);
    const annotation = byFile.get(file);
    return { id, file, ...(annotation ? { annotation } : {}) };
  });
}

/** Where a class of an annotated image points the model: the best-scoring candidate label. */
interface ClassTarget {
  readonly truth: ClassTruth;
  readonly target: number;
}

/** The image in pixel space at the base pass's shape (what insertion/deletion modifies). */
function atBaseShape(image: RgbImage, shape: [number, number]): RgbImage {
  if (shape[0] === image.height && shape[1] === image.width) return image;
  return resizePixels(image, shape);
}

/** Settings that change results: stored with each record, checked on resume. */
function runSettings(o: EvalRunOptions): Record<string, unknown> {
  const m = o.methodOptions ?? {};
  return {
    sizes: m.sizes ?? null,
    layer: m.layer ?? null,
    inputResize: m.inputResize ?? 'bilinear',
    square: m.square ?? false,
    accept: acceptPolicyOf(m),
    ...(o.metric === 'insertion-deletion' ? { pixelsPerStep: o.curve?.steps ? null : (o.curve?.pixelsPerStep ?? 224), steps: o.curve?.steps ?? null } : {}),
    classMap: o.classMap ?? null,
    perMethod: o.perMethod ?? null,
  };
}

/** Runs (or resumes) an evaluation and summarises the stored results. */
export async function runEvaluation(o: EvalRunOptions): Promise<EvalRunReport> {
  const note = o.onNote ?? ((m: string) => process.stderr.write(`cameras: ${m}\n`));
  for (const m of o.methods) getMethod(m);
  for (const m of Object.keys(o.perMethod ?? {})) getMethod(m);
  if (o.methods.length === 0) throw new Error('no methods given');
  if (new Set(o.methods).size !== o.methods.length) throw new Error('a method is listed twice');
  const set = o.annotations ? await loadAnnotations(o.annotations) : undefined;
  const classes = set ? classCandidates(set, o.model.labels, o.classMap) : undefined;
  if (classes?.note) note(classes.note);
  if (o.metric === 'pointing-game' && classes && classes.candidates.every((c) => c.length === 0)) {
    throw new Error('no annotated class maps to a model label: pass --class-map');
  }
  if (set && o.metric === 'pointing-game' && !set.hasDifficultFlags) note('no difficult-flags file beside the annotations: the Difficult column equals All');
  if (set && o.metric !== 'pointing-game') {
    note(o.includeUnannotated
      ? 'annotated images are scored for their annotated classes (true labels); the others for the model\'s top-1 class (--include-unannotated)'
      : 'only the annotated images are scored, for their annotated classes (true labels); --include-unannotated adds the others by top-1 class');
  }

  let images = (await listImages(o, set)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (o.limit !== undefined) images = images.slice(0, o.limit);
  const totalImages = images.length;
  if (o.shard) images = shardItems(images, o.shard, (im) => im.id);
  if (images.length === 0) note(`no images to evaluate in ${o.imagesDir}${o.shard ? ` for shard ${o.shard.index}/${o.shard.count}` : ''}`);

  const file = resultsFile(o.out, o.metric, o.model.name, o.shard);
  const store = await RunStore.open(file);
  if (store.recoveredTruncation) note(`${file}: a partial last line left by a killed run was dropped; that item runs again`);
  const settings = runSettings(o);
  const settingsJson = JSON.stringify(settings);
  for (const r of store.records) {
    if (JSON.stringify((r as Partial<EvalRecord> & { settings?: unknown }).settings) !== settingsJson) {
      await store.close();
      throw new Error(`${file} holds results made with other settings (${JSON.stringify((r as { settings?: unknown }).settings)}); use another --out`);
    }
  }
  if (o.onPlan) {
    try {
      await o.onPlan({ file, images: images.map((im) => im.id), totalImages, settings });
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  const scorer = new ModelScorer(o.model, { baseSize: o.methodOptions?.baseSize, square: o.methodOptions?.square, inputResize: o.methodOptions?.inputResize });
  const total = images.length * o.methods.length;
  const initial = images.reduce((n, im) => n + o.methods.filter((m) => store.has(recordKey(im.id, m))).length, 0);
  const progress = o.progress === null ? undefined : new Progress(total, { label: `${o.metric} ${o.model.name}`, initial, ...(o.progress ? { stream: o.progress } : {}) });
  const failed: { image: string; error: string }[] = [];
  let computed = 0;
  const unmatchedNoted = new Set<string>();

  try {
    for (const im of images) {
      const todo = o.methods.filter((m) => !store.has(recordKey(im.id, m)));
      if (todo.length === 0) continue;
      let left = todo.length;
      try {
        const image = await readImage(path.join(o.imagesDir, im.file), o.maxPixels !== undefined ? { maxPixels: o.maxPixels } : {});
        const { width, height } = image;
        const a = im.annotation;
        if (a && (a.width !== width || a.height !== height)) {
          throw new Error(`image is ${width}×${height} but the annotations say ${a.width}×${a.height}`);
        }
        const needsModel = o.metric !== 'pointing-game' || todo.some((m) => m !== CENTER_METHOD);
        const logits = needsModel ? (await scorer.logits([image]))[0]! : undefined;
        // The classes to score: annotated ones (pointing game: all; others: when annotated), else top-1.
        const targets: ClassTarget[] = [];
        let unmatched = false;
        if (a && classes) {
          for (const truth of a.classes) {
            if (!pointingSplits(truth).all) continue; // every object difficult: skipped in both splits
            const cands = classes.candidates[truth.classIndex] ?? [];
            if (cands.length === 0) {
              if (!unmatchedNoted.has(truth.className)) note(`class "${truth.className}" has no model label: skipped`);
              unmatchedNoted.add(truth.className);
              unmatched = true;
              continue;
            }
            targets.push({ truth, target: logits ? bestCandidate(logits, cands) : cands[0]! });
          }
        }
        // An image whose annotated class the model cannot name is skipped, as the note says: scoring
        // it by its top-1 class instead would mix another question into an annotated evaluation.
        const useTop1 = o.metric !== 'pointing-game' && targets.length === 0 && !unmatched;
        const shape = scorer.baseShape(height, width);
        let small: RgbImage | undefined;
        // Each map with the number of sizes it kept (methods with an acceptance policy: CAMERAS),
        // stored with its entry so that summaries can say how multi-scale the maps were.
        const maps = new Map<string, { map: Float32Array; sizesUsed?: number }>();
        const computeMap = async (method: string, target: number) => {
          const k = `${method}/${target}`;
          const cached = maps.get(k);
          if (cached) return cached;
          const r = await getMethod(method)(o.model, image, { ...o.methodOptions, ...o.perMethod?.[method], target });
          const map = r.width === width && r.height === height ? r.map : resizeMapBilinear(r.map, r.height, r.width, height, width);
          const entry = { map, ...(r.accept !== undefined ? { sizesUsed: r.sizesUsed.length } : {}) };
          maps.set(k, entry);
          return entry;
        };
        const mapFor = async (method: string, target: number): Promise<Float32Array> => (await computeMap(method, target)).map;
        // Insertion/deletion per class: substrates made once, curves shared by maps whose steps
        // change the same pixels (up to a quarter of a run's forward passes).
        const curvesOf = new Map<number, ReturnType<typeof insertionDeletionOfMaps>>();
        const sizesOf = (method: string, target: number) => {
          const n = maps.get(`${method}/${target}`)?.sizesUsed;
          return n === undefined ? {} : { sizesUsed: n };
        };
        for (const method of todo) {
          const started = performance.now();
          const entries: EvalEntry[] = [];
          const label = (t: number) => o.model.labels?.[t];
          const base = (t: number, truth?: ClassTruth) => ({
            ...(truth ? { className: truth.className, classIndex: truth.classIndex } : {}),
            target: t,
            ...(label(t) !== undefined ? { targetLabel: label(t) } : {}),
          });
          const list: { target: number; truth?: ClassTruth }[] = useTop1 ? [{ target: argmax(logits!) }] : targets;
          for (const { target, truth } of list) {
            if (o.metric === 'pointing-game') {
              const r = method === CENTER_METHOD
                ? scorePoint(im.id, truth!, centerPoint(width, height), width, height)
                : scoreMap(im.id, truth!, await mapFor(method, target), width, height);
              entries.push({ ...base(target, truth), point: r.point, all: r.all, difficult: r.difficult, ...sizesOf(method, target) });
            } else if (o.metric === 'density') {
              const d = await mapDensity(image, await mapFor(method, target), scorer.probabilityFn(target));
              entries.push({ ...base(target, truth), rhoPlus: d.rhoPlus, rhoMinus: d.rhoMinus, pPositive: d.pPositive, pNegative: d.pNegative, mapMean: d.mapMean, ...sizesOf(method, target) });
            } else {
              small ??= atBaseShape(image, shape);
              const map = await mapFor(method, target);
              const smallMap = shape[0] === height && shape[1] === width ? map : resizeMapBilinear(map, height, width, shape[0], shape[1]);
              let curves = curvesOf.get(target);
              if (!curves) {
                curves = insertionDeletionOfMaps(small, (ims) => scorer.probabilities(ims, target), o.curve);
                curvesOf.set(target, curves);
              }
              const c = await curves(smallMap);
              entries.push({ ...base(target, truth), insertion: c.insertion.auc, deletion: c.deletion.auc, points: c.insertion.scores.length, ...sizesOf(method, target) });
            }
          }
          const record: EvalRecord = {
            key: recordKey(im.id, method),
            metric: o.metric,
            model: o.model.name,
            image: im.id,
            file: im.file,
            method,
            entries,
            settings,
            ms: Math.round(performance.now() - started),
          };
          await store.append(record);
          computed++;
          left--;
          progress?.tick(1, `${im.id} ${method}`);
        }
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        failed.push({ image: im.file, error: msg });
        // Keep the progress line intact: the message goes on its own line.
        note(`${path.join(o.imagesDir, im.file)}: ${msg.replace(/\s*\n\s*/g, ' ')} (skipped)`);
        progress?.tick(left, `${im.id} failed`);
      }
    }
  } finally {
    progress?.finish();
    await store.close();
  }
  const ids = new Set(images.map((im) => im.id));
  const mine = store.records.filter((r) => ids.has((r as Partial<EvalRecord>).image as string) && o.methods.includes((r as Partial<EvalRecord>).method as string));
  const summary = summarizeRecords(o.metric, o.model.name, checkRecords(mine, file), o.methods);
  return { ...summary, file, selected: images.length, computed, skipped: initial, failed };
}
