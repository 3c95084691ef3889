/** `cameras layers` as a child process on the TFLite zoo model, whose fused layers carry many tensor names. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../testing/shared.js';

function layers(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [path.resolve('bin/cameras.js'), 'layers', 'mobilenet_v2_1.0_224', ...args], {
    env: { ...process.env, CAMERAS_MODEL_MIRROR: sharedPath('models'), CAMERAS_OFFLINE: '1', CAMERAS_FROM_SOURCE: '1' },
    encoding: 'utf8',
  });
}

describeShared('models/tflite/mobilenet_v2_1.0_224_quant.tflite')('cameras layers', () => {
  it('lists names, kinds and shapes in short lines; the fused tensor names only with --aliases or --json', () => {
    const plain = layers();
    expect(plain.status, plain.stderr).toBe(0);
    const lines = plain.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(30);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(plain.stdout).not.toContain(' = ');
    expect(lines).toContain('* default layer κ: MobilenetV2/Conv_1/Relu6');

    const withAliases = layers('--aliases');
    expect(withAliases.status, withAliases.stderr).toBe(0);
    const long = withAliases.stdout.split('\n').filter((l) => l.includes(' = '));
    expect(long.length).toBeGreaterThan(10);
    expect(Math.max(...long.map((l) => l.length))).toBeGreaterThan(150);

    const json = JSON.parse(layers('--json').stdout) as { layers: { aliases?: string[] }[] };
    expect(json.layers.some((l) => (l.aliases?.length ?? 0) > 0)).toBe(true);
  });
});
