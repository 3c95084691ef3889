/**
 * The part of TFLite's `schema.fbs` (namespace `tflite`, identifier `TFL3`) that the importer reads,
 * as plain objects. Field indices follow the schema's declaration order; a union field occupies
 * two slots (its type tag, then its value).
 */
import { FbTable, TfliteFormatError, rootTable } from './flatbuffer.js';

/** `tflite.TensorType` values the importer distinguishes. */
export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
} as const;

const TENSOR_TYPE_NAMES = ['FLOAT32', 'FLOAT16', 'INT32', 'UINT8', 'INT64', 'STRING', 'BOOL', 'INT16', 'COMPLEX64', 'INT8'];

/** Display name of a `tflite.TensorType`. */
export function tensorTypeName(type: number): string {
  return TENSOR_TYPE_NAMES[type] ?? `type ${type}`;
}

/** `tflite.BuiltinOperator` names by code (the schema's enum, first 128 values), for dispatch and error messages. */
const BUILTIN_NAMES: readonly string[] = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE', 'DEQUANTIZE',
  'EMBEDDING_LOOKUP', 'FLOOR', 'FULLY_CONNECTED', 'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC', 'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU',
  'RELU_N1_TO_1', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX', 'SPACE_TO_DEPTH', 'SVDF', 'TANH',
  'CONCAT_EMBEDDINGS', 'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN', 'GATHER', 'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', 'MEAN', 'SUB',
  'DIV', 'SQUEEZE', 'UNIDIRECTIONAL_SEQUENCE_LSTM', 'STRIDED_SLICE', 'BIDIRECTIONAL_SEQUENCE_RNN', 'EXP', 'TOPK_V2',
  'SPLIT', 'LOG_SOFTMAX', 'DELEGATE', 'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU', 'MAXIMUM', 'ARG_MAX',
  'MINIMUM', 'LESS', 'NEG', 'PADV2', 'GREATER', 'GREATER_EQUAL', 'LESS_EQUAL', 'SELECT', 'SLICE', 'SIN',
  'TRANSPOSE_CONV', 'SPARSE_TO_DENSE', 'TILE', 'EXPAND_DIMS', 'EQUAL', 'NOT_EQUAL', 'LOG', 'SUM', 'SQRT', 'RSQRT',
  'SHAPE', 'POW', 'ARG_MIN', 'FAKE_QUANT', 'REDUCE_PROD', 'REDUCE_MAX', 'PACK', 'LOGICAL_OR', 'ONE_HOT',
  'LOGICAL_AND', 'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', 'FLOOR_DIV', 'REDUCE_ANY', 'SQUARE', 'ZEROS_LIKE', 'FILL',
  'FLOOR_MOD', 'RANGE', 'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU', 'SQUARED_DIFFERENCE', 'MIRROR_PAD', 'ABS',
  'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N', 'GATHER_ND', 'COS', 'WHERE', 'RANK', 'ELU',
  'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND', 'HARD_SWISH', 'IF', 'WHILE',
  'NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'SCATTER_ND', 'SELECT_V2', 'DENSIFY', 'SEGMENT_SUM',
  'BATCH_MATMUL', 'PLACEHOLDER_FOR_GREATER_OP_CODES', 'CUMSUM', 'CALL_ONCE', 'BROADCAST_TO', 'RFFT2D',
];

/** Display name of a `tflite.BuiltinOperator` code. */
export function builtinName(code: number): string {
  return BUILTIN_NAMES[code] ?? `BUILTIN_${code}`;
}

/** Affine quantisation `real = scale * (q - zeroPoint)`, per tensor or per channel along `axis`. */
export interface QuantParams {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  /** Axis the per-channel scales run along (`quantized_dimension`). */
  readonly axis: number;
}

/** A `tflite.Tensor`. */
export interface TensorDef {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: number;
  /** Constant contents, or null for a run-time tensor. */
  readonly data: Uint8Array | null;
  readonly quant: QuantParams | null;
}

/** A `tflite.Operator`, with its opcode resolved. */
export interface OperatorDef {
  readonly index: number;
  /** Builtin operator code (`tflite.BuiltinOperator`). */
  readonly code: number;
  /** Builtin name (`CONV_2D`) or the custom code of a CUSTOM op. */
  readonly opName: string;
  /** Tensor indices; -1 marks an omitted optional input. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** The builtin options table, if any (its type follows from `code`). */
  readonly options: FbTable | null;
}

