import { describeExample } from './examples-kit.ts';

describeExample('08-events');
