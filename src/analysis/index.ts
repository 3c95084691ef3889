/** Model analysis: sanity checks by randomisation, attacks, adversarial sanity check, class contrast. */
export * from './randomize.js';
export * from './model-randomization.js';
export * from './similarity-scores.js';
export * from './sanity-plot.js';
export * from './pgd.js';
export * from './focused-attack.js';
export * from './adversarial-check.js';
export * from './contrast.js';
