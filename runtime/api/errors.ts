/** The errors handlers throw to steer retries (re-exported from the structs layer). */
export {
  TemporaryError,
  PermanentError,
  HandlerTimeoutError,
  HandlerRetriesError,
  AdmissionError,
} from '../structs/errors.ts';
