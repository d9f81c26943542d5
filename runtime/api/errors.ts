/** The errors handlers throw to steer retries (re-exported from the structs layer). */
export {
  TemporaryError,
  PermanentError,
  HandlerTimeoutError,
  HandlerRetriesError,
} from '../structs/errors.ts';
