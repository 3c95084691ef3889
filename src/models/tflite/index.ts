/** TFLite import: `.tflite` flatbuffers as differentiable float32 TF.js models. */
export { loadTfliteModel, preprocessFromInput, TfliteModel, type TfliteModelOptions } from './adapter.js';
export { TfliteFormatError } from './flatbuffer.js';
export { parseTflite, type ModelDef, type OperatorDef, type TensorDef, type QuantParams } from './schema.js';
