import { describeExample } from './examples-kit.ts';

describeExample('99-all-at-once');
