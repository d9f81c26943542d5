import { describeExample } from './examples-kit.ts';

describeExample('13-hooks');
