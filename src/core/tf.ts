/**
 * The one TF.js entry point of the library: tfjs-core with its gradients registered.
 * Everything else imports `tf` from here so gradients are always available.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

export * from '@tensorflow/tfjs-core';
