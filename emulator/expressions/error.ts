/** The error of a template that does not parse or evaluate, with Azure's code. */
export class ExpressionError extends Error {
  /** Azure's code for template errors. */
  readonly code = "InvalidTemplate";
  constructor(message: string) {
    super(message);
    this.name = "ExpressionError";
  }
}
