/**
 * hclspec: the Spec messages, builders, validation and the small cty model
 * used to decode (and, in tests, encode) configuration.
 *
 * @module
 */

export * from "./spec.ts";
export { type CtyType, parseTypeExpr, T, TypeExprError, typeToString } from "./types.ts";
export {
  CtyNumber,
  type CtyObject,
  type CtyValue,
  exactDecimalOfDouble,
  isCtyObject,
  isFloat64Exact,
  normalizeDecimal,
} from "./value.ts";
export { evalLiteral, LiteralError } from "./literal.ts";
export { canonicalKey, ConvertError, convertValue } from "./convert.ts";
export { impliedType, SpecTypeError, typeOfValue } from "./implied_type.ts";
export { SpecError, specProblems, validateSpec } from "./validate.ts";
export {
  attr,
  attrDefault,
  block,
  blockList,
  defaulted,
  hclSource,
  literal,
  obj,
  type Spec,
} from "./spec.ts";
