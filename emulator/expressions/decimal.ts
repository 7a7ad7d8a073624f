/**
 * decimal(): "The decimal precision ... is the same as the .NET decimal precision" (functions reference, decimal()),
 * 28-29 significant digits; decimal.js does the arithmetic.
 */
import DecimalJs from "decimal.js";

export const Decimal = DecimalJs.clone({ precision: 29 });
export type Decimal = InstanceType<typeof Decimal>;