/** The main subgraph of a `.tflite` model. */
export interface ModelDef {
  readonly version: number;
  readonly description: string;
  readonly tensors: readonly TensorDef[];
  readonly operators: readonly OperatorDef[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

const CUSTOM = 32;

/** Parses a `.tflite` flatbuffer into plain definitions; throws {@link TfliteFormatError} on corrupt input. */
export function parseTflite(bytes: Uint8Array): ModelDef {
  try {
    return parseModel(bytes);
  } catch (e) {
    if (e instanceof TfliteFormatError) throw e;
    // Anything else thrown while reading (e.g. a RangeError from a decoder) is still a bad file.
    throw new TfliteFormatError(e instanceof Error ? e.message : String(e));
  }
}

function parseModel(bytes: Uint8Array): ModelDef {
  const model = rootTable(bytes, 'TFL3', 'Model');
  const version = model.uint32(0);
  if (version !== 3) throw new TfliteFormatError(`schema version ${version}, expected 3`);
  const opcodes = model.tables(1, 'OperatorCode').map((t) => {
    // Builtin codes above 127 live in the int32 field 3; older files only fill the byte field 0.
    const code = Math.max(t.int8(0), t.int32(3));
    return { code, custom: t.string(1) };
  });
  const subgraphs = model.tables(2, 'SubGraph');
  if (subgraphs.length === 0) throw new TfliteFormatError('no subgraph');
  const buffers = model.tables(4, 'Buffer');
  const sg = subgraphs[0];

  const bufferData = (b: number, tensorName: string): Uint8Array | null => {
    if (b === 0) return null;
    if (b >= buffers.length) throw new TfliteFormatError(`tensor ${tensorName} refers to buffer ${b} of ${buffers.length}`);
    const buf = buffers[b];
    const inline = buf.bytes(0);
    if (inline && inline.length > 0) return inline;
    // Models over 2 GB keep buffers after the flatbuffer, addressed by offset and size.
    const offset = buf.uint64(1);
    const size = buf.uint64(2);
    if (offset > 1 && size > 0) {
      if (offset + size > bytes.length) throw new TfliteFormatError(`buffer ${b} lies outside the file: truncated`);
      return bytes.subarray(offset, offset + size);
    }
    return null;
  };

  const tensors: TensorDef[] = sg.tables(0, 'Tensor').map((t, index) => {
    const name = t.string(3) ?? `tensor_${index}`;
    const q = t.table(4, 'QuantizationParameters');
    let quant: QuantParams | null = null;
    if (q) {
      const scale = q.float32s(2);
      const zeroPoint = q.int64s(3);
      if (scale.length > 0) {
        quant = { scale, zeroPoint: zeroPoint.length ? zeroPoint : scale.map(() => 0), axis: q.int32(6) };
      }
    }
    return { index, name, shape: t.int32s(0), type: t.int8(1), data: bufferData(t.uint32(2), name), quant };
  });

  const checkIndex = (i: number, where: string): number => {
    if (i !== -1 && (i < 0 || i >= tensors.length)) throw new TfliteFormatError(`${where} refers to tensor ${i} of ${tensors.length}`);
    return i;
  };

  const operators: OperatorDef[] = sg.tables(3, 'Operator').map((t, index) => {
    const opcodeIndex = t.uint32(0);
    const opcode = opcodes[opcodeIndex];
    if (!opcode) throw new TfliteFormatError(`operator ${index} has opcode index ${opcodeIndex} of ${opcodes.length}`);
    const opName = opcode.code === CUSTOM ? `CUSTOM(${opcode.custom ?? '?'})` : builtinName(opcode.code);
    return {
      index,
      code: opcode.code,
      opName,
      inputs: t.int32s(1).map((i) => checkIndex(i, `operator ${index} (${opName})`)),
      outputs: t.int32s(2).map((i) => checkIndex(i, `operator ${index} (${opName})`)),
      options: t.uint8(3) === 0 ? null : t.table(4, `${opName} options`),
    };
  });

  const inputs = sg.int32s(1).map((i) => checkIndex(i, 'subgraph inputs'));
  const outputs = sg.int32s(2).map((i) => checkIndex(i, 'subgraph outputs'));
  if (inputs.length === 0 || outputs.length === 0) throw new TfliteFormatError('the subgraph has no inputs or no outputs');
  return { version, description: model.string(3) ?? '', tensors, operators, inputs, outputs };
}
