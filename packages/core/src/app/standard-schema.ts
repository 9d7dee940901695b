/**
 * The Standard Schema v1 interface (https://standardschema.dev), copied as types so that zod,
 * valibot, arktype and any other implementation work without tq depending on one of them.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1Props<Input, Output>;
}

export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  readonly version: 1;
  /** The library, e.g. "zod" or "valibot". */
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
  /** Present for type inference only. */
  readonly types?: StandardSchemaV1Types<Input, Output> | undefined;
}

export type StandardSchemaV1Result<Output> = StandardSchemaV1Success<Output> | StandardSchemaV1Failure;

export interface StandardSchemaV1Success<Output> {
  readonly value: Output;
  readonly issues?: undefined;
}

export interface StandardSchemaV1Failure {
  readonly issues: ReadonlyArray<StandardSchemaV1Issue>;
}

export interface StandardSchemaV1Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | StandardSchemaV1PathSegment> | undefined;
}

export interface StandardSchemaV1PathSegment {
  readonly key: PropertyKey;
}

export interface StandardSchemaV1Types<Input = unknown, Output = Input> {
  readonly input: Input;
  readonly output: Output;
}

/** What a schema accepts (what callers pass). */
export type StandardSchemaV1Input<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input'];
/** What a schema produces (what the task function receives). */
export type StandardSchemaV1Output<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
