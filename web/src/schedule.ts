/** The size schedule: presets and the typed list, checked by the library's own rules. */
import { state, ui } from './page.js';
import { AUTHORS_SIZES, PAPER_SCHEDULE, scheduleSizes } from '../../src/core/schedule.js';

/** Schedules above this shorter side would need gigabytes in a browser tab. */
const MAX_SIZE = 2048;

export function presetSizes(preset: string, base: number): number[] | undefined {
  if (preset === 'quick') return [base, base + 100, base + 200];
  if (preset === 'authors') return AUTHORS_SIZES.map((s) => s - 224 + base);
  if (preset === 'paper') return scheduleSizes(PAPER_SCHEDULE, base);
  return undefined;
}

export function applyPreset(): void {
  const sizes = presetSizes(ui.preset.value, state.model?.inputSize ?? 224);
  if (sizes) ui.sizes.value = sizes.join(', ');
}

/** The sizes typed in, checked by the library's own schedule rules; throws a readable message. */
export function readSizes(): number[] {
  const tokens = ui.sizes.value.split(/[\s,;]+/).filter(Boolean);
  if (tokens.length === 0) throw new Error('give at least one size, e.g. 224, 324, 424');
  const sizes = tokens.map((t) => {
    const n = Number(t);
    if (!Number.isInteger(n)) throw new Error(`"${t}" is not a whole number of pixels`);
    return n;
  });
  const out = scheduleSizes({ sizes }, state.model?.inputSize ?? 224);
  const big = out.filter((s) => s > MAX_SIZE);
  if (big.length) throw new Error(`sizes above ${MAX_SIZE} px (${big.join(', ')}) need more memory than a browser tab has`);
  return out;
}

ui.preset.addEventListener('change', applyPreset);
ui.sizes.addEventListener('input', () => {
  ui.preset.value = 'custom';
});
