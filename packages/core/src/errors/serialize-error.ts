import type { SerializedError } from '../contracts/backend.js';

// JS errors whose names are also Python builtins; Celery rebuilds those as the real Python class.
const PYTHON_BUILTINS = new Set(['TypeError', 'SyntaxError', 'ReferenceError', 'ValueError', 'KeyError', 'RuntimeError', 'NotImplementedError', 'TimeoutError']);

/** The module Celery is told a tq error comes from; Python turns unknown modules into a generated class of the same name. */
export const TQ_EXCEPTION_MODULE = 'tq.exceptions';

export interface SerializedFailure {
  error: SerializedError;
  traceback: string | null;
}

/** An error as Celery stores it ({exc_type, exc_message: [args], exc_module}), plus its stack as the traceback. */
export function serializeError(error: unknown): SerializedFailure {
  if (!(error instanceof Error)) {
    return { error: { exc_type: 'Exception', exc_message: [String(error)], exc_module: 'builtins' }, traceback: null };
  }
  const remote = error as Error & { excType?: unknown; excModule?: unknown };
  const excType = typeof remote.excType === 'string' ? remote.excType : error.name === 'Error' ? 'Exception' : error.name;
  const excModule = typeof remote.excModule === 'string' ? remote.excModule : excType === 'Exception' || PYTHON_BUILTINS.has(excType) ? 'builtins' : TQ_EXCEPTION_MODULE;
  return {
    error: { exc_type: excType, exc_message: [error.message], exc_module: excModule },
    traceback: error.stack ?? null,
  };
}
