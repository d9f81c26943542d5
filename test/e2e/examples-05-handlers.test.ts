import { describeExample } from './examples-kit.ts';

describeExample('05-handlers');
