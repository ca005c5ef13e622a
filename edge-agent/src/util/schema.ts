import { type TEnum, Type } from 'typebox';

/** A string enum whose static type is the union of its strings (JSON Schema `enum`). */
export function literals<const T extends readonly string[]>(values: T): TEnum<[...T]> {
  return Type.Enum([...values] as [...T]) as TEnum<[...T]>;
}
