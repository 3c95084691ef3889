/**
 * The method contract, re-exported from `core/method.ts` where it lives (kept so that existing
 * imports of this path keep working).
 */
export type { ExplainInput, ExplainOptions, InputResize, SaliencyMethod, SaliencyResult, TargetInfo, TargetSpec } from '../core/method.js';
