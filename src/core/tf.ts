/**
 * The one TF.js entry point of the library. The umbrella package registers the gradients, the
 * chained tensor methods and the CPU/WebGL backends on the shared tfjs-core instance (its CommonJS
 * build under Node, its ES build in bundlers); everything else imports `tf` from here.
 */
import '@tensorflow/tfjs';

export * from '@tensorflow/tfjs-core';
