/** The page's side of the worker protocol: one promise per request, progress by callback. */
import type { BackendReport, ExplainReport, MethodName, ModelReport, Request, Response } from './protocol.js';
import type { Prediction } from '../../src/browser/index.js';

type Pending = { resolve(v: unknown): void; reject(e: Error): void; progress?: (done: number, total: number, message: string) => void };

/** Requests without their id, as callers write them. */
type Body<T extends Request['type']> = Omit<Extract<Request, { type: T }>, 'id' | 'type'>;

/** A typed RPC client over the library worker. */
export class WorkerClient {
  private readonly worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(onCrash: (message: string) => void) {
    this.worker.onmessage = (e: MessageEvent<Response>) => {
      const m = e.data;
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') {
        p.progress?.(m.done, m.total, m.message);
        return;
      }
      this.pending.delete(m.id);
      if (m.type === 'ok') p.resolve(m.value);
      else p.reject(new Error(m.message));
    };
    this.worker.onerror = (e) => {
      const message = e.message || 'the computation worker failed to start';
      for (const p of this.pending.values()) p.reject(new Error(message));
      this.pending.clear();
      onCrash(message);
    };
  }

  private call<T>(type: Request['type'], body: object, progress?: Pending['progress'], transfer: Transferable[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress });
      this.worker.postMessage({ ...body, id, type } as Request, transfer);
    });
  }

  init(body: Body<'init'>): Promise<BackendReport> {
    return this.call('init', body);
  }

  load(body: Body<'load'>, progress?: Pending['progress']): Promise<ModelReport> {
    return this.call('load', body, progress);
  }

  /** The names of every method in the library's registry, in its order. */
  methods(): Promise<MethodName[]> {
    return this.call('methods', {});
  }

  predict(body: Body<'predict'>): Promise<Prediction[]> {
    return this.call('predict', body);
  }

  explain(body: Body<'explain'>, progress?: Pending['progress']): Promise<ExplainReport> {
    return this.call('explain', body, progress);
  }
}
