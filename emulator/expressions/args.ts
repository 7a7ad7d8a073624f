/** Argument checks shared by the function families, with Azure's error texts. */
import { ExpressionHost } from "../types";
import { ExpressionError } from "./parse";
import { Float, numeric, typeName } from "./values";

export type Impl = (args: unknown[], host: ExpressionHost) => unknown;

export interface FunctionSpec {
  min: number;
  max: number;
  impl: Impl;
}

export const spec = (min: number, max: number, impl: Impl): FunctionSpec => ({ min, max, impl });
export const MANY = Number.MAX_SAFE_INTEGER;

export const fail = (message: string): never => {
  throw new ExpressionError(message);
};

export function str(fn: string, v: unknown, position = 1): string {
  if (typeof v !== "string") {
    fail(
      `The template language function '${fn}' expects its parameter ${position} to be a string. The provided value is of type '${typeName(v)}'.`,
    );
  }
  return v as string;
}

export function int(fn: string, v: unknown, position = 1): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    fail(
      `The template language function '${fn}' expects its parameter ${position} to be an integer. The provided value is of type '${typeName(v)}'.`,
    );
  }
  return v as number;
}

export function num(fn: string, v: unknown, position = 1): number {
  const n = numeric(v);
  if (n === undefined) {
    fail(
      `The template language function '${fn}' expects its parameter ${position} to be a number. The provided value is of type '${typeName(v)}'.`,
    );
  }
  return n as number;
}

/** A Float argument: a Float wrapper or a non-integral number. */
export const isFloatValue = (v: unknown) => v instanceof Float || (typeof v === "number" && !Number.isInteger(v));

export const optionalStr = (fn: string, v: unknown, position: number) =>
  v === undefined ? undefined : str(fn, v, position);
