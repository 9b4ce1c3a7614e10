// The JSON scalar's TypeScript type, which the generated types in ./gql use.

/** The JSON scalar: any JSON value. */
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };
