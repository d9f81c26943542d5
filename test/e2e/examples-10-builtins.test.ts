import { describeExample } from './examples-kit.ts';

describeExample('10-builtins');
