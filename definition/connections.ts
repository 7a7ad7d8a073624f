/** `host.connection.name` of an ApiConnection action: resolved through the `$connections` parameter. */
export function connectionName(api: string): string {
  return `@parameters('$connections')['${api}']['connectionId']`;
}
